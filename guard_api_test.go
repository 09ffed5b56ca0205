package authsession_test

import (
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/authsession/authsession"
	"github.com/authsession/authsession/patterns"
)

// readmeConfig is the configuration of docs/guard.md's "Rules", word for
// word (plus the test's secret and clock).
func readmeConfig() authsession.Config[authsession.User] {
	return authsession.Config[authsession.User]{
		Secret: guardSecret,
		Now:    guardConfig().Now,
		Routes: []authsession.Rule{
			authsession.Public("/login"),                   // only without a session
			authsession.Hybrid("/"),                        // the home page: everyone
			authsession.Hybrid("/blog*"),                   // everyone
			authsession.Auth(patterns.API),                 // "/api/*": JSON 401 instead of a redirect
			authsession.AuthWhere(patterns.Admin, isAdmin), // signed in and an admin, else 403
		},
		DefaultRouteType: authsession.RouteAuth, // deny by default: everything else needs a session
		LoginPath:        "/login",              // the defaults
		HomePath:         "/",
		Locales:          []string{"en", "ar"},
	}
}

// TestGuardSessionAPIAlwaysReachable: with Auth(patterns.API), the
// session API and the browser client below Config.APIPath are served to
// anonymous visitors (the API does its own checks), while other /api/*
// routes get 401; the guard still decodes and refreshes the session
// there, and serves the API even when the router does not mount it.
func TestGuardSessionAPIAlwaysReachable(t *testing.T) {
	for _, def := range []authsession.RouteType{authsession.RouteAuth, authsession.RouteHybrid} {
		cfg := readmeConfig()
		cfg.DefaultRouteType = def
		var hookCalls atomic.Int32
		cfg.Authorize = func(bool, *http.Request, authsession.Rule) http.Handler {
			hookCalls.Add(1)
			return nil
		}
		auth := buildAuth(t, cfg)
		stale := sessionCookie(t, auth, "user", guardNow.Add(-2*auth.Config.RefreshThreshold))
		other := &reached{}
		mounted := http.NewServeMux()
		mounted.Handle("/api/session", auth.Handlers)
		mounted.Handle("/api/session/", auth.Handlers)
		mounted.Handle("/", other)
		unmounted := http.NewServeMux()
		unmounted.Handle("/", other) // a catch-all: it must never see the API's paths
		for name, h := range map[string]http.Handler{"mounted": auth.Middleware(mounted), "not mounted": auth.Middleware(unmounted)} {
			t.Run(string(def)+" default, API "+name, func(t *testing.T) {
				tests := []struct {
					method, target, cookie string
					status                 int
					body                   string
				}{
					{"GET", "/api/session", "", 200, `"session":null`},
					{"HEAD", "/api/session", "", 200, ""},
					{"GET", "/api/session/", "", 200, `"session":null`},
					{"GET", "/api/session/client.js", "", 200, "export"},
					{"GET", "/api/session/client.d.ts", "", 200, "export"},
					{"POST", "/api/session", "", 401, `"no_session"`}, // the API's own answer, not the guard's redirect
					{"GET", "/api/session?x=1", "", 200, `"session":null`},
					{"GET", "/api/%73ession", "", 307, ""}, // canonical form first
					{"GET", "/api/items", "", 401, `"unauthenticated"`},
					{"GET", "/api/session/other", "", 401, `"unauthenticated"`},
					{"GET", "/api/sessions", "", 401, `"unauthenticated"`},
					{"GET", "/en/api/session", "", 401, `"unauthenticated"`},
					{"GET", "/api/session", stale, 200, `"id":"u_1"`},
				}
				for _, tt := range tests {
					before, calls := other.n.Load(), hookCalls.Load()
					w := serve(h, tt.method, tt.target, tt.cookie, nil)
					if w.Code != tt.status {
						t.Errorf("%s %s: status got %d, want %d (body %.80q)", tt.method, tt.target, w.Code, tt.status, w.Body)
						continue
					}
					if !strings.Contains(w.Body.String(), tt.body) {
						t.Errorf("%s %s: body got %.120q, want it to contain %q", tt.method, tt.target, w.Body, tt.body)
					}
					if got := other.n.Load() - before; got != 0 {
						t.Errorf("%s %s: the router's other handler was reached %d times", tt.method, tt.target, got)
					}
					if strings.HasPrefix(tt.target, "/api/session") && w.Code == 200 && hookCalls.Load() != calls {
						t.Errorf("%s %s: Authorize ran for the session API", tt.method, tt.target)
					}
				}
				// The guard refreshes a stale session on the API path too.
				if w := serve(h, "GET", "/api/session", stale, nil); len(w.Result().Cookies()) == 0 {
					t.Error("stale session on /api/session: got no re-issued cookie")
				}
			})
		}
	}
}

// TestGuardREADMEConfiguration: the README's configuration judges its
// own examples as the README says.
func TestGuardREADMEConfiguration(t *testing.T) {
	auth := buildAuth(t, readmeConfig())
	h := auth.Middleware(&reached{})
	user := sessionCookie(t, auth, "user", guardNow)
	admin := sessionCookie(t, auth, "admin", guardNow)
	tests := []struct {
		target, cookie string
		status         int
		location       string
	}{
		{"/", "", 200, ""},
		{"/blog/post-1", "", 200, ""},
		{"/login", "", 200, ""},
		{"/login", user, 307, "/"},
		{"/dashboard", "", 307, "/login?callbackUrl=%2Fdashboard"}, // no rule: deny by default
		{"/new-page", "", 307, "/login?callbackUrl=%2Fnew-page"},
		{"/new-page", user, 200, ""},
		{"/ar/dashboard", "", 307, "/ar/login?callbackUrl=%2Far%2Fdashboard"},
		{"/api/items", "", 401, ""},
		{"/admin/users", "", 307, "/login?callbackUrl=%2Fadmin%2Fusers"},
		{"/admin/users", user, 403, ""},
		{"/admin/users", admin, 200, ""},
		{"/fr/blog/x", "", 307, "/login?callbackUrl=%2Ffr%2Fblog%2Fx"}, // an unknown locale: judged as itself too (deny by default)
	}
	for _, tt := range tests {
		w := serve(h, "GET", tt.target, tt.cookie, nil)
		if w.Code != tt.status || w.Header().Get("Location") != tt.location {
			t.Errorf("%s (signed in %v): got %d %q, want %d %q", tt.target, tt.cookie != "", w.Code, w.Header().Get("Location"), tt.status, tt.location)
		}
	}
}

// TestGuardAPIBesideServeMuxFallback: the README's Quick start shape, a
// ServeMux whose "GET /" serves a single-page application, behind the
// guard with no mount line for the session API (a mount line
// "/api/session/" beside "GET /" panics with a pattern conflict). Every
// method of the API and the client script work, with the API's own
// checks.
func TestGuardAPIBesideServeMuxFallback(t *testing.T) {
	cfg := readmeConfig()
	auth := buildAuth(t, cfg)
	spa := &reached{}
	mux := http.NewServeMux()
	mux.Handle("GET /", spa) // no "/api/session" route
	h := auth.Middleware(mux)
	user := sessionCookie(t, auth, "user", guardNow)
	same := map[string]string{"Origin": "http://example.com", "Sec-Fetch-Site": "same-origin", "Content-Type": "application/json"}
	for _, tt := range []struct {
		method, target, cookie string
		hdr                    map[string]string
		status                 int
	}{
		{"GET", "/api/session", "", nil, 200},
		{"GET", "/api/session/client.js", "", nil, 200},
		{"POST", "/api/session", user, same, 200},
		{"POST", "/api/session", "", same, 401},
		{"DELETE", "/api/session", user, same, 200},
		{"PATCH", "/api/session", user, map[string]string{"Sec-Fetch-Site": "cross-site", "Content-Type": "application/json"}, 403},
		{"PUT", "/api/session", user, same, 405},
		{"GET", "/login", "", nil, 200},
		{"GET", "/dashboard", user, nil, 200},
	} {
		w := serve(h, tt.method, tt.target, tt.cookie, tt.hdr)
		if w.Code != tt.status {
			t.Errorf("%s %s: got %d %q, want %d", tt.method, tt.target, w.Code, w.Body, tt.status)
		}
	}
	if n := spa.n.Load(); n != 2 {
		t.Errorf("the fallback served %d requests, want 2 (/login and /dashboard): never the API's", n)
	}
	// A mount line "/api/session/" conflicts with "GET /": the docs must
	// not show it.
	defer func() {
		if recover() == nil {
			t.Error(`mux.Handle("/api/session/", …) beside "GET /": no panic; the docs may show it again`)
		}
	}()
	mux.Handle("/api/session/", auth.Handlers)
}
