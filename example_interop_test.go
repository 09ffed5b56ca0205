package authsession_test

import (
	"fmt"
	"log"
	"net/http/httptest"
	"time"

	"github.com/authsession/authsession"
)

// A Go service reading the session cookie of a Next.js app that uses
// Auth.js v5: same secret (AUTH_SECRET), FormatAuthJS, and Auth.js's
// cookie name, which is the default for that format.
func ExampleTokenFormat_authJS() {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	auth, err := authsession.NextAuthSession(authsession.Config[authsession.User]{
		Secret:             "the-next-js-apps-AUTH_SECRET-value-0123456789",
		Format:             authsession.FormatAuthJS,
		DisableAutoRefresh: true, // the Next.js app owns the cookie
		Now:                func() time.Time { return now },
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(auth.Config.Cookie.Name)

	// Here the cookie is made by the same configuration; in production the
	// Next.js app sets it.
	token, err := auth.EncryptSession(authsession.Session[authsession.User]{
		User:      authsession.User{ID: "u_42", Name: "Bob", Email: "bob@example.com"},
		ExpiresAt: now.Add(time.Hour),
	})
	if err != nil {
		log.Fatal(err)
	}
	r := httptest.NewRequest("GET", "/api/me", nil)
	r.Header.Set("Cookie", auth.Config.Cookie.Name+"="+token)
	if s, ok := auth.GetSession(r); ok {
		fmt.Println(s.User.ID, s.User.Name, s.ExpiresAt.UTC().Format(time.RFC3339))
	}
	// Output:
	// __Secure-authjs.session-token
	// u_42 Bob 2026-01-01T13:00:00Z
}
