package authsession_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"time"

	"github.com/authsession/authsession"
)

// The README's quick start (deny by default): the sign-in form is wrapped in
// http.CrossOriginProtection, so a form posted from another site is refused
// before a session is created.
func Example_quickStart() {
	auth, err := authsession.NextAuthSession(authsession.Config[authsession.User]{
		Secret: "example-secret-that-is-at-least-32-bytes",
		// Deny by default, as the README's quick start does.
		DefaultRouteType: authsession.RouteAuth,
		Routes: []authsession.Rule{
			authsession.Public("/login"),
			authsession.Hybrid("/"),
		},
		Cookie: authsession.CookieConfig{Insecure: true}, // a plain-HTTP test server
	})
	if err != nil {
		panic(err)
	}
	mux := http.NewServeMux()
	csrf := http.NewCrossOriginProtection()
	mux.Handle("POST /login", csrf.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user := authsession.User{ID: "u_1", Name: r.PostFormValue("name")}
		if _, err := auth.CreateSession(w, r, user); err != nil {
			http.Error(w, "sign-in failed", http.StatusInternalServerError)
			return
		}
		http.Redirect(w, r, "/dashboard", http.StatusSeeOther)
	})))
	mux.HandleFunc("GET /dashboard", func(w http.ResponseWriter, r *http.Request) {
		s, _ := auth.GetSession(r)
		fmt.Fprintf(w, "hello %s", s.User.Name)
	})
	srv := httptest.NewServer(auth.Middleware(mux))
	defer srv.Close()
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

	// signIn posts the form as a browser does from a page of site.
	signIn := func(site string) {
		req, _ := http.NewRequest("POST", srv.URL+"/login", strings.NewReader(url.Values{"name": {"Ann"}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", site)
		resp, err := client.Do(req)
		if err != nil {
			panic(err)
		}
		resp.Body.Close()
		fmt.Println(strings.TrimSpace(fmt.Sprint(site, " sign-in: ", resp.StatusCode, " ", resp.Header.Get("Location"))))
	}
	signIn("cross-site")
	signIn("same-origin")
	resp, err := client.Get(srv.URL + "/dashboard")
	if err != nil {
		panic(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Println("GET /dashboard:", resp.StatusCode, string(body))
	// Output:
	// cross-site sign-in: 403
	// same-origin sign-in: 303 /dashboard
	// GET /dashboard: 200 hello Ann
}

// Any type that encoding/json encodes and decodes can be the user. Only
// UpdatableFields (and a store, which needs UserID) ask for more: a type
// that encodes to a JSON object.
func ExampleConfig_userTypes() {
	auth, err := authsession.NextAuthSession(authsession.Config[string]{
		Secret: "example-secret-that-is-at-least-32-bytes",
	})
	if err != nil {
		panic(err)
	}
	token, _ := auth.EncryptSession(authsession.Session[string]{User: "ann", ExpiresAt: time.Now().Add(time.Hour)})
	s, err := auth.DecryptSession(token)
	fmt.Printf("%q %v\n", s.User, err)

	_, err = authsession.NextAuthSession(authsession.Config[string]{
		Secret:          "example-secret-that-is-at-least-32-bytes",
		UpdatableFields: []string{"name"},
	})
	fmt.Println(err)
	// Output:
	// "ann" <nil>
	// authsession: invalid configuration: UpdatableFields: the user type string does not encode to a JSON object, so it has no fields to update
}
