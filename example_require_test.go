package authsession_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/authsession/authsession"
	"github.com/authsession/authsession/patterns"
)

// exampleRequest sends a GET through h, with a session for role when it
// is not empty, and prints the status and Location.
func exampleRequest(auth *authsession.AuthSession[authsession.User], h http.Handler, who, role, target string) {
	r := httptest.NewRequest("GET", target, nil)
	if role != "" {
		tok, _ := auth.EncryptSession(authsession.Session[authsession.User]{
			User: authsession.User{ID: "u_" + role, Extra: map[string]any{"role": role}},
		})
		r.Header.Set("Cookie", auth.Config.Cookie.Name+"="+tok)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	body := strings.TrimSpace(w.Body.String())
	if strings.HasPrefix(body, "<!doctype html>") {
		body = "(an HTML page)" // the default 403 page
	}
	fmt.Println(strings.TrimSpace(fmt.Sprintf("%s %s: %d %q %s", who, target, w.Code, w.Header().Get("Location"), body)))
}

// Protection on the handler: RequireSession and Require guard one handler
// or a group of routes on a ServeMux, whatever the route rules say and
// with or without the guard in front (here without). Visitors without a
// session get the login redirect; signed-in visitors who fail the check
// get a 403.
func ExampleAuthSession_Require() {
	auth, err := authsession.NextAuthSession(authsession.Config[authsession.User]{
		Secret: "example-secret-at-least-32-bytes-long!!",
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	isAdmin := func(s authsession.Session[authsession.User]) bool { return s.User.ExtraString("role") == "admin" }
	hello := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, _ := authsession.SessionFromContext[authsession.User](r.Context())
		fmt.Fprint(w, "hello ", s.User.ID)
	})
	mux := http.NewServeMux()
	mux.Handle("GET /account", auth.RequireSession(hello))
	mux.Handle("/admin/", auth.Require(isAdmin)(hello)) // the whole /admin/ group

	exampleRequest(auth, mux, "anonymous", "", "/account")
	exampleRequest(auth, mux, "user", "user", "/account")
	exampleRequest(auth, mux, "user", "user", "/admin/users")
	exampleRequest(auth, mux, "admin", "admin", "/admin/users")
	// Output:
	// anonymous /account: 307 "/login?callbackUrl=%2Faccount"
	// user /account: 200 "" hello u_user
	// user /admin/users: 403 "" (an HTML page)
	// admin /admin/users: 200 "" hello u_admin
}

// A role check as a route rule: AuthWhere's check receives the typed
// session, so it compares no pattern strings and needs no reference to
// the AuthSession. Without a session: the login redirect; with one that
// fails the check: 403.
func ExampleAuthWhere() {
	auth, err := authsession.NextAuthSession(authsession.Config[authsession.User]{
		Secret: "example-secret-at-least-32-bytes-long!!",
		Routes: []authsession.Rule{
			authsession.Public("/login"),
			authsession.Hybrid("/"),
			authsession.AuthWhere(patterns.Admin, func(s authsession.Session[authsession.User]) bool {
				return s.User.ExtraString("role") == "admin"
			}),
		},
		DefaultRouteType: authsession.RouteAuth,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	h := auth.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "ok") }))
	exampleRequest(auth, h, "anonymous", "", "/admin/users")
	exampleRequest(auth, h, "user", "user", "/admin/users")
	exampleRequest(auth, h, "user", "user", "/fr/admin/users") // a language the router may strip: still the admin rule
	exampleRequest(auth, h, "admin", "admin", "/admin/users")
	exampleRequest(auth, h, "anonymous", "", "/reports") // no rule: deny by default
	// Output:
	// anonymous /admin/users: 307 "/login?callbackUrl=%2Fadmin%2Fusers"
	// user /admin/users: 403 "" (an HTML page)
	// user /fr/admin/users: 403 "" (an HTML page)
	// admin /admin/users: 200 "" ok
	// anonymous /reports: 307 "/login?callbackUrl=%2Freports"
}

// auditLog is code deep in an application that has a context but no
// *AuthSession: it reads the typed session with SessionFromContext.
func auditLog(ctx context.Context, action string) {
	if s, ok := authsession.SessionFromContext[authsession.User](ctx); ok {
		fmt.Printf("%s by %s\n", action, s.User.ID)
		return
	}
	fmt.Printf("%s by an anonymous visitor\n", action)
}

// Reading the session from a context.Context, behind the guard.
func ExampleSessionFromContext() {
	auth, err := authsession.NextAuthSession(authsession.Config[authsession.User]{
		Secret: "example-secret-at-least-32-bytes-long!!",
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	h := auth.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auditLog(r.Context(), "export")
	}))
	tok, _ := auth.EncryptSession(authsession.Session[authsession.User]{User: authsession.User{ID: "u_1"}})
	r := httptest.NewRequest("GET", "/export", nil)
	h.ServeHTTP(httptest.NewRecorder(), r)
	r.Header.Set("Cookie", "session="+tok)
	h.ServeHTTP(httptest.NewRecorder(), r)
	// Output:
	// export by an anonymous visitor
	// export by u_1
}
