package pgstore_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/authsession/authsession"
	"github.com/authsession/authsession/pgstore"
	"github.com/authsession/authsession/storetest"
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

// TestServerStorage runs the conformance suite's server storage checks
// (storetest.RunServerStorage: two instances see one session, concurrent
// saves lose no acknowledged change, a sign-out wins over saves) on one
// table.
func TestServerStorage(t *testing.T) {
	storetest.RunServerStorage(t, func(t *testing.T) (authsession.Store, authsession.Store) { return twoStores(t) })
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
