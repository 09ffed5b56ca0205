package authsession_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/authsession/authsession"
	"github.com/authsession/authsession/patterns"
)

const guardSecret = "guard-test-secret-0123456789abcdef-0123456789"

var guardNow = time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)

// guardConfig is the configuration most guard tests share.
func guardConfig() authsession.Config[authsession.User] {
	return authsession.Config[authsession.User]{
		Secret:  guardSecret,
		Now:     func() time.Time { return guardNow },
		Locales: []string{"en", "ar"},
		Routes: []authsession.Rule{
			authsession.Public("/login"),
			authsession.Auth(patterns.Dashboard),
			authsession.Auth(patterns.Admin),
			authsession.Auth(patterns.Settings),
			authsession.Auth("/api/private/*"),
			authsession.Public("/signup*"),
		},
	}
}

// sessionCookie returns a Cookie header value for a fresh session issued
// at `at` with the given role.
func sessionCookie(t testing.TB, auth *authsession.AuthSession[authsession.User], role string, at time.Time) string {
	t.Helper()
	tok := encryptAt(t, auth, authsession.Session[authsession.User]{
		User:         authsession.User{ID: "u_1", Name: "Ann", Extra: map[string]any{"role": role}},
		CreatedAt:    at,
		LastActivity: at,
		ExpiresAt:    at.Add(auth.Config.Expiry),
	}, at)
	return auth.Config.Cookie.Name + "=" + tok
}

// reached is a handler that records that it was reached.
type reached struct{ n atomic.Int32 }

func (h *reached) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.n.Add(1)
	io.WriteString(w, "ok "+r.URL.Path)
}

func serve(h http.Handler, method, target, cookie string, hdr map[string]string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, target, nil)
	if cookie != "" {
		r.Header.Set("Cookie", cookie)
	}
	for k, v := range hdr {
		r.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func TestGuardDecisions(t *testing.T) {
	auth := buildAuth(t, guardConfig())
	cookie := sessionCookie(t, auth, "user", guardNow)
	next := &reached{}
	h := auth.Middleware(next)
	tests := []struct {
		name     string
		method   string
		target   string
		signedIn bool
		accept   string
		status   int
		location string
	}{
		{"anonymous on auth route", "GET", "/dashboard", false, "", 307, "/login?callbackUrl=%2Fdashboard"},
		{"anonymous keeps query", "GET", "/dashboard/x?tab=a&b=1", false, "", 307, "/login?callbackUrl=%2Fdashboard%2Fx%3Ftab%3Da%26b%3D1"},
		{"anonymous HEAD", "HEAD", "/settings", false, "", 307, "/login?callbackUrl=%2Fsettings"},
		{"anonymous POST gets 303", "POST", "/dashboard", false, "", 303, "/login?callbackUrl=%2Fdashboard"},
		{"anonymous DELETE gets 303", "DELETE", "/admin/users", false, "", 303, "/login?callbackUrl=%2Fadmin%2Fusers"},
		{"anonymous locale", "GET", "/ar/dashboard", false, "", 307, "/ar/login?callbackUrl=%2Far%2Fdashboard"},
		{"anonymous on public", "GET", "/login", false, "", 200, ""},
		{"anonymous on prefix public", "GET", "/signup/step-2", false, "", 200, ""},
		{"anonymous on unmatched", "GET", "/about", false, "", 200, ""},
		{"anonymous on locale root", "GET", "/ar", false, "", 200, ""},
		{"locale-like segment is not a locale", "GET", "/english/dashboard", false, "", 200, ""},
		{"signed in on auth route", "GET", "/dashboard", true, "", 200, ""},
		{"signed in on locale auth route", "GET", "/en/dashboard/", true, "", 200, ""},
		{"signed in on public", "GET", "/login", true, "", 307, "/"},
		// Unsafe methods reach a public route's handler with a session (a
		// sign-in form's POST: switching accounts); GET and HEAD go home.
		{"signed in on public POST reaches the handler", "POST", "/login", true, "", 200, ""},
		{"signed in on public DELETE reaches the handler", "DELETE", "/login", true, "", 200, ""},
		{"signed in on public HEAD", "HEAD", "/login", true, "", 307, "/"},
		{"signed in on public OPTIONS", "OPTIONS", "/login", true, "", 303, "/"},
		{"signed in on locale public", "GET", "/ar/login", true, "", 307, "/ar"},
		{"signed in on public prefix", "GET", "/signups", true, "", 307, "/"},
		{"signed in follows callbackUrl", "GET", "/login?callbackUrl=%2Fdashboard%3Ftab%3Da", true, "", 307, "/dashboard?tab=a"},
		{"signed in locale callbackUrl", "GET", "/ar/login?callbackUrl=%2Far%2Fsettings", true, "", 307, "/ar/settings"},
		{"signed in on unmatched", "GET", "/about", true, "", 200, ""},
		{"JSON under API", "GET", "/api/private/items", false, "", 401, ""},
		{"JSON by Accept", "GET", "/dashboard", false, "application/json", 401, ""},
		{"Accept with html redirects", "GET", "/dashboard", false, "text/html,application/json;q=0.9", 307, "/login?callbackUrl=%2Fdashboard"},
		{"JSON public while signed in", "GET", "/login", true, "application/json", 403, ""},
		{"JSON public POST while signed in reaches the handler", "POST", "/login", true, "application/json", 200, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := ""
			if tt.signedIn {
				c = cookie
			}
			before := next.n.Load()
			w := serve(h, tt.method, tt.target, c, map[string]string{"Accept": tt.accept})
			if w.Code != tt.status {
				t.Fatalf("status: got %d, want %d (body %q)", w.Code, tt.status, w.Body)
			}
			if got := w.Header().Get("Location"); got != tt.location {
				t.Errorf("Location: got %q, want %q", got, tt.location)
			}
			if got, want := next.n.Load()-before, int32(0); tt.status == 200 {
				if got != 1 {
					t.Errorf("handler calls: got %d, want 1", got)
				}
			} else if got != want {
				t.Errorf("handler calls: got %d, want %d", got, want)
			}
			if tt.status != 200 && w.Header().Get("Cache-Control") != "no-store" {
				t.Errorf("Cache-Control: got %q, want no-store", w.Header().Get("Cache-Control"))
			}
		})
	}
}

func TestGuardJSONBody(t *testing.T) {
	auth := buildAuth(t, guardConfig())
	h := auth.Middleware(&reached{})
	for _, target := range []string{"/api/private/x", "/ar/api/private/x"} {
		w := serve(h, "GET", target, "", nil)
		if w.Code != http.StatusUnauthorized {
			t.Fatalf("%s: status got %d, want 401", target, w.Code)
		}
		if ct := w.Header().Get("Content-Type"); ct != "application/json" {
			t.Errorf("%s: Content-Type got %q, want application/json", target, ct)
		}
		var body struct {
			Error struct{ Code, Message string }
		}
		if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
			t.Fatalf("%s: body %q: %v", target, w.Body, err)
		}
		if body.Error.Code != "unauthenticated" || body.Error.Message == "" {
			t.Errorf("%s: got %+v, want code unauthenticated with a message", target, body.Error)
		}
	}
}

// TestGuardJSONPrefixFollowsAPIPath: the paths whose visitors get JSON
// answers are those under the first segment of Config.APIPath, not a fixed
// "/api".
func TestGuardJSONPrefixFollowsAPIPath(t *testing.T) {
	cfg := guardConfig()
	cfg.APIPath = "/v1/session"
	cfg.DefaultRouteType = authsession.RouteAuth
	h := buildAuth(t, cfg).Middleware(&reached{})
	tests := []struct {
		target   string
		status   int
		location string
	}{
		{"/v1/items", 401, ""},
		{"/v1", 401, ""},
		{"/ar/v1/items", 401, ""},
		{"/api/items", 307, "/login?callbackUrl=%2Fapi%2Fitems"},
		{"/v1x/items", 307, "/login?callbackUrl=%2Fv1x%2Fitems"},
	}
	for _, tt := range tests {
		w := serve(h, "GET", tt.target, "", nil)
		if w.Code != tt.status || w.Header().Get("Location") != tt.location {
			t.Errorf("%s: got %d %q, want %d %q", tt.target, w.Code, w.Header().Get("Location"), tt.status, tt.location)
		}
		if tt.status == 401 && !strings.Contains(w.Body.String(), `"unauthenticated"`) {
			t.Errorf("%s: body %q, want the JSON 401", tt.target, w.Body)
		}
	}
}

// TestGuardDecodesOnce: the guard decodes the session once; GetSession
// and IsAuthenticated in the handler reuse it.
func TestGuardDecodesOnce(t *testing.T) {
	var validations atomic.Int32
	cfg := guardConfig()
	cfg.OnValidate = func(_ context.Context, _ authsession.Session[authsession.User]) bool {
		validations.Add(1)
		return true
	}
	auth := buildAuth(t, cfg)
	cookie := sessionCookie(t, auth, "user", guardNow)
	h := auth.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for range 3 {
			if s, ok := auth.GetSession(r); !ok || s.User.ID != "u_1" {
				t.Errorf("GetSession: got %v %v, want u_1 true", s.User.ID, ok)
			}
		}
		if !auth.IsAuthenticated(r) {
			t.Error("IsAuthenticated: got false, want true")
		}
	}))
	tests := []struct {
		target string
		want   int32
	}{
		{"/dashboard", 1}, // auth route: decoded by the guard, once
		{"/about", 1},     // hybrid route: decoded by the guard too, once
	}
	for _, tt := range tests {
		validations.Store(0)
		serve(h, "GET", tt.target, cookie, nil)
		if got := validations.Load(); got != tt.want {
			t.Errorf("%s: decodes got %d, want %d", tt.target, got, tt.want)
		}
	}
}

func TestGuardAutoRefresh(t *testing.T) {
	auth := buildAuth(t, guardConfig())
	old := guardNow.Add(-2 * auth.Config.RefreshThreshold)
	cookie := sessionCookie(t, auth, "user", old)
	h := auth.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, ok := w.(http.Flusher); !ok {
			t.Error("ResponseWriter lost http.Flusher")
		}
		s, ok := auth.GetSession(r)
		if !ok || !s.LastActivity.Equal(guardNow) {
			t.Errorf("handler session LastActivity: got %v %v, want %v true", s.LastActivity, ok, guardNow)
		}
		w.Write([]byte("body first"))
	}))
	w := serve(h, "GET", "/dashboard", cookie, nil)
	if w.Code != 200 {
		t.Fatalf("status got %d, want 200", w.Code)
	}
	found := false
	for _, c := range w.Result().Cookies() {
		if strings.HasPrefix(c.Name, auth.Config.Cookie.Name) && c.MaxAge > 0 {
			found = true
		}
	}
	if !found {
		t.Errorf("Set-Cookie: got %q, want a re-issued session cookie", w.Header().Values("Set-Cookie"))
	}
	// A fresh session is not re-issued.
	w = serve(h, "GET", "/dashboard", sessionCookie(t, auth, "user", guardNow), nil)
	if got := w.Header().Values("Set-Cookie"); len(got) != 0 {
		t.Errorf("fresh session Set-Cookie: got %q, want none", got)
	}
}

func TestGuardAuthorizeHook(t *testing.T) {
	forbidden := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "forbidden", http.StatusForbidden)
	})
	var calls atomic.Int32
	var auth *authsession.AuthSession[authsession.User]
	cfg := guardConfig()
	cfg.Authorize = func(ok bool, r *http.Request, rule authsession.Rule) http.Handler {
		calls.Add(1)
		if rule.Pattern == patterns.Admin && ok {
			if s, _ := auth.GetSession(r); s.User.ExtraString("role") != "admin" {
				return forbidden
			}
		}
		return nil
	}
	auth = buildAuth(t, cfg)
	user := sessionCookie(t, auth, "user", guardNow)
	admin := sessionCookie(t, auth, "admin", guardNow)
	teapot := func(ok bool, r *http.Request, rule authsession.Rule) http.Handler {
		if rule.Pattern == "" && r.URL.Path == "/teapot" {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusTeapot) })
		}
		return nil
	}
	plain := auth.Middleware(&reached{})
	custom := auth.MiddlewareWith(teapot)(&reached{})
	tests := []struct {
		name   string
		h      http.Handler
		target string
		cookie string
		status int
	}{
		{"admin on admin", plain, "/admin/users", admin, 200},
		{"user on admin", plain, "/admin/users", user, 403},
		{"user on locale admin", plain, "/ar/admin", user, 403},
		{"anonymous on admin keeps redirect", plain, "/admin", "", 307},
		{"user on dashboard", plain, "/dashboard", user, 200},
		{"custom hook overrides", custom, "/teapot", "", 418},
		{"custom hook nil keeps default", custom, "/dashboard", "", 307},
		{"config hook runs first", custom, "/admin", user, 403},
		{"without the custom hook, no teapot", plain, "/teapot", "", 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			calls.Store(0)
			w := serve(tt.h, "GET", tt.target, tt.cookie, nil)
			if w.Code != tt.status {
				t.Errorf("status got %d, want %d", w.Code, tt.status)
			}
			if got := calls.Load(); got != 1 {
				t.Errorf("Authorize calls got %d, want 1", got)
			}
		})
	}
}

func TestGuardConfigErrors(t *testing.T) {
	tests := []struct {
		name string
		mod  func(*authsession.Config[authsession.User])
		want string
	}{
		{"bad glob", func(c *authsession.Config[authsession.User]) {
			c.Routes = append(c.Routes, authsession.Auth("/files/[a"))
		}, `authsession: invalid configuration: Routes[6] "/files/[a": `},
		{"relative pattern", func(c *authsession.Config[authsession.User]) {
			c.Routes = append(c.Routes, authsession.Public("login"))
		}, `authsession: invalid configuration: Routes[6] "login": `},
		{"dot segment", func(c *authsession.Config[authsession.User]) {
			c.Routes = append(c.Routes, authsession.Auth("/a/../b"))
		}, `authsession: invalid configuration: Routes[6] "/a/../b": `},
		{"login behind auth", func(c *authsession.Config[authsession.User]) {
			c.Routes = []authsession.Rule{authsession.Auth("/*")}
		}, "LoginPath"},
		{"home is public", func(c *authsession.Config[authsession.User]) {
			c.Routes = append(c.Routes, authsession.Public("/"))
		}, "HomePath"},
		{"login path open redirect", func(c *authsession.Config[authsession.User]) {
			c.LoginPath = "//evil.com/login"
		}, "LoginPath"},
		{"home path encoded", func(c *authsession.Config[authsession.User]) {
			c.HomePath = "/%2F%2Fevil.com"
		}, "HomePath"},
		// A rule that starts with a configured locale never matches (the
		// locale is stripped first); a locale that is also an area
		// (Burmese "my" and /my/*) hands that area to the other rules.
		{"rule under a locale", func(c *authsession.Config[authsession.User]) {
			c.Routes = append(c.Routes, authsession.Auth("/en/secret/*"))
		}, `authsession: invalid configuration: Routes[6] "/en/secret/*": starts with the configured locale "en"`},
		{"locale that is an area", func(c *authsession.Config[authsession.User]) {
			c.Locales = []string{"en", "my"}
			c.Routes = []authsession.Rule{authsession.Public("/login"), authsession.Hybrid("/orders/*"), authsession.Auth("/my/*")}
		}, `authsession: invalid configuration: Routes[2] "/my/*": starts with the configured locale "my"`},
		{"exact rule for a locale", func(c *authsession.Config[authsession.User]) {
			c.Routes = append(c.Routes, authsession.Hybrid("/ar"))
		}, `authsession: invalid configuration: Routes[6] "/ar": starts with the configured locale "ar"`},
		// The guard puts the visitor's locale in front of the login and
		// home paths: /ar/en/login would be judged as /en/login, a loop.
		{"login path under a locale", func(c *authsession.Config[authsession.User]) {
			c.LoginPath = "/en/login"
		}, `authsession: invalid configuration: LoginPath: "/en/login" starts with the configured locale "en"`},
		{"home path is a locale", func(c *authsession.Config[authsession.User]) {
			c.HomePath = "/ar"
		}, `authsession: invalid configuration: HomePath: "/ar" starts with the configured locale "ar"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := guardConfig()
			tt.mod(&cfg)
			_, err := authsession.NextAuthSession(cfg)
			if !errors.Is(err, authsession.ErrConfig) {
				t.Fatalf("got %v, want an error wrapping ErrConfig", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %q, want it to mention %s", err, tt.want)
			}
		})
	}
}

// discardWriter is a ResponseWriter that allocates nothing.
type discardWriter struct{ h http.Header }

func (d *discardWriter) Header() http.Header         { return d.h }
func (d *discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (d *discardWriter) WriteHeader(int)             {}

func TestGuardAllocs(t *testing.T) {
	auth := buildAuth(t, guardConfig())
	h := auth.Middleware(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	w := &discardWriter{h: http.Header{}}
	for _, target := range []string{"/login", "/about", "/ar/signup/x", "/dashboard"} {
		r := httptest.NewRequest("GET", target, nil)
		if target == "/dashboard" {
			r.Header.Set("Cookie", sessionCookie(t, auth, "user", guardNow))
			// Warm the verified-token cache; a signed-in request then
			// costs the request that carries the session only.
			h.ServeHTTP(w, r)
		}
		n := testing.AllocsPerRun(200, func() { h.ServeHTTP(w, r) })
		// The request copy, its context and session state, and the
		// response writer that commits the session: one allocation
		// (engine.begin), with or without a cookie.
		want := 1.0
		if n > want {
			t.Errorf("%s: %v allocs per request, want at most %v", target, n, want)
		}
	}
}
