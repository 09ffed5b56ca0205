package authsession_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/authsession/authsession"
	"github.com/authsession/authsession/patterns"
)

// Only users with the role "admin" may see /admin and below, checked in
// the Authorize hook. SessionFromContext inside the hook is free: the
// guard has already decoded the session. (AuthWhere does the same as a
// rule, without comparing patterns: see ExampleAuthWhere.)
func ExampleConfig_authorize() {
	auth, err := authsession.NextAuthSession(authsession.Config[authsession.User]{
		Secret: "example-secret-at-least-32-bytes-long!!",
		Routes: []authsession.Rule{
			authsession.Public("/login"),
			authsession.Auth(patterns.Dashboard),
			authsession.Auth(patterns.Admin),
		},
		Authorize: func(signedIn bool, r *http.Request, rule authsession.Rule) http.Handler {
			if rule.Pattern != patterns.Admin || !signedIn {
				return nil // the guard's default: pass, or redirect to /login
			}
			if s, _ := authsession.SessionFromContext[authsession.User](r.Context()); s.User.ExtraString("role") != "admin" {
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					http.Error(w, "admins only", http.StatusForbidden)
				})
			}
			return nil
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /admin/", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "admin area") })
	mux.HandleFunc("GET /login", func(w http.ResponseWriter, r *http.Request) {
		role := r.URL.Query().Get("as")
		if role == "" {
			fmt.Fprint(w, "login form")
			return
		}
		// Sign in (only for this example: anyone may pick a role).
		auth.CreateSession(w, r, authsession.User{ID: "u_" + role, Extra: map[string]any{"role": role}})
	})
	h := auth.Middleware(mux)

	signIn := func(role string) string {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("GET", "/login?as="+role, nil))
		c := w.Result().Cookies()[0]
		return c.Name + "=" + c.Value
	}
	visit := func(who, cookie string) {
		r := httptest.NewRequest("GET", "/admin/users", nil)
		if cookie != "" {
			r.Header.Set("Cookie", cookie)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		fmt.Printf("%s %d %q\n", who, w.Code, w.Header().Get("Location"))
	}
	visit("anonymous:", "")
	visit("user:", signIn("user"))
	visit("admin:", signIn("admin"))
	// Output:
	// anonymous: 307 "/login?callbackUrl=%2Fadmin%2Fusers"
	// user: 403 ""
	// admin: 200 ""
}
