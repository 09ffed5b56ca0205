package authchi_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"

	"github.com/authsession/authsession"
	authchi "github.com/authsession/authsession/adapters/chi"
	"github.com/authsession/authsession/internal/guardtest"
)

func label(l string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("reached " + l)) }
}

type visit struct {
	target, who string
	status      int
	body        string // the handler reached, or "" for the guard's answer
}

func expect(t *testing.T, h http.Handler, cookies map[string]string, rows []visit) {
	t.Helper()
	for _, v := range rows {
		r := httptest.NewRequest("GET", v.target, nil)
		r.Header.Set("Accept", "text/html")
		if c := cookies[v.who]; c != "" {
			r.Header.Set("Cookie", c)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		got, ok := strings.CutPrefix(w.Body.String(), "reached ")
		if !ok {
			got = ""
		}
		if w.Code != v.status || got != v.body {
			t.Errorf("%s as %q: got %d %q (Location %q), want %d %q", v.target, v.who, w.Code, got, w.Header().Get("Location"), v.status, v.body)
		}
	}
}

func mounted(t *testing.T, auth *authsession.AuthSession[authsession.User]) *chi.Mux {
	t.Helper()
	g, err := authchi.New(auth)
	if err != nil {
		t.Fatal(err)
	}
	r := chi.NewRouter()
	if err := g.Mount(r); err != nil {
		t.Fatal(err)
	}
	return r
}

// TestChiPrefixRoutes: on chi, "/admin*" serves
// /administrator, /admin.json and /admin;x, which the path rules judge by
// the default type; the guard judges the route's fixed part /admin too.
func TestChiPrefixRoutes(t *testing.T) {
	for _, def := range []authsession.RouteType{authsession.RouteHybrid, authsession.RouteAuth} {
		auth, cookies := guardtest.AdapterAuth(t, def)
		r := mounted(t, auth)
		r.Get("/admin*", label("admin"))
		r.Get("/login", label("login"))
		expect(t, r, cookies, []visit{
			{"/administrator", "", 307, ""}, {"/admin.json", "", 307, ""}, {"/admin;x", "", 307, ""}, {"/admin", "", 307, ""},
			{"/administrator", "user", 403, ""}, {"/admin.json", "user", 403, ""}, {"/admin;x", "user", 403, ""},
			{"/administrator", "admin", 200, "admin"}, {"/admin;x", "admin", 200, "admin"},
			{"/login", "", 200, "login"},
		})
	}
}

// TestChiLangRoute: on chi, r.Route("/{lang}", …)
// serves /static/dashboard; a constrained {lang:(en|ar)} does not, and
// its pages stay open to whom their rules say.
func TestChiLangRoute(t *testing.T) {
	for _, def := range []authsession.RouteType{authsession.RouteHybrid, authsession.RouteAuth} {
		auth, cookies := guardtest.AdapterAuth(t, def)
		pages := func(r chi.Router) {
			r.Get("/", label("home"))
			r.Get("/login", label("login"))
			r.Get("/dashboard", label("dashboard"))
			r.Get("/admin", label("admin"))
		}
		open := mounted(t, auth)
		open.Get("/static/*", label("static"))
		open.Route("/{lang}", pages)
		expect(t, open, cookies, []visit{
			{"/static/dashboard", "", 200, "static"}, {"/blog/dashboard", "", 307, ""}, {"/blog/admin", "user", 403, ""},
			{"/fr/dashboard", "admin", 200, "dashboard"},
		})
		constrained := mounted(t, auth)
		constrained.Get("/static/*", label("static"))
		constrained.Route("/{lang:(en|ar)}", pages)
		constrained.Group(pages)
		expect(t, constrained, cookies, []visit{
			{"/english/dashboard", "admin", 404, ""}, {"/en/dashboard", "", 307, ""}, {"/en/login", "", 200, "login"},
			{"/ar/", "", 200, "home"}, {"/en/dashboard", "user", 200, "dashboard"}, {"/dashboard", "user", 200, "dashboard"},
			{"/ar/admin", "user", 403, ""}, {"/ar/admin", "admin", 200, "admin"}, {"/static/x.js", "", 200, "static"},
		})
	}
}

// TestChiMountErrors: chi takes middleware only before the routes; Mount
// says so with an error instead of chi's panic.
func TestChiMountErrors(t *testing.T) {
	auth, _ := guardtest.AdapterAuth(t, authsession.RouteAuth)
	g, _ := authchi.New(auth)
	r := chi.NewRouter()
	r.Get("/dashboard", label("dashboard"))
	if err := g.Mount(r); !errors.Is(err, authchi.ErrRoutesFirst) || !strings.Contains(err.Error(), "/dashboard") {
		t.Errorf("Mount after a route: got %v, want ErrRoutesFirst naming the route", err)
	}
	if err := g.Mount(chi.NewRouter()); err != nil {
		t.Fatal(err)
	}
	if err := g.Mount(chi.NewRouter()); err == nil {
		t.Error("a second Mount of one Guard: got nil, want an error")
	}
	if err := g.Mount(nil); err == nil {
		t.Error("Mount(nil): got nil, want an error")
	}
	if _, err := authchi.New[authsession.User](nil); !errors.Is(err, authsession.ErrConfig) {
		t.Errorf("New(nil): got %v, want ErrConfig", err)
	}
}
