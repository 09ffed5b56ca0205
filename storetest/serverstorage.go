package storetest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/authsession/authsession"
)

// This file is the suite's part for server storage end to end: two
// application instances (AuthSessions in StorageServer) over a pair of
// stores.

// RunServerStorage runs, each in its own subtest, two application
// instances in server storage (Config.Storage StorageServer) over the two
// stores of newPair: TwoInstances (anonymous and signed in, each instance
// reads what the other wrote; signing in on one keeps the visitor's data
// under a new id; a sign-out on one ends the session and its data on
// both), ConcurrentSaves (8 workers on both change one session at once:
// every change acknowledged is kept, the others are ErrConflict) and
// SignOutWinsOverSaves (60 times over, one instance signs out a session
// the other changes in a loop: once DeleteSession has returned the
// session is gone on both).
func RunServerStorage(t *testing.T, newPair Pair) {
	t.Helper()
	apps := func(t *testing.T) (one, two *authsession.AuthSession[authsession.User]) {
		a, b := newPair(t)
		return serverApp(t, a), serverApp(t, b)
	}
	t.Run("TwoInstances", func(t *testing.T) { testServerTwoInstances(t, apps) })
	t.Run("ConcurrentSaves", func(t *testing.T) { testServerConcurrentSaves(t, apps) })
	t.Run("SignOutWinsOverSaves", func(t *testing.T) { testServerSignOutWins(t, apps) })
}

type serverApps func(t *testing.T) (one, two *authsession.AuthSession[authsession.User])

// serverApp is an application instance in server storage on s.
func serverApp(t *testing.T, s authsession.Store) *authsession.AuthSession[authsession.User] {
	t.Helper()
	auth, err := authsession.NextAuthSession(authsession.Config[authsession.User]{
		Secret:  "storetest-server-storage-secret-0123456789",
		Storage: authsession.StorageServer,
		Store:   s,
		Logger:  slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { auth.Close(context.Background()) })
	return auth
}

func request(cookies []*http.Cookie) *http.Request {
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	for _, c := range cookies {
		r.AddCookie(c)
	}
	return r
}

// setData sets key to value in the request's session (creating an
// anonymous one for a visitor) and returns the cookies the response set,
// or cookies when it set none.
func setData(a *authsession.AuthSession[authsession.User], cookies []*http.Cookie, key string, value any) ([]*http.Cookie, error) {
	w := httptest.NewRecorder()
	err := a.SetData(w, request(cookies), key, value)
	if set := w.Result().Cookies(); len(set) > 0 {
		return set, err
	}
	return cookies, err
}

// dataOf returns the session data the instance reads with cookies, as
// strings, or nil without a session.
func dataOf(a *authsession.AuthSession[authsession.User], cookies []*http.Cookie) map[string]string {
	d := a.SessionData(request(cookies))
	if d == nil {
		return nil
	}
	out := map[string]string{}
	for k, v := range d {
		out[k] = string(v)
	}
	return out
}

// signIn signs user in on a and returns the cookies.
func signIn(t *testing.T, a *authsession.AuthSession[authsession.User], cookies []*http.Cookie, user string) []*http.Cookie {
	t.Helper()
	w := httptest.NewRecorder()
	if _, err := a.CreateSession(w, request(cookies), authsession.User{ID: user}); err != nil {
		t.Fatal(err)
	}
	return w.Result().Cookies()
}

func testServerTwoInstances(t *testing.T, apps serverApps) {
	one, two := apps(t)
	anon, err := setData(one, nil, "cart", 1)
	if err != nil || len(anon) == 0 {
		t.Fatalf("SetData of a visitor: %v, %d cookies", err, len(anon))
	}
	if got := dataOf(two, anon); got["cart"] != "1" {
		t.Fatalf("the other instance reads the visitor's data: got %v", got)
	}
	if _, err := setData(two, anon, "n", 2); err != nil {
		t.Fatal(err)
	}
	if got := dataOf(one, anon); got["cart"] != "1" || got["n"] != "2" {
		t.Errorf("the first instance reads both writes: got %v", got)
	}
	signedIn := signIn(t, two, anon, "u_1")
	if got := dataOf(one, signedIn); !one.IsAuthenticated(request(signedIn)) || got["cart"] != "1" || got["n"] != "2" {
		t.Errorf("after sign-in on the other instance: signed in=%v, data %v; want the visitor's data kept", one.IsAuthenticated(request(signedIn)), got)
	}
	if got := dataOf(one, anon); got != nil {
		t.Errorf("the visitor's cookie after sign-in: got data %v, want no session (a new id)", got)
	}
	if err := one.DeleteSession(httptest.NewRecorder(), request(signedIn)); err != nil {
		t.Fatal(err)
	}
	if two.IsAuthenticated(request(signedIn)) || dataOf(two, signedIn) != nil {
		t.Errorf("after sign-out on the other instance: signed in=%v, data %v; want neither", two.IsAuthenticated(request(signedIn)), dataOf(two, signedIn))
	}
	if recs, err := two.ListUserSessions(context.Background(), "u_1"); err != nil || len(recs) != 0 {
		t.Errorf("ListUserSessions after sign-out: got %d, %v", len(recs), err)
	}
}

// testServerConcurrentSaves: no lost update (a save that finds the
// session changed applies its change again on top); the engine's answer
// to one it could not apply after its retries is ErrConflict, never
// silence.
func testServerConcurrentSaves(t *testing.T, newApps serverApps) {
	one, two := newApps(t)
	apps := []*authsession.AuthSession[authsession.User]{one, two}
	cookies := signIn(t, apps[0], nil, "u_1")
	const workers, each = 8, 5
	var (
		mu    sync.Mutex
		acked []string
		wg    sync.WaitGroup
	)
	for wk := range workers {
		wg.Go(func() {
			for i := range each {
				key := fmt.Sprintf("w%d-%d", wk, i)
				err := apps[wk%2].SetData(httptest.NewRecorder(), request(cookies), key, i)
				switch {
				case err == nil:
					mu.Lock()
					acked = append(acked, key)
					mu.Unlock()
				case !errors.Is(err, authsession.ErrConflict):
					t.Errorf("SetData(%s): %v", key, err)
				}
			}
		})
	}
	wg.Wait()
	got := dataOf(apps[1], cookies)
	for _, key := range acked {
		if _, ok := got[key]; !ok {
			t.Errorf("acknowledged change %s lost", key)
		}
	}
	t.Logf("%d of %d changes acknowledged, the others ErrConflict after the engine's retries", len(acked), workers*each)
	if len(got) != len(acked) || len(acked) < workers {
		t.Errorf("keys in the session: %d; acknowledged: %d of %d", len(got), len(acked), workers*each)
	}
}

// testServerSignOutWins: signed-in and anonymous sessions alternate.
func testServerSignOutWins(t *testing.T, apps serverApps) {
	one, two := apps(t)
	for round := range 60 {
		var cookies []*http.Cookie
		if round%2 == 0 {
			cookies = signIn(t, one, nil, "u_1")
		} else {
			var err error
			if cookies, err = setData(one, nil, "k", -1); err != nil {
				t.Fatal(err)
			}
		}
		saving, stop := make(chan struct{}), make(chan struct{})
		var wg sync.WaitGroup
		wg.Go(func() {
			for n := 0; ; n++ {
				select {
				case <-stop:
					return
				default:
				}
				// After the sign-out a save finds no session (for a
				// visitor it starts a new one, under another id).
				two.SetData(httptest.NewRecorder(), request(cookies), "k", n)
				if n == 0 {
					close(saving)
				}
			}
		})
		<-saving
		if err := one.DeleteSession(httptest.NewRecorder(), request(cookies)); err != nil {
			t.Fatalf("round %d: DeleteSession: %v", round, err)
		}
		close(stop)
		wg.Wait()
		for i, a := range []*authsession.AuthSession[authsession.User]{one, two} {
			if a.IsAuthenticated(request(cookies)) || dataOf(a, cookies) != nil {
				t.Fatalf("round %d, instance %d: the session came back after the sign-out (signed in=%v, data %v)",
					round, i+1, a.IsAuthenticated(request(cookies)), dataOf(a, cookies))
			}
		}
	}
}
