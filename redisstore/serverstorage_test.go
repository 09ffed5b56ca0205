package redisstore_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/authsession/authsession"
	"github.com/authsession/authsession/redisstore"
	"github.com/authsession/authsession/storetest"
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

// TestServerStorage runs the conformance suite's server storage checks
// (storetest.RunServerStorage: two instances see one session, concurrent
// saves lose no acknowledged change, a sign-out wins over saves) on one
// Redis and on a cluster.
func TestServerStorage(t *testing.T) {
	for _, kind := range kinds {
		t.Run(kind, func(t *testing.T) {
			storetest.RunServerStorage(t, func(t *testing.T) (authsession.Store, authsession.Store) { return twoStores(t, kind) })
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
