package authsession_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/authsession/authsession"
)

// A complete round trip: sign in, read the session on a later request,
// sign out.
func Example() {
	auth, err := authsession.NextAuthSession(authsession.Config[authsession.User]{
		Secret: "example-secret-that-is-at-least-32-bytes",
	})
	if err != nil {
		panic(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		user := authsession.User{ID: "u_1", Name: "Ann", Extra: map[string]any{"role": "admin"}}
		if _, err := auth.CreateSession(w, r, user); err != nil {
			http.Error(w, "sign-in failed", http.StatusInternalServerError)
		}
	})
	mux.HandleFunc("GET /me", func(w http.ResponseWriter, r *http.Request) {
		s, ok := auth.GetSession(r)
		if !ok {
			http.Error(w, "not signed in", http.StatusUnauthorized)
			return
		}
		fmt.Fprintf(w, "%s (%s)", s.User.Name, s.User.ExtraString("role"))
	})
	mux.HandleFunc("POST /logout", func(w http.ResponseWriter, r *http.Request) {
		auth.DeleteSession(w, r)
	})
	srv := httptest.NewTLSServer(auth.Middleware(mux)) // Secure cookies need HTTPS
	defer srv.Close()
	client := srv.Client()
	client.Jar, _ = cookiejar.New(nil)

	show := func(method, path string) {
		req, _ := http.NewRequest(method, srv.URL+path, nil)
		resp, err := client.Do(req)
		if err != nil {
			panic(err)
		}
		defer resp.Body.Close()
		body := make([]byte, 64)
		n, _ := resp.Body.Read(body)
		fmt.Println(strings.TrimSpace(fmt.Sprint(method, " ", path, " ", resp.StatusCode, " ", strings.TrimSpace(string(body[:n])))))
	}
	show("GET", "/me")
	show("POST", "/login")
	show("GET", "/me")
	show("POST", "/logout")
	show("GET", "/me")
	// Output:
	// GET /me 401 not signed in
	// POST /login 200
	// GET /me 200 Ann (admin)
	// POST /logout 200
	// GET /me 401 not signed in
}

// Configuration mistakes are reported by NextAuthSession, naming the field.
func ExampleNextAuthSession_configError() {
	_, err := authsession.NextAuthSession(authsession.Config[authsession.User]{
		Secret:      "example-secret-that-is-at-least-32-bytes",
		Expiry:      48 * time.Hour,
		MaxLifetime: 24 * time.Hour,
	})
	fmt.Println(errors.Is(err, authsession.ErrConfig))
	fmt.Println(err)
	// Output:
	// true
	// authsession: invalid configuration: MaxLifetime: must not be below Expiry (48h0m0s), got 24h0m0s
}

// EncryptSession and DecryptSession convert between a session and its
// token without any HTTP, for tests and for other transports.
func ExampleAuthSession_DecryptSession() {
	auth, _ := authsession.NextAuthSession(authsession.Config[authsession.User]{
		Secret: "example-secret-that-is-at-least-32-bytes",
	})
	now := time.Now()
	token, _ := auth.EncryptSession(authsession.Session[authsession.User]{
		User:      authsession.User{ID: "u_1", Email: "ann@example.com"},
		CreatedAt: now, LastActivity: now, ExpiresAt: now.Add(time.Hour),
	})
	s, err := auth.DecryptSession(token)
	fmt.Println(s.User.Email, err)

	_, err = auth.DecryptSession(token[:len(token)-2])
	fmt.Println(errors.Is(err, authsession.ErrInvalidToken))
	// Output:
	// ann@example.com <nil>
	// true
}

// Bring your own user type: here a struct, which also allows UpdatableFields.
func ExampleConfig_customUser() {
	type Member struct {
		ID    string   `json:"id"`
		Name  string   `json:"name"`
		Roles []string `json:"roles"`
	}
	auth, _ := authsession.NextAuthSession(authsession.Config[Member]{
		Secret: "example-secret-that-is-at-least-32-bytes",
	})
	w := httptest.NewRecorder()
	auth.CreateSession(w, httptest.NewRequest("POST", "/login", nil), Member{ID: "m_7", Name: "Kim", Roles: []string{"editor"}})

	r := httptest.NewRequest("GET", "/", nil)
	for _, c := range w.Result().Cookies() {
		r.AddCookie(c)
	}
	s, ok := auth.GetSession(r)
	fmt.Println(ok, s.User.Name, s.User.Roles)
	// Output:
	// true Kim [editor]
}
