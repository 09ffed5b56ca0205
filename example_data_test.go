package authsession_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/authsession/authsession"
)

// exampleAuth is the examples' AuthSession.
func exampleAuth(edit func(*authsession.Config[authsession.User])) *authsession.AuthSession[authsession.User] {
	cfg := authsession.Config[authsession.User]{
		Secret: "example-secret-that-is-at-least-32-bytes",
		Cookie: authsession.CookieConfig{Insecure: true},
	}
	if edit != nil {
		edit(&cfg)
	}
	auth, err := authsession.NextAuthSession(cfg)
	if err != nil {
		panic(err)
	}
	return auth
}

// carrying returns a request that carries the cookies a browser keeps
// from the response w.
func carrying(w *httptest.ResponseRecorder) *http.Request {
	r := httptest.NewRequest("GET", "/", nil)
	for _, c := range finalCookies(w) {
		if c.MaxAge >= 0 {
			r.AddCookie(c)
		}
	}
	return r
}

type Cart struct {
	Items []string `json:"items"`
}

// Session data: typed values beside the user, in the encrypted cookie.
// SetData and DeleteData re-issue the cookie; Get reads a value back as
// its type.
func ExampleGet() {
	auth := exampleAuth(nil)
	w := httptest.NewRecorder()
	auth.CreateSession(w, httptest.NewRequest("POST", "/login", nil), authsession.User{ID: "u_1"})

	next := httptest.NewRecorder()
	if err := auth.SetData(next, carrying(w), "cart", Cart{Items: []string{"tea", "cups"}}); err != nil {
		panic(err)
	}
	s, _ := auth.GetSession(carrying(next))
	cart, ok := authsession.Get[Cart](s.Data, "cart")
	fmt.Println(cart.Items, ok)
	_, ok = authsession.Get[int](s.Data, "cart") // not an int
	fmt.Println(ok)

	last := httptest.NewRecorder()
	auth.DeleteData(last, carrying(next), "cart")
	s, _ = auth.GetSession(carrying(last))
	_, ok = authsession.Get[Cart](s.Data, "cart")
	fmt.Println(ok)

	// Data lives in the cookie: past Config.MaxCookieBytes nothing is written.
	err := auth.SetData(httptest.NewRecorder(), carrying(last), "blob", strings.Repeat("x", 20000))
	fmt.Println(errors.Is(err, authsession.ErrSessionTooLarge))
	// Output:
	// [tea cups] true
	// false
	// false
	// true
}

// Flash values survive exactly one read: set one before a redirect, read
// them on the next page.
func ExampleAuthSession_Flashes() {
	auth := exampleAuth(nil)
	w := httptest.NewRecorder()
	auth.CreateSession(w, httptest.NewRequest("POST", "/login", nil), authsession.User{ID: "u_1"})

	// POST /settings: change something, flash a notice, redirect.
	post := httptest.NewRecorder()
	if err := auth.Flash(post, carrying(w), "notice", "Settings saved."); err != nil {
		panic(err)
	}

	// GET /settings: the notice, once.
	page := httptest.NewRecorder()
	flashes, _ := auth.Flashes(page, carrying(post))
	notice, _ := authsession.Get[string](flashes, "notice")
	fmt.Printf("%q\n", notice)

	again, _ := auth.Flashes(httptest.NewRecorder(), carrying(page))
	fmt.Println(len(again))

	// After sign-out, a flash starts a visitor's session (no sign-in):
	// "Signed out." shows on the next page.
	out := httptest.NewRecorder()
	auth.DeleteSession(out, carrying(page))
	auth.Flash(out, carrying(page), "notice", "Signed out.")
	next := carrying(out)
	flashes, _ = auth.Flashes(httptest.NewRecorder(), next)
	notice, _ = authsession.Get[string](flashes, "notice")
	_, signedIn := auth.GetSession(next)
	fmt.Printf("%q, signed in: %v\n", notice, signedIn)
	// Output:
	// "Settings saved."
	// 0
	// "Signed out.", signed in: false
}

// Remember me: without it, the cookie is a browser-session cookie (no
// Max-Age or Expires); the token still expires on the server, and
// refreshes keep the choice.
func ExampleWithRememberMe() {
	auth := exampleAuth(nil)
	for _, remember := range []bool{true, false} {
		w := httptest.NewRecorder()
		s, _ := auth.CreateSession(w, httptest.NewRequest("POST", "/login", nil), authsession.User{ID: "u_1"},
			authsession.WithRememberMe(remember)) // r.PostFormValue("remember") != ""
		c := w.Result().Cookies()[0]
		fmt.Printf("remember %v: Max-Age %d, Transient %v\n", remember, c.MaxAge, s.Transient)

		refreshed := httptest.NewRecorder()
		auth.RefreshSession(refreshed, carrying(w))
		fmt.Printf("  refreshed: Max-Age %d\n", refreshed.Result().Cookies()[0].MaxAge)
	}
	// Output:
	// remember true: Max-Age 604800, Transient false
	//   refreshed: Max-Age 604800
	// remember false: Max-Age 0, Transient true
	//   refreshed: Max-Age 0
}

// Events see sign-ins, sign-outs, refreshes and revocations after they
// happened, for audit logs and metrics. A failing hook is logged, never
// fatal.
func ExampleEvents() {
	audit := func(what string) func(context.Context, authsession.Session[authsession.User]) error {
		return func(_ context.Context, s authsession.Session[authsession.User]) error {
			fmt.Println(what, s.User.ID)
			return nil
		}
	}
	auth := exampleAuth(func(c *authsession.Config[authsession.User]) {
		c.Events = authsession.Events[authsession.User]{
			SignIn:  audit("sign-in"),
			SignOut: audit("sign-out"),
			Refresh: audit("refresh"),
		}
	})
	w := httptest.NewRecorder()
	auth.CreateSession(w, httptest.NewRequest("POST", "/login", nil), authsession.User{ID: "u_ann"})
	auth.RefreshSession(httptest.NewRecorder(), carrying(w))
	// Bob signs in on Ann's browser: her session is replaced.
	bob := httptest.NewRecorder()
	auth.CreateSession(bob, carrying(w), authsession.User{ID: "u_bob"})
	auth.DeleteSession(httptest.NewRecorder(), carrying(bob))
	// Output:
	// sign-in u_ann
	// refresh u_ann
	// sign-out u_ann
	// sign-in u_bob
	// sign-out u_bob
}
