package authsession_test

import (
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"

	"github.com/authsession/authsession"
	"github.com/authsession/authsession/memstore"
)

// With a store, a change of a session ends the cookies from before it: a
// privilege change at once, any other change once Config.GenerationGrace
// (5 s, for requests in flight) has passed.
func ExampleSession_MarkPrivilegeChange() {
	auth, err := authsession.NextAuthSession(authsession.Config[authsession.User]{
		Secret: "example-secret-at-least-32-bytes-long!!",
		Store:  memstore.New(memstore.Options{}),
	})
	if err != nil {
		log.Fatal(err)
	}
	request := func(cookies []*http.Cookie) *http.Request {
		r := httptest.NewRequest("GET", "/", nil)
		for _, c := range cookies {
			r.AddCookie(c)
		}
		return r
	}
	w := httptest.NewRecorder()
	admin := authsession.User{ID: "u_1", Extra: map[string]any{"role": "admin"}}
	if _, err := auth.CreateSession(w, httptest.NewRequest("POST", "/login", nil), admin); err != nil {
		log.Fatal(err)
	}
	copied := w.Result().Cookies() // say, captured by an attacker

	// The user is no longer an admin.
	w = httptest.NewRecorder()
	s, err := auth.UpdateSession(w, request(copied), func(s *authsession.Session[authsession.User]) error {
		s.User.Extra = map[string]any{"role": "viewer"}
		s.MarkPrivilegeChange()
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("role:", s.User.ExtraString("role"))
	fmt.Println("new cookie signed in:", auth.IsAuthenticated(request(w.Result().Cookies())))
	fmt.Println("copied admin cookie signed in:", auth.IsAuthenticated(request(copied)))
	// Output:
	// role: viewer
	// new cookie signed in: true
	// copied admin cookie signed in: false
}
