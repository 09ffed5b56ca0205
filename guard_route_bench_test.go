package authsession_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/authsession/authsession"
	"github.com/authsession/authsession/patterns"
)

// routeBenchMux is a ServeMux with literal, parameter and catch-all
// routes, as an application has them.
func routeBenchMux() *http.ServeMux {
	ok := http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})
	mux := http.NewServeMux()
	for _, p := range []string{"GET /{$}", "GET /login", "GET /dashboard", "GET /dashboard/{section}", "GET /admin/", "GET /assets/", "GET /users/{id}/settings", "GET /"} {
		mux.Handle(p, ok)
	}
	return mux
}

func routeBenchAuth(tb testing.TB) *authsession.AuthSession[authsession.User] {
	cfg := guardConfig()
	cfg.DefaultRouteType = authsession.RouteAuth
	cfg.Routes = []authsession.Rule{
		authsession.Public("/login"), authsession.Hybrid("/"), authsession.Hybrid("/assets/*"),
		authsession.Auth(patterns.Dashboard), authsession.AuthWhere(patterns.Admin, isAdmin),
	}
	return buildAuth(tb, cfg)
}

// BenchmarkGuardServeMux measures what the guard adds to a bare
// ServeMux: judging the path, asking the ServeMux for the route
// (ServeMux.Handler) and looking up its cached verdict, and, with a warm
// cookie, reading the session from the verified-token cache. Compare
// each guard/... with bare/... of the same path, and with path-only/...,
// the guard in front of a handler it cannot ask.
func BenchmarkGuardServeMux(b *testing.B) {
	auth := routeBenchAuth(b)
	mux := routeBenchMux()
	guarded := auth.Middleware(mux)
	// The guard in front of a handler it cannot ask: the path alone.
	unasked := auth.Middleware(http.HandlerFunc(mux.ServeHTTP))
	cookie := sessionCookie(b, auth, "admin", guardNow)
	w := &discardWriter{h: http.Header{}}
	for _, tt := range []struct {
		name, target, cookie string
	}{
		{"public-literal", "/login", ""},
		{"auth-literal-warm-cookie", "/dashboard", cookie},
		{"auth-param-warm-cookie", "/dashboard/billing", cookie},
		{"catch-all-anonymous", "/assets/app.js", ""},
	} {
		r := httptest.NewRequest("GET", tt.target, nil)
		if tt.cookie != "" {
			r.Header.Set("Cookie", tt.cookie)
		}
		guarded.ServeHTTP(w, r) // warm the token and route caches
		b.Run("bare/"+tt.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				mux.ServeHTTP(w, r)
			}
		})
		b.Run("path-only/"+tt.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				unasked.ServeHTTP(w, r)
			}
		})
		b.Run("guard/"+tt.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				guarded.ServeHTTP(w, r)
			}
		})
	}
}

// TestGuardServeMuxRouteAllocs: judging the route allocates nothing
// beyond what ServeMux.Handler allocates to match it (nothing for a
// literal route; its wildcard values for a route with a parameter or a
// trailing "/"), and the request's session state one allocation, with or
// without a cookie (engine.begin: the request copy carrying the session
// and the response writer that commits it).
func TestGuardServeMuxRouteAllocs(t *testing.T) {
	auth := routeBenchAuth(t)
	mux := routeBenchMux()
	guarded := auth.Middleware(mux)
	cookie := sessionCookie(t, auth, "admin", guardNow)
	w := &discardWriter{h: http.Header{}}
	for _, tt := range []struct {
		target, cookie string
		extra          float64 // beyond ServeMux's own
	}{
		{"/login", "", 1},
		{"/assets/app.js", "", 1},
		{"/dashboard", cookie, 1},
		{"/dashboard/billing", cookie, 1},
	} {
		r := httptest.NewRequest("GET", tt.target, nil)
		if tt.cookie != "" {
			r.Header.Set("Cookie", tt.cookie)
		}
		guarded.ServeHTTP(w, r)
		bare := testing.AllocsPerRun(100, func() { mux.ServeHTTP(w, r) })
		match := testing.AllocsPerRun(100, func() { mux.Handler(r) })
		got := testing.AllocsPerRun(100, func() { guarded.ServeHTTP(w, r) })
		if got-bare-match > tt.extra {
			t.Errorf("%s: the guard adds %v allocations (ServeMux.Handler %v), want at most %v more", tt.target, got-bare, match, tt.extra)
		}
	}
}
