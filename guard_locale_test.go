package authsession_test

import (
	"net/http"
	"slices"
	"sync/atomic"
	"testing"

	"github.com/authsession/authsession"
	"github.com/authsession/authsession/patterns"
)

// TestGuardLocaleReadings: the set-up, a ServeMux that takes the
// first segment as a language (/{lang}/dashboard/{rest...}) with Locales
// en and ar: first segments shaped like a language tag that are not
// configured locales cannot open a protected page, and a segment a rule
// spells out is not mistaken for one.
func TestGuardLocaleReadings(t *testing.T) {
	cfg := guardConfig()
	cfg.Routes = []authsession.Rule{
		authsession.Public("/login"),
		authsession.Auth(patterns.Dashboard),
		authsession.Auth("/me/*"),
		authsession.Public("/profile"),
	}
	auth := buildAuth(t, cfg)
	user := sessionCookie(t, auth, "user", guardNow)
	dashboard, other := &reached{}, &reached{}
	mux := http.NewServeMux()
	mux.Handle("/{lang}/dashboard", dashboard)
	mux.Handle("/{lang}/dashboard/{rest...}", dashboard)
	mux.Handle("/", other)
	expectVisits(t, auth.Middleware(mux), []guardVisit{
		{"/fr/dashboard", "", 307, "/login?callbackUrl=%2Ffr%2Fdashboard"},
		{"/EN/dashboard", "", 307, "/login?callbackUrl=%2FEN%2Fdashboard"},
		{"/en-US/dashboard/x", "", 307, "/login?callbackUrl=%2Fen-US%2Fdashboard%2Fx"},
		{"/pt_BR/dashboard/", "", 307, "/login?callbackUrl=%2Fpt_BR%2Fdashboard%2F"},
		{"/en/dashboard", "", 307, "/en/login?callbackUrl=%2Fen%2Fdashboard"},
		{"/fr/dashboard", user, 200, ""},
		{"/me/profile", "", 307, "/login?callbackUrl=%2Fme%2Fprofile"}, // Auth("/me/*") spells "me": never /profile
		{"/me/profile", user, 200, ""},                                 // and not sent home as the public /profile
		{"/fr/profile", user, 200, ""},                                 // public only in the other reading: the literal one decides
	})
}

// guardVisit is one row of a table: a GET, the status and Location
// expected.
type guardVisit struct {
	target, cookie string
	status         int
	location       string
}

func expectVisits(t *testing.T, h http.Handler, rows []guardVisit) {
	t.Helper()
	for _, tt := range rows {
		w := serve(h, "GET", tt.target, tt.cookie, nil)
		if w.Code != tt.status || w.Header().Get("Location") != tt.location {
			t.Errorf("%s (signed in %v): got %d %q, want %d %q", tt.target, tt.cookie != "", w.Code, w.Header().Get("Location"), tt.status, tt.location)
		}
	}
}

// TestGuardAuthorizeSeesEveryReading: a role check keyed on the matched
// rule (the Authorize hook as written before AuthWhere) is not skipped
// for a language-shaped first segment: the hook sees the Auth rule
// first, then the other reading's rule.
func TestGuardAuthorizeSeesEveryReading(t *testing.T) {
	var calls atomic.Int32
	var seen []string
	cfg := guardConfig()
	cfg.Authorize = func(ok bool, r *http.Request, rule authsession.Rule) http.Handler {
		calls.Add(1)
		seen = append(seen, string(rule.Type)+" "+rule.Pattern)
		if rule.Pattern == patterns.Admin && ok {
			if s, _ := authsession.SessionFromContext[authsession.User](r.Context()); !isAdmin(s) {
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusForbidden) })
			}
		}
		return nil
	}
	auth := buildAuth(t, cfg)
	h := auth.Middleware(&reached{})
	for _, tt := range []struct {
		target, role string
		status       int
		seen         []string
	}{
		{"/fr/admin", "user", 403, []string{"auth /admin/*"}},
		{"/fr/admin", "admin", 200, []string{"auth /admin/*", "hybrid "}},
		{"/admin", "user", 403, []string{"auth /admin/*"}},
		{"/about", "user", 200, []string{"hybrid "}},
	} {
		seen = nil
		calls.Store(0)
		w := serve(h, "GET", tt.target, sessionCookie(t, auth, tt.role, guardNow), nil)
		if w.Code != tt.status || len(seen) != len(tt.seen) || int(calls.Load()) != len(tt.seen) {
			t.Errorf("%s as %s: got %d, hook saw %q; want %d, %q", tt.target, tt.role, w.Code, seen, tt.status, tt.seen)
			continue
		}
		for i := range seen {
			if seen[i] != tt.seen[i] {
				t.Errorf("%s as %s: hook saw %q, want %q", tt.target, tt.role, seen, tt.seen)
			}
		}
	}
}

// TestGuardNamedTagSegment: a non-Auth rule that names a first segment
// (Hybrid("/js/*"), Public("/css/*"), Hybrid("/faq/*")) does not open the
// routes of a ServeMux that takes that segment as a {lang} parameter: the
// guard asks the ServeMux which route serves /js/dashboard/ and judges
// that route, whose paths include /dashboard/ (Auth) and, with lang
// "admin", /admin/dashboard/ (AuthWhere): the route is for admins. The
// named areas' own routes stay open under deny by default.
func TestGuardNamedTagSegment(t *testing.T) {
	cfg := guardConfig()
	cfg.DefaultRouteType = authsession.RouteAuth
	cfg.Routes = []authsession.Rule{
		authsession.Public("/login"),
		authsession.Hybrid("/"),
		authsession.Hybrid("/js/*"),
		authsession.Public("/css/*"),
		authsession.Hybrid("/faq/*"),
		authsession.Hybrid("/api/public/*"),
		authsession.Auth(patterns.Dashboard),
		authsession.AuthWhere(patterns.Admin, isAdmin),
	}
	auth := buildAuth(t, cfg)
	user, admin := sessionCookie(t, auth, "user", guardNow), sessionCookie(t, auth, "admin", guardNow)
	mux := http.NewServeMux()
	mux.Handle("/{lang}/dashboard/{rest...}", &reached{})
	mux.Handle("/{lang}/admin/{rest...}", &reached{})
	mux.Handle("/{lang}/account", &reached{}) // protected by the default type only
	mux.Handle("/js/app.js", &reached{})
	mux.Handle("/css/site.css", &reached{})
	mux.Handle("/faq/billing", &reached{})
	mux.Handle("/api/public/status", &reached{})
	expectVisits(t, auth.Middleware(mux), []guardVisit{
		{"/js/dashboard/", "", 307, "/login?callbackUrl=%2Fjs%2Fdashboard%2F"},
		{"/css/dashboard/billing", "", 307, "/login?callbackUrl=%2Fcss%2Fdashboard%2Fbilling"},
		{"/faq/dashboard/", "", 307, "/login?callbackUrl=%2Ffaq%2Fdashboard%2F"},
		{"/faq/admin/", user, 403, ""},
		{"/js/admin/x", user, 403, ""},
		{"/css/admin/x", user, 403, ""},
		{"/faq/admin/", admin, 200, ""},
		{"/js/dashboard/", user, 403, ""},
		{"/css/dashboard/", admin, 200, ""}, // an Auth route: not sent home as from the public /css/*
		// The named areas themselves: open (the other reading, /app.js,
		// matches no rule; its default type does not count).
		{"/js/app.js", "", 200, ""},
		{"/css/site.css", "", 200, ""},
		{"/css/site.css", user, 307, "/"},
		{"/faq/billing", "", 200, ""},
		{"/api/public/status", "", 200, ""},
		// Not named: the default type applies in both readings.
		{"/fr/app.js", "", 307, "/login?callbackUrl=%2Ffr%2Fapp.js"},
		// A {lang} route for a path only the default type protects is
		// judged by the default type of its other paths.
		{"/js/account", "", 307, "/login?callbackUrl=%2Fjs%2Faccount"},
	})
}

// TestGuardAuthorizeCallsPerReading pins how often the hook runs (see
// AuthorizeFunc): once per distinct rule the path falls under, at most
// four times, the Auth rule first; once for a path read one way. With
// Auth("/me/*"), /me/admin is also /admin under a {lang} router, so a
// role check keyed on "/admin/*" runs there too.
func TestGuardAuthorizeCallsPerReading(t *testing.T) {
	var seen []string
	cfg := guardConfig()
	cfg.Routes = []authsession.Rule{
		authsession.Public("/login"),
		authsession.Hybrid("/fr/x"), authsession.Hybrid("/fr/x/*"), authsession.Auth("/x"), authsession.Public("/x/*"),
		authsession.Auth("/me/*"), authsession.Auth(patterns.Admin),
	}
	cfg.Authorize = func(ok bool, r *http.Request, rule authsession.Rule) http.Handler {
		seen = append(seen, string(rule.Type)+" "+rule.Pattern)
		if rule.Pattern == patterns.Admin {
			if s, _ := authsession.SessionFromContext[authsession.User](r.Context()); !isAdmin(s) {
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusForbidden) })
			}
		}
		return nil
	}
	auth := buildAuth(t, cfg)
	h := auth.Middleware(&reached{})
	user := sessionCookie(t, auth, "user", guardNow)
	for _, tt := range []struct {
		target string
		status int
		seen   []string
	}{
		{"/fr/x/", 200, []string{"auth /x", "hybrid /fr/x/*", "hybrid /fr/x", "public /x/*"}},
		{"/login", 307, []string{"public /login"}},
		{"/me/admin", 403, []string{"auth /me/*", "auth /admin/*"}},
		{"/me/profile", 200, []string{"auth /me/*"}}, // /profile matches no rule
		{"/de/other", 200, []string{"hybrid "}},      // both readings are the default type
	} {
		seen = nil
		w := serve(h, "GET", tt.target, user, nil)
		if w.Code != tt.status || !slices.Equal(seen, tt.seen) {
			t.Errorf("%s: got %d, hook saw %q; want %d, %q", tt.target, w.Code, seen, tt.status, tt.seen)
		}
	}
}
