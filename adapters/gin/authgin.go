// Package authgin puts authsession's route guard and per-route checks on
// a gin engine (github.com/gin-gonic/gin).
//
//	g, err := authgin.New(auth)
//	if err != nil { … }
//	r := gin.New()
//	if err := g.Mount(r); err != nil { … } // before any route
//	r.GET("/dashboard", dashboard)
//	admin := r.Group("/admin", g.Require(isAdmin))
//
// The guard runs as the engine's global middleware, after gin has chosen
// the route, and judges that route (c.FullPath()) as well as the path:
// see docs/routing.md. It serves the session API at Config.APIPath
// itself, so the API needs no route. Handlers read the session with
// [Session].
package authgin

import (
	"errors"
	"fmt"

	"github.com/gin-gonic/gin"

	"github.com/authsession/authsession"
	"github.com/authsession/authsession/internal/adapt"
)

// Guard is the guard and the per-route checks of one AuthSession for one
// gin engine. It is safe for concurrent use.
type Guard[U any] struct {
	g       *authsession.Guard[U]
	routes  *adapt.Memo[string]
	mounted bool
}

// New returns the guard of auth, an AuthSession from NextAuthSession.
func New[U any](auth *authsession.AuthSession[U]) (*Guard[U], error) {
	g, err := authsession.NewGuard(auth, nil)
	if err != nil {
		return nil, fmt.Errorf("authgin: %w", err)
	}
	return &Guard[U]{g: g, routes: adapt.NewMemo(adapt.Colon)}, nil
}

// ErrRoutesFirst is Mount's error for an engine that has routes already:
// gin copies its middleware into each route when the route is added, so
// those routes would never pass through the guard.
var ErrRoutesFirst = errors.New("authgin: mount the guard before adding routes")

// Mount adds the guard to r as global middleware, after the middleware
// already added (a logger, a recovery handler) and before every route.
// It fails when r has routes already, or when the guard was mounted
// before (one Guard per engine).
func (g *Guard[U]) Mount(r *gin.Engine) error {
	if r == nil {
		return errors.New("authgin: Mount(nil)")
	}
	if g.mounted {
		return errors.New("authgin: this Guard is mounted already; use one Guard per engine")
	}
	if routes := r.Routes(); len(routes) > 0 {
		return fmt.Errorf("%w: %s %s was added first", ErrRoutesFirst, routes[0].Method, routes[0].Path)
	}
	g.mounted = true
	r.Use(g.guard)
	return nil
}

// guard is the middleware: gin has routed c already (and runs it for
// paths no route serves, with c.FullPath() empty).
func (g *Guard[U]) guard(c *gin.Context) {
	r, ok := g.g.Check(c.Writer, c.Request, g.routes.Get(c.FullPath()), nil)
	if !ok {
		c.Abort()
		return
	}
	c.Request = r
	c.Next()
}

// RequireSession is per-route or per-group middleware that needs a
// session, whatever the route rules say (authsession's RequireSession).
func (g *Guard[U]) RequireSession() gin.HandlerFunc { return g.Require(nil) }

// Require is per-route or per-group middleware that needs a session
// passing allow (authsession's Require; AuthWhere's check on a group):
// visitors without a session get the login redirect (a JSON 401 for
// requests that are not page loads), signed-in visitors who fail allow a
// 403.
func (g *Guard[U]) Require(allow func(authsession.Session[U]) bool) gin.HandlerFunc {
	return func(c *gin.Context) {
		r, ok := g.g.Require(c.Writer, c.Request, allow)
		if !ok {
			c.Abort()
			return
		}
		c.Request = r
		c.Next()
	}
}

// Session returns the session the guard or Require put in the request
// (authsession.SessionFromContext); false when there is none.
func Session[U any](c *gin.Context) (authsession.Session[U], bool) {
	return authsession.SessionFromContext[U](c.Request.Context())
}
