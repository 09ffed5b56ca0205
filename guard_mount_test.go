package authsession_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/authsession/authsession"
)

// TestGuardMountedUnderPrefix: an application mounted below a prefix with
// http.StripPrefix. The guard wraps the outer handler (the documented
// set-up: docs/guard.md, "Mounted under a prefix"), so it judges, redirects and
// builds callbackUrl with the full path, and the inner router still
// routes on the path the guard judged, with the prefix stripped.
func TestGuardMountedUnderPrefix(t *testing.T) {
	cfg := guardConfig()
	cfg.Locales = nil
	cfg.DefaultRouteType = authsession.RouteAuth
	cfg.Routes = []authsession.Rule{
		authsession.Public("/app/login"), authsession.Hybrid("/app"), authsession.Hybrid("/app/help"),
		authsession.Auth("/app/dashboard/*"),
	}
	// APIPath stays /api/session: the guard serves it itself, outside the
	// mount (under /app, its first segment would make every page under
	// /app a JSON client).
	cfg.LoginPath, cfg.HomePath = "/app/login", "/app/"
	auth := buildAuth(t, cfg)
	user := sessionCookie(t, auth, "user", guardNow)
	inner := http.NewServeMux()
	inner.HandleFunc("/dashboard/", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("dashboard " + r.URL.Path + " " + r.URL.RawPath))
	})
	inner.HandleFunc("/login", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("login")) })
	outer := http.NewServeMux()
	outer.Handle("/app/", http.StripPrefix("/app", inner))
	h := auth.Middleware(outer)
	for _, tt := range []struct {
		target, cookie string
		status         int
		location, body string
	}{
		{"/app/%64ashboard/x", "", 307, "/app/dashboard/x", ""},
		{"/app/dashboard/x", "", 307, "/app/login?callbackUrl=%2Fapp%2Fdashboard%2Fx", ""},
		{"/app/dashboard/x?a=1", "", 307, "/app/login?callbackUrl=%2Fapp%2Fdashboard%2Fx%3Fa%3D1", ""},
		{"/app/help/../dashboard/x", "", 307, "/app/dashboard/x", ""},
		{"/app/dashboard%2Fx", "", 400, "", ""},
		{"/app/login", "", 200, "", "login"},
		{"/app/login", user, 307, "/app/", ""},
		{"/app/login?callbackUrl=%2Fapp%2Fdashboard%2Fx", user, 307, "/app/dashboard/x", ""},
		{"/app/dashboard/x", user, 200, "", "dashboard /dashboard/x "},
		{"/app/dashboard/caf%C3%A9", user, 200, "", "dashboard /dashboard/café "},
		{"/api/session", "", 200, "", `{"session":null`},
	} {
		w := serve(h, "GET", tt.target, tt.cookie, nil)
		if w.Code != tt.status || w.Header().Get("Location") != tt.location || !strings.HasPrefix(w.Body.String(), tt.body) {
			t.Errorf("%s (signed in %v): got %d %q %q, want %d %q %q", tt.target, tt.cookie != "", w.Code, w.Header().Get("Location"), w.Body.String(), tt.status, tt.location, tt.body)
		}
	}
}

// TestGuardInsideStripPrefixStaysLocal: with the guard inside
// http.StripPrefix (not the documented set-up: its redirects lose the
// prefix), every redirect it sends is still a path on this site, whatever
// the request.
func TestGuardInsideStripPrefixStaysLocal(t *testing.T) {
	auth := buildAuth(t, guardConfig())
	h := http.StripPrefix("/app", auth.Middleware(http.NotFoundHandler()))
	redirects := 0
	for _, target := range []string{
		"/app//evil.com", "/app//evil.com/%2e%2e", "/app/%2F%2Fevil.com", "/app/%2e%2e//evil.com", "/app/.//evil.com",
		"/app/x/..//evil.com", "/app/%5Cevil.com", "/app/%09/evil.com", "/app/%64ashboard/x", "/app/dashboard/x",
		"/app/ar//evil.com", "/app/ar/%2e%2e/%2e%2e//evil.com", "/app///evil.com", "/app/dashboard?callbackUrl=//evil.com",
	} {
		w := serve(h, "GET", target, "", nil)
		loc := w.Header().Get("Location")
		if loc != "" {
			redirects++
		}
		if loc != "" && (!authsession.IsLocalPath(loc) || strings.HasPrefix(loc, "//")) {
			t.Errorf("%s: %d Location %q leaves the site", target, w.Code, loc)
		}
	}
	if redirects < 10 {
		t.Errorf("got %d redirects, want the targets to exercise them", redirects)
	}
}
