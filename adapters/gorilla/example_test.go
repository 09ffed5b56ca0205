package authgorilla_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"

	"github.com/gorilla/mux"

	"github.com/authsession/authsession"
	authgorilla "github.com/authsession/authsession/adapters/gorilla"
)

// newApp is a complete gorilla/mux application: a sign-in form, sign-out, a
// dashboard, an admin area and static assets, deny by default, with
// localized pages under a constrained {lang} variable.
func newApp() (http.Handler, error) {
	auth, err := authsession.NextAuthSession(authsession.Config[authsession.User]{
		Secret:           "example-secret-at-least-32-bytes-long!!",
		Cookie:           authsession.CookieConfig{Insecure: true}, // plain HTTP in this example
		DefaultRouteType: authsession.RouteAuth,
		Locales:          []string{"en", "ar"},
		Routes: []authsession.Rule{
			authsession.Public("/login"),
			authsession.Hybrid("/"),
			authsession.Hybrid("/assets/*"),
		},
	})
	if err != nil {
		return nil, err
	}
	g, err := authgorilla.New(auth)
	if err != nil {
		return nil, err
	}
	isAdmin := func(s authsession.Session[authsession.User]) bool { return s.User.ExtraString("role") == "admin" }

	r := mux.NewRouter()
	for _, prefix := range []string{"", "/{lang:en|ar}"} { // only the configured locales
		p := r.PathPrefix(prefix).Subrouter()
		p.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "home") }).Methods("GET")
		p.HandleFunc("/login", func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprint(w, `<form method="post"><input name="name"><button>Sign in</button></form>`)
		}).Methods("GET")
		p.HandleFunc("/login", func(w http.ResponseWriter, r *http.Request) {
			name := r.PostFormValue("name") // check real credentials here
			user := authsession.User{ID: "u_" + name, Name: name, Extra: map[string]any{"role": r.PostFormValue("role")}}
			if _, err := auth.CreateSession(w, r, user); err != nil {
				http.Error(w, "sign-in failed", http.StatusInternalServerError)
				return
			}
			http.Redirect(w, r, "/dashboard", http.StatusSeeOther)
		}).Methods("POST")
		p.HandleFunc("/logout", func(w http.ResponseWriter, r *http.Request) {
			_ = auth.DeleteSession(w, r)
			http.Redirect(w, r, "/", http.StatusSeeOther)
		}).Methods("POST")
		p.HandleFunc("/dashboard", func(w http.ResponseWriter, r *http.Request) {
			s, _ := auth.GetSession(r)
			fmt.Fprint(w, "hello ", s.User.Name)
		})
		p.Handle("/admin", auth.Require(isAdmin)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "admin area") })))
	}
	r.PathPrefix("/assets/").Handler(http.StripPrefix("/assets", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "asset ", r.URL.Path)
	})))
	r.Use(http.NewCrossOriginProtection().Handler) // refuse cross-site form posts
	return g.Handler(r)
}

// Example drives the application as a browser would.
func Example() {
	app, err := newApp()
	if err != nil {
		fmt.Println(err)
		return
	}
	cookie := ""
	visit := func(method, target, form string) {
		r := httptest.NewRequest(method, target, strings.NewReader(form))
		r.Header.Set("Accept", "text/html")
		if form != "" {
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		if cookie != "" {
			r.Header.Set("Cookie", cookie)
		}
		w := httptest.NewRecorder()
		app.ServeHTTP(w, r)
		for _, c := range w.Result().Cookies() {
			cookie = c.Name + "=" + c.Value
			if c.MaxAge < 0 {
				cookie = ""
			}
		}
		fmt.Printf("%s %s: %d %s%s\n", method, target, w.Code, w.Header().Get("Location"), firstLine(w.Body.String()))
	}
	visit("GET", "/ar/dashboard", "")
	visit("GET", "/assets/app.js", "")
	visit("POST", "/login", url.Values{"name": {"Ann"}, "role": {"user"}}.Encode())
	visit("GET", "/en/dashboard", "")
	visit("GET", "/admin", "")
	visit("GET", "/api/session", "")
	visit("POST", "/logout", "")
	visit("GET", "/dashboard", "")
	// Output:
	// GET /ar/dashboard: 307 /ar/login?callbackUrl=%2Far%2Fdashboard
	// GET /assets/app.js: 200 asset /app.js
	// POST /login: 303 /dashboard
	// GET /en/dashboard: 200 hello Ann
	// GET /admin: 403 <!doctype html>
	// GET /api/session: 200 {"session":{"user":{"id":"u_Ann","name":"Ann","role":"user"}…
	// POST /logout: 303 /
	// GET /dashboard: 307 /login?callbackUrl=%2Fdashboard
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if i := strings.Index(s, `"expiresAt"`); i >= 0 {
		s = s[:i-1] + "…"
	}
	return strings.TrimSpace(s)
}
