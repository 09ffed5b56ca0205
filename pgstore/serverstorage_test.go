package pgstore_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/authsession/authsession"
	"github.com/authsession/authsession/pgstore"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Server storage (authsession.StorageServer) on PostgreSQL: the cookie
// holds the session's id, the table the session.

// serverApp returns an application instance in server storage on the
// table name, through pool (a new pool when nil), giving up on the store
// after timeout (the default when 0).
func serverApp(t *testing.T, pool *pgxpool.Pool, name string, timeout time.Duration) *authsession.AuthSession[authsession.User] {
	t.Helper()
	if pool == nil {
		pool = connect(t)
	}
	auth, err := authsession.NextAuthSession(authsession.Config[authsession.User]{
		Secret:       secret,
		Storage:      authsession.StorageServer,
		Store:        newStore(t, pool, pgstore.Options{Table: name}),
		StoreTimeout: timeout,
		Logger:       slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { auth.Close(context.Background()) })
	return auth
}

// setData sets key to value in the request's session (creating an
// anonymous one for a visitor) and returns the cookies the response set,
// or cookies when it set none.
func setData(t *testing.T, a *authsession.AuthSession[authsession.User], cookies []*http.Cookie, key string, value any) ([]*http.Cookie, error) {
	t.Helper()
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

// TestServerStorageTwoInstances: two instances on one table see one
// session, anonymous and signed in: each reads what the other wrote,
// signing in on one keeps the visitor's data under a new id, and a
// sign-out on one ends the session and its data on both.
func TestServerStorageTwoInstances(t *testing.T) {
	name := table(t, connect(t))
	one, two := serverApp(t, nil, name, 0), serverApp(t, nil, name, 0)
	anon, err := setData(t, one, nil, "cart", 1)
	if err != nil || len(anon) == 0 {
		t.Fatalf("SetData of a visitor: %v, %d cookies", err, len(anon))
	}
	if got := dataOf(two, anon); got["cart"] != "1" {
		t.Fatalf("the other instance reads the visitor's data: got %v", got)
	}
	if _, err := setData(t, two, anon, "n", 2); err != nil {
		t.Fatal(err)
	}
	if got := dataOf(one, anon); got["cart"] != "1" || got["n"] != "2" {
		t.Errorf("the first instance reads both writes: got %v", got)
	}
	w := httptest.NewRecorder()
	if _, err := two.CreateSession(w, request(anon), authsession.User{ID: "u_1"}); err != nil {
		t.Fatal(err)
	}
	signedIn := w.Result().Cookies()
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

// TestServerStorageConcurrentSaves: requests on two instances change one
// session at once. Every change acknowledged is in the session afterwards
// (no lost update: a save that finds the session changed applies its
// change again on top); the engine's answer to one it could not apply
// after its retries is ErrConflict, never silence.
func TestServerStorageConcurrentSaves(t *testing.T) {
	name := table(t, connect(t))
	apps := []*authsession.AuthSession[authsession.User]{serverApp(t, nil, name, 0), serverApp(t, nil, name, 0)}
	w := httptest.NewRecorder()
	if _, err := apps[0].CreateSession(w, request(nil), authsession.User{ID: "u_1"}); err != nil {
		t.Fatal(err)
	}
	cookies := w.Result().Cookies()
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

// TestServerStorageSignOutWinsOverSaves: many times over, one instance
// changes a session in a loop while the other signs it out: once
// DeleteSession has returned, the session and its data are gone on both
// instances, whatever the saves racing it did. Signed-in and anonymous
// sessions alternate.
func TestServerStorageSignOutWinsOverSaves(t *testing.T) {
	name := table(t, connect(t))
	one, two := serverApp(t, nil, name, 0), serverApp(t, nil, name, 0)
	for round := range 60 {
		var cookies []*http.Cookie
		if round%2 == 0 {
			w := httptest.NewRecorder()
			if _, err := one.CreateSession(w, request(nil), authsession.User{ID: "u_1"}); err != nil {
				t.Fatal(err)
			}
			cookies = w.Result().Cookies()
		} else {
			var err error
			if cookies, err = setData(t, one, nil, "k", -1); err != nil {
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

// TestServerStorageFailsClosed: with the database unreachable or frozen,
// the session API answers 503 (not a signed-out session, not a hang), a
// change fails with ErrStore, and once the database is back the session
// and its data are there.
func TestServerStorageFailsClosed(t *testing.T) {
	for _, mode := range []string{"frozen", "down"} {
		t.Run(mode, func(t *testing.T) {
			pool, p := viaProxy(t)
			a := serverApp(t, pool, table(t, connect(t)), 100*time.Millisecond)
			w := httptest.NewRecorder()
			if _, err := a.CreateSession(w, request(nil), authsession.User{ID: "u_1"}); err != nil {
				t.Fatal(err)
			}
			cookies, err := setData(t, a, w.Result().Cookies(), "cart", 3)
			if err != nil {
				t.Fatal(err)
			}
			api := func() int {
				w := httptest.NewRecorder()
				r := request(cookies)
				r.URL.Path = "/api/session"
				a.Handlers.ServeHTTP(w, r)
				return w.Code
			}
			p.set(mode == "frozen", mode == "down")
			if code := api(); code != http.StatusServiceUnavailable {
				t.Errorf("GET /api/session, database %s: got %d, want 503", mode, code)
			}
			if a.IsAuthenticated(request(cookies)) {
				t.Errorf("database %s: got signed in, want fail closed", mode)
			}
			if _, err := setData(t, a, cookies, "cart", 4); !errors.Is(err, authsession.ErrStore) {
				t.Errorf("SetData, database %s: got %v, want ErrStore", mode, err)
			}
			p.set(false, false)
			if code := api(); code != http.StatusOK || dataOf(a, cookies)["cart"] != "3" {
				t.Errorf("database back: GET /api/session %d, data %v; want 200 and the data as it was", code, dataOf(a, cookies))
			}
		})
	}
}
