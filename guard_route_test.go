package authsession_test

import (
	"net/http"
	"testing"

	"github.com/authsession/authsession"
	"github.com/authsession/authsession/internal/guardtest"
	"github.com/authsession/authsession/patterns"
)

// The guard in front of a ServeMux asks it which route serves a request
// (ServeMux.Handler) and judges that route: its parameter segments stand
// for every value, so a path that the rules judge open cannot reach a
// handler that other paths of the same route need a session for.

// routeVisit is a GET, the status and the labelled handler expected.
type routeVisit struct {
	target  string
	status  int
	handler string
}

func routeVisits(t *testing.T, h http.Handler, cookie string, rows []routeVisit) {
	t.Helper()
	for _, tt := range rows {
		w := serve(h, "GET", tt.target, cookie, map[string]string{"Accept": "text/html"})
		if got := w.Header().Get("X-Guardtest-Handler"); w.Code != tt.status || got != tt.handler {
			t.Errorf("%s (signed in %v): got %d %q (Location %q), want %d %q", tt.target, cookie != "", w.Code, got, w.Header().Get("Location"), tt.status, tt.handler)
		}
	}
}

// issue29Rules are rules of an app that denies by default, with a public
// static area, a dashboard and an admin area: a router's parameter route
// can serve the protected areas' names under a public prefix.
func issue29Rules(isAdmin func(authsession.Session[authsession.User]) bool) []authsession.Rule {
	return []authsession.Rule{
		authsession.Public("/login"),
		authsession.Hybrid("/"),
		authsession.Hybrid("/static/*"),
		authsession.Hybrid("/blog/*"),
		authsession.Auth(patterns.Dashboard),
		authsession.AuthWhere(patterns.Admin, isAdmin),
	}
}

// TestGuardJudgesServeMuxRoute: on ServeMux, an unconstrained {lang}
// route serves /static/dashboard and /static/admin, which the path rules
// judge Hybrid; the guard judges the route, so they need a session.
func TestGuardJudgesServeMuxRoute(t *testing.T) {
	for _, def := range []authsession.RouteType{authsession.RouteAuth, authsession.RouteHybrid} {
		t.Run(string(def), func(t *testing.T) {
			cfg := guardConfig()
			cfg.DefaultRouteType = def
			cfg.Routes = issue29Rules(isAdmin)
			auth := buildAuth(t, cfg)
			mux := http.NewServeMux()
			mux.Handle("GET /{lang}/dashboard", guardtest.Handler("dashboard", true))
			mux.Handle("GET /{lang}/admin", guardtest.Handler("admin", true))
			mux.Handle("GET /static/app.js", guardtest.Handler("static", false)) // a ServeMux cannot have "/static/" beside "/{lang}/dashboard"
			mux.Handle("GET /login", guardtest.Handler("login", false))
			mux.Handle("GET /{$}", guardtest.Handler("home", false))
			h := auth.Middleware(mux)
			user, admin := sessionCookie(t, auth, "user", guardNow), sessionCookie(t, auth, "admin", guardNow)
			routeVisits(t, h, "", []routeVisit{
				{"/static/dashboard", 307, ""}, {"/blog/dashboard", 307, ""}, {"/static/admin", 307, ""},
				{"/en/dashboard", 307, ""}, {"/fr/dashboard", 307, ""}, {"/x/admin", 307, ""},
				{"/static/app.js", 200, "static"}, {"/login", 200, "login"}, {"/", 200, "home"},
			})
			// The {lang} dashboard route also serves /admin/dashboard, which
			// the rules keep for admins: the route is judged as the
			// strictest of its paths, so it is for admins only.
			routeVisits(t, h, user, []routeVisit{
				{"/static/dashboard", 403, ""}, {"/en/dashboard", 403, ""},
				{"/static/admin", 403, ""}, {"/en/admin", 403, ""}, {"/x/admin", 403, ""},
				{"/static/app.js", 200, "static"},
			})
			routeVisits(t, h, admin, []routeVisit{
				{"/static/admin", 200, "admin"}, {"/ar/admin", 200, "admin"}, {"/static/dashboard", 200, "dashboard"},
			})
		})
	}
}

// TestGuardServeMuxExplicitLocales is the set-up docs/routing.md
// recommends for ServeMux: one pattern per locale instead of a {lang}
// parameter. Every page is open to whom its rules say, and no other
// first segment reaches the pages.
func TestGuardServeMuxExplicitLocales(t *testing.T) {
	for _, def := range []authsession.RouteType{authsession.RouteAuth, authsession.RouteHybrid} {
		t.Run(string(def), func(t *testing.T) {
			cfg := guardConfig()
			cfg.DefaultRouteType = def
			cfg.Routes = issue29Rules(isAdmin)
			auth := buildAuth(t, cfg)
			mux := http.NewServeMux()
			for _, l := range []string{"", "/en", "/ar"} {
				mux.Handle("GET "+l+"/dashboard", guardtest.Handler("dashboard", true))
				mux.Handle("GET "+l+"/admin", guardtest.Handler("admin", true))
				mux.Handle("GET "+l+"/login", guardtest.Handler("login", false))
				mux.Handle("GET "+l+"/static/", guardtest.Handler("static", false))
				mux.Handle("GET "+l+"/{$}", guardtest.Handler("home", false))
			}
			h := auth.Middleware(mux)
			user, admin := sessionCookie(t, auth, "user", guardNow), sessionCookie(t, auth, "admin", guardNow)
			routeVisits(t, h, "", []routeVisit{
				{"/static/dashboard", 200, "static"}, {"/en/dashboard", 307, ""}, {"/fr/dashboard", 404 - 97*btoi(def == authsession.RouteAuth), ""}, {"/x/dashboard", 404 - 97*btoi(def == authsession.RouteAuth), ""},
				{"/static/app.js", 200, "static"}, {"/ar/login", 200, "login"}, {"/ar/", 200, "home"}, {"/", 200, "home"},
			})
			routeVisits(t, h, user, []routeVisit{
				{"/dashboard", 200, "dashboard"}, {"/en/dashboard", 200, "dashboard"}, {"/ar/admin", 403, ""},
			})
			routeVisits(t, h, admin, []routeVisit{{"/ar/admin", 200, "admin"}})
		})
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// TestGuardUnaskedRouter pins docs/routing.md's last row: in front of a
// handler it cannot ask (here a ServeMux wrapped in other middleware),
// the guard judges the path alone, reading a language-tag-shaped first
// segment both ways. A word such as "static" in a {lang} parameter's
// place is not covered: protection on the handler is, whatever the path.
func TestGuardUnaskedRouter(t *testing.T) {
	cfg := guardConfig()
	cfg.Routes = issue29Rules(isAdmin)
	auth := buildAuth(t, cfg)
	mux := http.NewServeMux()
	mux.Handle("GET /{lang}/dashboard", guardtest.Handler("dashboard", true))
	mux.Handle("GET /{lang}/account", auth.RequireSession(guardtest.Handler("account", true)))
	logging := func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) })
	}
	routeVisits(t, auth.Middleware(logging(mux)), "", []routeVisit{
		{"/fr/dashboard", 307, ""},              // the language-tag reading
		{"/static/dashboard", 200, "dashboard"}, // the residual: put the guard around the ServeMux
		{"/static/account", 307, ""},            // RequireSession on the handler
		{"/zz/account", 307, ""},                // whatever the path
	})
	routeVisits(t, auth.Middleware(mux), "", []routeVisit{{"/static/dashboard", 307, ""}})
}

// TestGuardAuthorizeSeesRouteRules: the Authorize hook sees the Auth
// rules the route adds, first, when the path's own rule is not one.
func TestGuardAuthorizeSeesRouteRules(t *testing.T) {
	cfg := guardConfig()
	cfg.Routes = issue29Rules(isAdmin)
	var seen []string
	cfg.Authorize = func(_ bool, _ *http.Request, rule authsession.Rule) http.Handler {
		seen = append(seen, string(rule.Type)+" "+rule.Pattern)
		return nil
	}
	auth := buildAuth(t, cfg)
	mux := http.NewServeMux()
	mux.Handle("GET /{lang}/dashboard", guardtest.Handler("dashboard", true))
	serve(auth.Middleware(mux), "GET", "/static/dashboard", sessionCookie(t, auth, "admin", guardNow), nil)
	want := []string{"auth /dashboard/*", "auth /admin/*", "hybrid /static/*"}
	if len(seen) != len(want) {
		t.Fatalf("the hook saw %q, want %q", seen, want)
	}
	for i := range want {
		if seen[i] != want[i] {
			t.Errorf("the hook saw %q, want %q", seen, want)
		}
	}
}
