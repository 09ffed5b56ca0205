// Package authchi puts authsession's route guard on a chi router
// (github.com/go-chi/chi/v5) so that it judges the route chi serves.
//
//	g, err := authchi.New(auth)
//	if err != nil { … }
//	r := chi.NewRouter()
//	if err := g.Mount(r); err != nil { … } // before any route
//	r.Get("/dashboard", dashboard)
//	r.With(auth.Require(isAdmin)).Get("/admin", admin)
//
// The guard runs as the router's first middleware and asks the router
// which route serves each request ((*chi.Mux).Find, through mounted
// sub-routers), then judges that route as well as the path: see
// docs/routing.md. chi takes net/http middleware as it is, so the
// per-route checks are authsession's own: auth.RequireSession and
// auth.Require(check), with r.With or r.Group. The guard serves the
// session API at Config.APIPath itself, so the API needs no route.
package authchi

import (
	"errors"
	"fmt"
	"net/http"
	"sync"

	"github.com/go-chi/chi/v5"

	"github.com/authsession/authsession"
	"github.com/authsession/authsession/internal/adapt"
)

// Guard is the route guard of one AuthSession for one chi router. It is
// safe for concurrent use.
type Guard[U any] struct {
	g      *authsession.Guard[U]
	routes *adapt.Memo[string]
	r      chi.Routes
	ctxs   sync.Pool // *chi.Context for Find
}

// New returns the guard of auth, an AuthSession from NextAuthSession.
func New[U any](auth *authsession.AuthSession[U]) (*Guard[U], error) {
	g, err := authsession.NewGuard(auth, nil)
	if err != nil {
		return nil, fmt.Errorf("authchi: %w", err)
	}
	return &Guard[U]{g: g, routes: adapt.NewMemo(adapt.Chi)}, nil
}

// ErrRoutesFirst is Mount's error for a router that has routes already:
// chi takes middleware only before the routes.
var ErrRoutesFirst = errors.New("authchi: mount the guard before adding routes")

// Mount adds the guard to r, the application's root router, as its
// middleware (r.Use), after the middleware already added and before
// every route. It fails when r has routes already, or when the guard was
// mounted before (one Guard per router).
func (g *Guard[U]) Mount(r chi.Router) error {
	if r == nil {
		return errors.New("authchi: Mount(nil)")
	}
	if g.r != nil {
		return errors.New("authchi: this Guard is mounted already; use one Guard per router")
	}
	if routes := r.Routes(); len(routes) > 0 {
		return fmt.Errorf("%w: %s was added first", ErrRoutesFirst, routes[0].Pattern)
	}
	g.r = r
	r.Use(g.middleware)
	return nil
}

func (g *Guard[U]) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r, ok := g.g.Check(w, r, g.route(r), g.route); ok {
			next.ServeHTTP(w, r)
		}
	})
}

// route asks the router which route serves r, on the path chi routes on
// (RawPath when set, as chi does; the guard lets through only a RawPath
// that equals Path).
func (g *Guard[U]) route(r *http.Request) string {
	path := r.URL.RawPath
	if path == "" {
		path = r.URL.Path
	}
	if path == "" {
		path = "/"
	}
	rctx, _ := g.ctxs.Get().(*chi.Context)
	if rctx == nil {
		rctx = chi.NewRouteContext()
	}
	rctx.Reset()
	p := g.r.Find(rctx, r.Method, path)
	g.ctxs.Put(rctx)
	return g.routes.Get(p)
}
