package routertest_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/authsession/authsession"
)

// Protection on a chi route group: RequireSession for the signed-in
// area, Require for the admin group, with the guard as chi middleware
// denying by default. The handlers read the typed session from the
// context.
func Example_chiGroup() {
	auth, err := authsession.NextAuthSession(authsession.Config[authsession.User]{
		Secret:           "example-secret-at-least-32-bytes-long!!",
		Routes:           []authsession.Rule{authsession.Public("/login"), authsession.Hybrid("/")},
		DefaultRouteType: authsession.RouteAuth,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	isAdmin := func(s authsession.Session[authsession.User]) bool { return s.User.ExtraString("role") == "admin" }
	hello := func(w http.ResponseWriter, r *http.Request) {
		s, _ := authsession.SessionFromContext[authsession.User](r.Context())
		fmt.Fprint(w, "hello ", s.User.ID)
	}

	r := chi.NewRouter()
	r.Use(auth.Middleware)
	r.Get("/", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "home") })
	r.Group(func(r chi.Router) {
		r.Use(auth.RequireSession) // holds even if a rule is dropped or renamed
		r.Get("/account", hello)
		r.Route("/admin", func(r chi.Router) {
			r.Use(auth.Require(isAdmin))
			r.Get("/users", hello)
		})
	})

	visit := func(who, role, target string) {
		req := httptest.NewRequest("GET", target, nil)
		if role != "" {
			tok, _ := auth.EncryptSession(authsession.Session[authsession.User]{
				User: authsession.User{ID: "u_" + role, Extra: map[string]any{"role": role}},
			})
			req.Header.Set("Cookie", "session="+tok)
		}
		w := httptest.NewRecorder()
		r.ServeHTTP(w, req)
		fmt.Println(strings.TrimSpace(fmt.Sprintf("%s %s: %d %s", who, target, w.Code, w.Header().Get("Location"))))
	}
	visit("anonymous", "", "/")
	visit("anonymous", "", "/account")
	visit("user", "user", "/account")
	visit("user", "user", "/admin/users")
	visit("admin", "admin", "/admin/users")
	visit("user", "user", "/admin/us%65rs") // one path: the canonical spelling first
	// Output:
	// anonymous /: 200
	// anonymous /account: 307 /login?callbackUrl=%2Faccount
	// user /account: 200
	// user /admin/users: 403
	// admin /admin/users: 200
	// user /admin/us%65rs: 307 /admin/users
}
