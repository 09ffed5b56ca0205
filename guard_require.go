package authsession

import (
	"context"
	"fmt"
	"net/http"
)

// This file is protection that does not depend on the path: checks over
// the typed session attached to a rule (AuthWhere) or to a handler
// (AuthSession.RequireSession, AuthSession.Require), and typed access to
// the session from a context.Context.

// requirement is AuthWhere's check. It is held by pointer, so Rule values
// stay comparable.
type requirement struct {
	fn  any    // func(Session[U]) bool for the configuration's U
	typ string // the check's type, for error messages
}

// AuthWhere returns an Auth rule whose visitors must also pass allow: a
// visitor without a session gets the login redirect (or a JSON 401), a
// signed-in visitor for whom allow returns false gets a 403 (JSON for JSON
// clients, Config.ForbiddenHandler or a plain page for browsers). allow
// receives the session directly, so a role check needs no pattern
// comparison and no reference to the AuthSession:
//
//	authsession.AuthWhere(patterns.Admin, func(s authsession.Session[authsession.User]) bool {
//		return s.User.ExtraString("role") == "admin"
//	})
//
// U must be the configuration's user type: NextAuthSession refuses the
// rule otherwise (and a nil allow). allow is called concurrently, must
// not modify the session, and should be cheap: it runs on every request
// the rule matches. When a path also falls under another reading's Auth
// rule (see [Config.Locales]), every such rule's check must pass.
func AuthWhere[U any](pattern string, allow func(Session[U]) bool) Rule {
	return Rule{Type: RouteAuth, Pattern: pattern, req: &requirement{fn: allow, typ: fmt.Sprintf("%T", allow)}}
}

// checkRequirement checks, at NextAuthSession, that an AuthWhere rule's
// check takes the configuration's session type.
func checkRequirement[U any](i int, r Rule) error {
	if r.req == nil {
		return nil
	}
	f, ok := r.req.fn.(func(Session[U]) bool)
	if !ok {
		return ruleError(i, r.Pattern, "the AuthWhere check is a %s, but this configuration's sessions are %T", r.req.typ, Session[U]{})
	}
	if f == nil {
		return ruleError(i, r.Pattern, "the AuthWhere check is nil")
	}
	return nil
}

// allows reports whether s passes rule's AuthWhere check (true without
// one). A check of the wrong type, refused at NextAuthSession, fails.
func allows[U any](rule Rule, s *Session[U]) bool {
	if rule.req == nil {
		return true
	}
	f, _ := rule.req.fn.(func(Session[U]) bool)
	return f != nil && f(*s)
}

// require is AuthSession.Require: middleware for one handler or group
// that needs a session (and, with allow, a session that passes it),
// whatever the route rules say and with or without the guard in front.
// The session is read as the guard reads it (decoded once per request,
// auto-refreshed) and the answers are the guard's own.
func (g *guard[U]) require(allow func(Session[U]) bool) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			var s guardSession[U]
			if r, ok := g.requireCheck(w, r, allow, &s); ok {
				next.ServeHTTP(s.w, r)
			}
			s.end()
		})
	}
}

// requireCheck is require's decision: the request to hand on and true,
// or false when it has answered.
func (g *guard[U]) requireCheck(w http.ResponseWriter, r *http.Request, allow func(Session[U]) bool, s *guardSession[U]) (*http.Request, bool) {
	w, r, st := s.begin(g.e, w, r)
	switch {
	case !st.signedIn():
		v := g.where(r)
		g.toLogin(w, r, &v)
	case allow != nil && !allow(*st.session):
		v := g.where(r)
		g.forbid(w, r, &v)
	default:
		return r, true
	}
	return nil, false
}

// where is what the per-handler answers need of the path: the locale
// prefix for the login redirect and the judged path for JSON detection.
func (g *guard[U]) where(r *http.Request) verdict {
	v := g.table.classify(r.URL.Path, r.URL.RawPath)
	if v.act != actionNext {
		return verdict{path: r.URL.Path}
	}
	return v
}

// typedKey is the context key that SessionFromContext reads: the session
// of an AuthSession whose user type is U.
type typedKey[U any] struct{}

// SessionFromContext returns the session that the guard
// ([AuthSession.Middleware]) or [AuthSession.RequireSession] /
// [AuthSession.Require] put in the request context, for code that has a
// context but no *AuthSession at hand (a service layer, an Authorize hook,
// a template helper). It reports false when there is no valid session or
// when none of them ran for this request (it never reads a cookie
// itself). It costs a context lookup and does not allocate.
//
// U selects the session: with two AuthSessions of the same user type in
// one handler chain (two cookies), it returns the session of the one that
// ran last (the innermost); use that instance's GetSession to choose.
// Instances with different user types never see each other's sessions.
func SessionFromContext[U any](ctx context.Context) (Session[U], bool) {
	if ctx == nil {
		return Session[U]{}, false
	}
	st, _ := ctx.Value(typedKey[U]{}).(*requestState[U])
	return st.get()
}
