package memstore_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"

	"github.com/authsession/authsession"
	"github.com/authsession/authsession/memstore"
)

// A memory store makes sessions revocable: "log out everywhere" ends every
// session of a user, and their cookies stop working on the next request.
func ExampleNew() {
	auth, err := authsession.NextAuthSession(authsession.Config[authsession.User]{
		Secret: "example-secret-at-least-32-bytes-long!!",
		Store:  memstore.New(memstore.Options{MaxSessions: 10_000}),
	})
	if err != nil {
		log.Fatal(err)
	}

	// Sign the same user in from two devices.
	signIn := func(device string) []*http.Cookie {
		r := httptest.NewRequest("POST", "/login", nil)
		r.Header.Set("User-Agent", device)
		w := httptest.NewRecorder()
		if _, err := auth.CreateSession(w, r, authsession.User{ID: "u_1"}); err != nil {
			log.Fatal(err)
		}
		return w.Result().Cookies()
	}
	laptop := signIn("Firefox on a laptop")
	signIn("Safari on a phone")

	ctx := context.Background()
	devices, err := auth.ListUserSessions(ctx, "u_1") // "your devices"
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("devices:", len(devices))

	n, err := auth.RevokeUserSessions(ctx, "u_1") // "log out everywhere"
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("revoked:", n)

	r := httptest.NewRequest("GET", "/", nil)
	for _, c := range laptop {
		r.AddCookie(c)
	}
	fmt.Println("laptop signed in:", auth.IsAuthenticated(r))
	// Output:
	// devices: 2
	// revoked: 2
	// laptop signed in: false
}
