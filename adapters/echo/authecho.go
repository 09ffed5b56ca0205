// Package authecho puts authsession's route guard and per-route checks on
// an echo server (github.com/labstack/echo/v5).
//
//	g, err := authecho.New(auth)
//	if err != nil { … }
//	e := echo.New()
//	if err := g.Mount(e); err != nil { … }
//	e.GET("/dashboard", dashboard)
//	admin := e.Group("/admin", g.Require(isAdmin))
//
// The guard runs as the server's middleware (e.Use), after echo has
// chosen the route, and judges that route (c.Path()) as well as the
// path; it asks echo's router which route serves the paths the route's
// parameters can spell (see docs/routing.md). It serves the session API
// at Config.APIPath itself, so the API needs no route. Handlers read the
// session with [Session].
package authecho

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/labstack/echo/v5"

	"github.com/authsession/authsession"
	"github.com/authsession/authsession/internal/adapt"
)

// Guard is the guard and the per-route checks of one AuthSession for one
// echo server. It is safe for concurrent use.
type Guard[U any] struct {
	g      *authsession.Guard[U]
	routes *adapt.Memo[string]
	e      *echo.Echo
	ask    func(*http.Request) string
}

// New returns the guard of auth, an AuthSession from NextAuthSession.
func New[U any](auth *authsession.AuthSession[U]) (*Guard[U], error) {
	g, err := authsession.NewGuard(auth, nil)
	if err != nil {
		return nil, fmt.Errorf("authecho: %w", err)
	}
	return &Guard[U]{g: g, routes: adapt.NewMemo(adapt.Colon)}, nil
}

// Mount adds the guard to e as middleware that runs after routing (e.Use,
// which covers the routes added before and after it). It fails when the
// guard was mounted before (one Guard per server).
func (g *Guard[U]) Mount(e *echo.Echo) error {
	if e == nil {
		return errors.New("authecho: Mount(nil)")
	}
	if g.e != nil {
		return errors.New("authecho: this Guard is mounted already; use one Guard per server")
	}
	g.e = e
	g.ask = g.route
	e.Use(g.middleware)
	return nil
}

func (g *Guard[U]) middleware(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c *echo.Context) error {
		r, ok := g.g.Check(c.Response(), c.Request(), g.routes.Get(c.Path()), g.ask)
		if !ok {
			return nil
		}
		c.SetRequest(r)
		return next(c)
	}
}

// route asks echo's router which route serves r, as ServeHTTP routes it.
func (g *Guard[U]) route(r *http.Request) string {
	c := g.e.AcquireContext()
	defer g.e.ReleaseContext(c)
	c.Reset(r, nil)
	g.e.Router().Route(c)
	return g.routes.Get(c.Path())
}

// RequireSession is per-route or per-group middleware that needs a
// session, whatever the route rules say (authsession's RequireSession).
func (g *Guard[U]) RequireSession() echo.MiddlewareFunc { return g.Require(nil) }

// Require is per-route or per-group middleware that needs a session
// passing allow (authsession's Require; AuthWhere's check on a group):
// visitors without a session get the login redirect (a JSON 401 for
// requests that are not page loads), signed-in visitors who fail allow a
// 403.
func (g *Guard[U]) Require(allow func(authsession.Session[U]) bool) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c *echo.Context) error {
			r, ok := g.g.Require(c.Response(), c.Request(), allow)
			if !ok {
				return nil
			}
			c.SetRequest(r)
			return next(c)
		}
	}
}

// Session returns the session the guard or Require put in the request
// (authsession.SessionFromContext); false when there is none.
func Session[U any](c *echo.Context) (authsession.Session[U], bool) {
	return authsession.SessionFromContext[U](c.Request().Context())
}
