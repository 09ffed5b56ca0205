package authgorilla_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gorilla/mux"

	"github.com/authsession/authsession"
	authgorilla "github.com/authsession/authsession/adapters/gorilla"
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

func guarded(t *testing.T, auth *authsession.AuthSession[authsession.User], r *mux.Router) http.Handler {
	t.Helper()
	g, err := authgorilla.New(auth)
	if err != nil {
		t.Fatal(err)
	}
	h, err := g.Handler(r)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// TestGorillaPrefixRoutes: on gorilla/mux,
// PathPrefix("/admin") serves /administrator, /admin.json and /admin;x,
// which the path rules judge by the default type; the guard judges the
// route's fixed part /admin too.
func TestGorillaPrefixRoutes(t *testing.T) {
	for _, def := range []authsession.RouteType{authsession.RouteHybrid, authsession.RouteAuth} {
		auth, cookies := guardtest.AdapterAuth(t, def)
		r := mux.NewRouter()
		r.PathPrefix("/admin").Handler(label("admin"))
		r.Path("/login").Handler(label("login"))
		r.PathPrefix("/static/").Handler(label("static"))
		r.Path("/files/{path:.*}").Handler(label("files"))
		h := guarded(t, auth, r)
		expect(t, h, cookies, []visit{
			{"/administrator", "", 307, ""}, {"/admin.json", "", 307, ""}, {"/admin;x", "", 307, ""}, {"/admin", "", 307, ""},
			{"/administrator", "user", 403, ""}, {"/admin.json", "user", 403, ""}, {"/admin;x", "user", 403, ""},
			{"/administrator", "admin", 200, "admin"}, {"/admin;x", "admin", 200, "admin"},
			{"/login", "", 200, "login"}, {"/static/dashboard", "", 200, "static"},
		})
	}
}

// TestGorillaLangRoute: on gorilla/mux, an
// unconstrained /{lang}/dashboard serves /static/dashboard; a
// constrained {lang:en|ar} does not, and its pages stay open to whom
// their rules say.
func TestGorillaLangRoute(t *testing.T) {
	for _, def := range []authsession.RouteType{authsession.RouteHybrid, authsession.RouteAuth} {
		auth, cookies := guardtest.AdapterAuth(t, def)
		open := mux.NewRouter()
		open.Path("/{lang}/dashboard").Handler(label("dashboard"))
		open.Path("/{lang}/admin").Handler(label("admin"))
		expect(t, guarded(t, auth, open), cookies, []visit{
			{"/static/dashboard", "", 307, ""}, {"/blog/dashboard", "", 307, ""}, {"/static/admin", "user", 403, ""},
			{"/fr/dashboard", "admin", 200, "dashboard"},
		})
		constrained := mux.NewRouter()
		for _, prefix := range []string{"", "/{lang:en|ar}"} {
			constrained.Path(prefix + "/").Handler(label("home"))
			constrained.Path(prefix + "/login").Handler(label("login"))
			constrained.Path(prefix + "/dashboard").Handler(label("dashboard"))
			constrained.Path(prefix + "/admin").Handler(label("admin"))
		}
		constrained.PathPrefix("/static/").Handler(label("static"))
		expect(t, guarded(t, auth, constrained), cookies, []visit{
			{"/english/dashboard", "admin", 404, ""}, {"/en/dashboard", "", 307, ""}, {"/en/login", "", 200, "login"},
			{"/ar/", "", 200, "home"}, {"/en/dashboard", "user", 200, "dashboard"}, {"/dashboard", "user", 200, "dashboard"},
			{"/ar/admin", "user", 403, ""}, {"/ar/admin", "admin", 200, "admin"}, {"/static/x.js", "", 200, "static"},
		})
	}
}

// TestGorillaHandlerErrors: one Guard per router, and a Guard needs an
// AuthSession from NextAuthSession.
func TestGorillaHandlerErrors(t *testing.T) {
	auth, _ := guardtest.AdapterAuth(t, authsession.RouteAuth)
	g, _ := authgorilla.New(auth)
	if _, err := g.Handler(nil); err == nil {
		t.Error("Handler(nil): got nil, want an error")
	}
	if _, err := g.Handler(mux.NewRouter()); err != nil {
		t.Fatal(err)
	}
	if _, err := g.Handler(mux.NewRouter()); err == nil {
		t.Error("a second router for one Guard: got nil, want an error")
	}
	if _, err := authgorilla.New[authsession.User](nil); !errors.Is(err, authsession.ErrConfig) {
		t.Errorf("New(nil): got %v, want ErrConfig", err)
	}
}

// TestGorillaPattern: how routes translate into the guard's pattern
// syntax (a prefix route, a variable that spans segments, a route
// without a path, a subrouter's prefix).
func TestGorillaPattern(t *testing.T) {
	r := mux.NewRouter()
	r.PathPrefix("/admin")
	r.PathPrefix("/static/")
	r.Path("/x/")
	r.Path("/")
	r.Path("/users/{id:[0-9]+}/posts")
	r.Path("/files/{path:.*}")
	r.Path("/a/{name}.json")
	r.Host("{sub}.example.test").Path("/h")
	r.Methods("GET")
	r.PathPrefix("/api").Subrouter().Path("/items/{id}")
	var got []string
	_ = r.Walk(func(rt *mux.Route, _ *mux.Router, _ []*mux.Route) error {
		if _, err := rt.GetPathTemplate(); err == nil || rt.GetHandler() == nil {
			got = append(got, authgorilla.Pattern(rt))
		}
		return nil
	})
	want := []string{"/admin{...}", "/static/{...}", "/x/{$}", "/{$}", "/users/{p}/posts", "/files/{...}", "/a/{p}.json", "{sub}.example.test/h", "/{...}", "/api{...}", "/api/items/{p}"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("patterns:\n got %q\nwant %q", got, want)
	}
}
