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

// InspectToken opens a token without judging its expiry, for diagnostics:
// here a token issued under a secret that has since been rotated out to
// PreviousSecrets, and that expired long ago.
func ExampleInspectToken() {
	issued := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	old, err := authsession.NextAuthSession(authsession.Config[authsession.User]{
		Secret: "the-old-secret-0123456789abcdefghijklmn",
		Now:    func() time.Time { return issued },
	})
	if err != nil {
		log.Fatal(err)
	}
	token, err := old.EncryptSession(authsession.Session[authsession.User]{
		ID:        "session-1",
		User:      authsession.User{ID: "u_1"},
		CreatedAt: issued, LastActivity: issued, ExpiresAt: issued.Add(time.Hour),
	})
	if err != nil {
		log.Fatal(err)
	}
	info, err := authsession.InspectToken(authsession.Config[authsession.User]{
		Secret:          "the-new-secret-0123456789abcdefghijklmn",
		PreviousSecrets: []authsession.Secret{"the-old-secret-0123456789abcdefghijklmn"},
	}, token)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("key: previous #", info.KeyIndex)
	fmt.Println("header:", info.Header["alg"], info.Header["enc"])
	fmt.Println("expires:", info.ExpiresAt.UTC().Format(time.RFC3339))
	// Output:
	// key: previous # 1
	// header: dir A256GCM
	// expires: 2026-01-01T01:00:00Z
}
