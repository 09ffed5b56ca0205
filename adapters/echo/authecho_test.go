package authecho_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/labstack/echo/v5"

	"github.com/authsession/authsession"
	authecho "github.com/authsession/authsession/adapters/echo"
	"github.com/authsession/authsession/internal/guardtest"
)

// newAuth is guardtest.AdapterAuth with IssueRules' hybrid /blog area.
func newAuth(t *testing.T, def authsession.RouteType) (*authsession.AuthSession[authsession.User], map[string]string) {
	t.Helper()
	return guardtest.AdapterAuth(t, def, authsession.Hybrid("/blog/*"))
}

func label(l string) echo.HandlerFunc {
	return func(c *echo.Context) error { return c.String(http.StatusOK, "reached "+l) }
}

func do(h http.Handler, method, target, cookie string, hdr ...string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, target, nil)
	r.Header.Set("Accept", "text/html")
	if cookie != "" {
		r.Header.Set("Cookie", cookie)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		r.Header.Set(hdr[i], hdr[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

type visit struct {
	target, who string
	status      int
	body        string // the handler reached, or "" for the guard's answer
}

func expect(t *testing.T, h http.Handler, cookies map[string]string, rows []visit) {
	t.Helper()
	for _, v := range rows {
		w := do(h, "GET", v.target, cookies[v.who])
		got := strings.TrimPrefix(w.Body.String(), "reached ")
		if !strings.HasPrefix(w.Body.String(), "reached ") {
			got = ""
		}
		if w.Code != v.status || got != v.body {
			t.Errorf("%s as %q: got %d %q (Location %q), want %d %q", v.target, v.who, w.Code, got, w.Header().Get("Location"), v.status, v.body)
		}
	}
}

// TestEchoJudgesRoute: on echo, a /:lang route
// serves /blog/dashboard, which the path rules judge Hybrid; the guard
// judges the route echo chose.
func TestEchoJudgesRoute(t *testing.T) {
	for _, def := range []authsession.RouteType{authsession.RouteHybrid, authsession.RouteAuth} {
		auth, cookies := newAuth(t, def)
		g, err := authecho.New(auth)
		if err != nil {
			t.Fatal(err)
		}
		r := echo.New()
		if err := g.Mount(r); err != nil {
			t.Fatal(err)
		}
		r.GET("/", label("home"))
		r.GET("/login", label("login"))
		r.GET("/static/*", label("static"))
		r.GET("/:lang/dashboard", label("dashboard"))
		r.GET("/:lang/admin", label("admin"))
		expect(t, r, cookies, []visit{
			{"/blog/dashboard", "", 307, ""}, {"/x/admin", "", 307, ""}, {"/en/dashboard", "", 307, ""},
			{"/static/dashboard", "", 200, "static"}, {"/login", "", 200, "login"}, {"/", "", 200, "home"},
			{"/blog/admin", "user", 403, ""}, {"/blog/dashboard", "admin", 200, "dashboard"},
			{"/ar/admin", "admin", 200, "admin"}, {"/%64ashboard", "", 307, ""}, {"/dashboard%2Fx", "", 400, ""},
		})
	}
}

// TestEchoSessionAPI: the guard serves the session API without a route,
// with the core's checks: cross-origin writes and bad bodies are refused
// with the same statuses and JSON errors.
func TestEchoSessionAPI(t *testing.T) {
	auth, cookies := newAuth(t, authsession.RouteAuth)
	g, _ := authecho.New(auth)
	r := echo.New()
	if err := g.Mount(r); err != nil {
		t.Fatal(err)
	}
	r.GET("/*", label("spa"))
	for _, tt := range []struct {
		method, target, cookie string
		hdr                    []string
		status                 int
		code                   string
	}{
		{"GET", "/api/session", "", nil, 200, ""},
		{"GET", "/api/session/client.js", "", nil, 200, ""},
		{"POST", "/api/session", cookies["user"], []string{"Sec-Fetch-Site", "cross-site"}, 403, "cross_origin"},
		{"PATCH", "/api/session", cookies["user"], []string{"Content-Type", "text/plain"}, 415, "unsupported_media_type"},
		{"PATCH", "/api/session", cookies["user"], []string{"Content-Type", "application/json"}, 400, "bad_request"},
		{"GET", "/dashboard", "", []string{"Sec-Fetch-Dest", "script", "Accept", "*/*"}, 401, "unauthenticated"},
	} {
		w := do(r, tt.method, tt.target, tt.cookie, tt.hdr...)
		var body struct{ Error struct{ Code string } }
		_ = json.Unmarshal(w.Body.Bytes(), &body)
		if w.Code != tt.status || body.Error.Code != tt.code {
			t.Errorf("%s %s: got %d %q, want %d %q", tt.method, tt.target, w.Code, body.Error.Code, tt.status, tt.code)
		}
	}
}

// TestEchoMountErrors: one Guard per server, and a Guard needs an
// AuthSession from NextAuthSession.
func TestEchoMountErrors(t *testing.T) {
	auth, cookies := newAuth(t, authsession.RouteAuth)
	g, _ := authecho.New(auth)
	e := echo.New()
	e.GET("/dashboard", label("dashboard")) // before Mount: e.Use covers it all the same
	if err := g.Mount(e); err != nil {
		t.Fatal(err)
	}
	expect(t, e, cookies, []visit{{"/dashboard", "", 307, ""}, {"/dashboard", "user", 200, "dashboard"}})
	if err := g.Mount(echo.New()); err == nil {
		t.Error("a second Mount of one Guard: got nil, want an error")
	}
	if err := g.Mount(nil); err == nil {
		t.Error("Mount(nil): got nil, want an error")
	}
	if _, err := authecho.New[authsession.User](nil); !errors.Is(err, authsession.ErrConfig) {
		t.Errorf("New(nil): got %v, want ErrConfig", err)
	}
}

// TestEchoRequire: the per-route checks, with or without the guard.
func TestEchoRequire(t *testing.T) {
	auth, cookies := newAuth(t, authsession.RouteHybrid)
	g, _ := authecho.New(auth)
	r := echo.New()
	r.GET("/account", func(c *echo.Context) error {
		s, ok := authecho.Session[authsession.User](c)
		return c.String(http.StatusOK, fmt.Sprintf("reached %s %v", s.User.ID, ok))
	}, g.RequireSession())
	staff := r.Group("/staff", g.Require(guardtest.IsAdmin))
	staff.GET("/x", label("staff"))
	expect(t, r, cookies, []visit{
		{"/account", "", 307, ""}, {"/account", "user", 200, "u_user true"},
		{"/staff/x", "", 307, ""}, {"/staff/x", "user", 403, ""}, {"/staff/x", "admin", 200, "staff"},
	})
}
