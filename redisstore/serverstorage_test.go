package redisstore_test

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
	"github.com/authsession/authsession/redisstore"
	"github.com/redis/go-redis/v9"
)

// Server storage (authsession.StorageServer) on Redis and Redis Cluster:
// the cookie holds the session's id, Redis the session.

// serverApp returns an application instance in server storage on rdb,
// keys under pfx, giving up on the store after timeout (the default when
// 0).
func serverApp(t *testing.T, rdb redis.UniversalClient, pfx string, timeout time.Duration) *authsession.AuthSession[authsession.User] {
	t.Helper()
	auth, err := authsession.NextAuthSession(authsession.Config[authsession.User]{
		Secret:       secret,
		Storage:      authsession.StorageServer,
		Store:        redisstore.New(rdb, redisstore.Options{Prefix: pfx}),
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

// TestServerStorageTwoInstances: two instances (each its own client) on
// one Redis, or one cluster, see one session, anonymous and signed in:
// each reads what the other wrote, signing in on one keeps the visitor's
// data under a new id, and a sign-out on one ends the session and its
// data on both.
func TestServerStorageTwoInstances(t *testing.T) {
	for _, kind := range kinds {
		t.Run(kind, func(t *testing.T) {
			pfx := prefix(t)
			one, two := serverApp(t, connect(t, kind), pfx, 0), serverApp(t, connect(t, kind), pfx, 0)
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
		})
	}
}

// TestServerStorageConcurrentSaves: requests on two instances change one
// session at once. Every change acknowledged is in the session afterwards
// (no lost update); one the engine could not apply after its retries is
// ErrConflict, never silence.
func TestServerStorageConcurrentSaves(t *testing.T) {
	for _, kind := range kinds {
		t.Run(kind, func(t *testing.T) {
			pfx := prefix(t)
			apps := []*authsession.AuthSession[authsession.User]{serverApp(t, connect(t, kind), pfx, 0), serverApp(t, connect(t, kind), pfx, 0)}
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
		})
	}
}

// TestServerStorageSignOutWinsOverSaves: many times over, one instance
// changes a session in a loop while the other signs it out: once
// DeleteSession has returned, the session and its data are gone on both
// instances. Signed-in and anonymous sessions alternate.
func TestServerStorageSignOutWinsOverSaves(t *testing.T) {
	for _, kind := range kinds {
		t.Run(kind, func(t *testing.T) {
			pfx := prefix(t)
			one, two := serverApp(t, connect(t, kind), pfx, 0), serverApp(t, connect(t, kind), pfx, 0)
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
						// After the sign-out a save finds no session (for
						// a visitor it starts a new one, under another id).
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
		})
	}
}

// TestServerStorageRoundTrips: in server storage, a signed-in request that
// only reads sends one command (its last-seen write folded in), one that
// changes the session two (the read and the save), and a visitor's
// request that stores nothing none.
func TestServerStorageRoundTrips(t *testing.T) {
	for _, kind := range kinds {
		t.Run(kind, func(t *testing.T) {
			rdb := connect(t, kind)
			var c commandCounter
			rdb.AddHook(&c)
			a := serverApp(t, rdb, prefix(t), 0)
			c.n.Store(0)
			if a.IsAuthenticated(request(nil)) || a.SessionData(request(nil)) != nil || c.n.Load() != 0 {
				t.Errorf("a visitor's read: %d commands, want 0", c.n.Load())
			}
			cookies := signIn(t, a, nil, "u_1")
			for round := range 2 { // the first round loads the scripts
				c.n.Store(0)
				if !a.IsAuthenticated(request(cookies)) {
					t.Fatal("not signed in")
				}
				if n := c.n.Load(); round == 1 && n != 1 {
					t.Errorf("a signed-in read: %d commands, want 1", n)
				}
				c.n.Store(0)
				if err := a.SetData(httptest.NewRecorder(), request(cookies), "k", round); err != nil {
					t.Fatal(err)
				}
				if n := c.n.Load(); round == 1 && n != 2 {
					t.Errorf("a signed-in change: %d commands, want 2 (read, save)", n)
				}
			}
		})
	}
}

// TestServerStorageFailsClosed: with Redis frozen, then killed, the
// session API answers 503 (not a signed-out session, not a hang), a
// change fails with ErrStore, and once Redis is back the session and its
// data are there.
func TestServerStorageFailsClosed(t *testing.T) {
	p := ownRedis(t)
	rdb := redis.NewClient(&redis.Options{Addr: p.addr(), ContextTimeoutEnabled: true, MaxRetries: -1})
	t.Cleanup(func() { rdb.Close() })
	a := serverApp(t, rdb, prefix(t), 100*time.Millisecond)
	cookies, err := setData(a, signIn(t, a, nil, "u_1"), "cart", 3)
	if err != nil {
		t.Fatal(err)
	}
	if err := rdb.Save(context.Background()).Err(); err != nil { // kept across the restart below
		t.Fatal(err)
	}
	api := func() int {
		w := httptest.NewRecorder()
		r := request(cookies)
		r.URL.Path = "/api/session"
		a.Handlers.ServeHTTP(w, r)
		return w.Code
	}
	check := func(state string) {
		t.Helper()
		if code := api(); code != http.StatusServiceUnavailable {
			t.Errorf("GET /api/session, Redis %s: got %d, want 503", state, code)
		}
		if a.IsAuthenticated(request(cookies)) {
			t.Errorf("Redis %s: got signed in, want fail closed", state)
		}
		if _, err := setData(a, cookies, "cart", 4); !errors.Is(err, authsession.ErrStore) {
			t.Errorf("SetData, Redis %s: got %v, want ErrStore", state, err)
		}
	}
	p.freeze(t)
	check("frozen")
	p.thaw(t)
	p.kill()
	check("down")
	p.start(t)
	if code := api(); code != http.StatusOK || dataOf(a, cookies)["cart"] != "3" {
		t.Errorf("Redis back: GET /api/session %d, data %v; want 200 and the data as it was", code, dataOf(a, cookies))
	}
}
