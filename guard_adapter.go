package authsession

import (
	"fmt"
	"net/http"
)

// Guard is the route guard as a decision, for router adapters (the
// authgin, authecho, authchi and authgorilla modules under adapters/):
// routers that run the guard as their own middleware, after they have
// chosen the route (gin, echo), or that the guard asks through their own
// API (chi, gorilla/mux). A *http.ServeMux needs none of this:
// [AuthSession.Middleware] asks it itself. A Guard is safe for
// concurrent use; use one per router, as it keeps the verdicts of that
// router's routes.
type Guard[U any] struct {
	g      *guard[U]
	hook   AuthorizeFunc
	routes routeCache
}

// NewGuard returns auth's route guard for an adapter, with hook running
// after Config.Authorize as in [AuthSession.MiddlewareWith] (nil for
// none). It fails when auth was not built by [NextAuthSession].
func NewGuard[U any](auth *AuthSession[U], hook AuthorizeFunc) (*Guard[U], error) {
	if auth == nil || auth.Middleware == nil {
		return nil, fmt.Errorf("%w: NewGuard needs an AuthSession from NextAuthSession", ErrConfig)
	}
	h, ok := auth.Middleware(nil).(*guardHandler[U])
	if !ok {
		return nil, fmt.Errorf("%w: NewGuard needs an AuthSession from NextAuthSession", ErrConfig)
	}
	return &Guard[U]{g: h.g, hook: h.g.chain(hook)}, nil
}

// Check is the guard for r, which the router serves with the route
// pattern route ("" when no route serves it: a 404 or 405). It returns
// the request to hand on, carrying the session, and true; or false when
// the guard has answered itself (a refusal, a redirect to the canonical
// path or the login page, a 401 or 403, or the session API, which the
// guard serves at Config.APIPath whatever the router holds).
//
// route is written in ServeMux's pattern syntax, which adapters translate
// their router's patterns into: "[METHOD ][HOST]/path", "{name}" for a
// segment of any value, a last "{name...}" (or a pattern ending in "/")
// for the rest of the path, "{$}" for the end after a trailing slash,
// and a last segment "text{...}" for every path whose segment there
// starts with text (gorilla/mux's PathPrefix("/admin"), chi's
// "/admin*"). The guard judges the path and the route: the route's
// fixed part (before a trailing wildcard), each parameter standing for
// every value the rules tell apart, adds its Auth rules (see
// docs/routing.md).
//
// ask, if not nil, answers for the router which route it serves another
// request with (in the same syntax, "" for none): the guard asks it once
// per route and method about the paths the route's parameters can spell,
// and leaves out those the router serves with another route (a literal
// route, or a parameter's constraint). Without it every such path
// counts, which is stricter.
func (g *Guard[U]) Check(w http.ResponseWriter, r *http.Request, route string, ask func(*http.Request) string) (*http.Request, bool) {
	s := guardSession[U]{bare: true} // no writer to wrap: changes commit as made
	return g.g.check(w, r, routing{known: true, route: route, given: true, ask: ask, cache: &g.routes}, g.hook, &s)
}

// Require is [AuthSession.Require] as a decision: it returns the request
// to hand on, carrying the session, and true when r has a session that
// passes allow (any session when allow is nil); otherwise it has answered
// with the login redirect (a JSON 401 for requests that are not page
// loads) or a 403, and returns false.
func (g *Guard[U]) Require(w http.ResponseWriter, r *http.Request, allow func(Session[U]) bool) (*http.Request, bool) {
	s := guardSession[U]{bare: true}
	return g.g.requireCheck(w, r, allow, &s)
}
