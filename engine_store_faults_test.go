package authsession_test

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/authsession/authsession"
	"github.com/authsession/authsession/memstore"
)

func TestStoreFailurePolicy(t *testing.T) {
	tests := []struct {
		name     string
		failOpen bool
		wantOK   bool
	}{
		{"fail closed (default)", false, false},
		{"fail open", true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newStoreFixture(t, func(c *authsession.Config[authsession.User]) { c.StoreFailOpen = tt.failOpen })
			s, cookies := f.login(t, "u_1", nil, "A")
			f.store.down.Store(true)
			if _, ok := f.get(cookies); ok != tt.wantOK {
				t.Errorf("GetSession with the store down: got ok=%v, want %v", ok, tt.wantOK)
			}
			logs := f.logs.String()
			if !strings.Contains(logs, "level=WARN") || !strings.Contains(logs, "session store unavailable") {
				t.Errorf("log: got %q, want a warning about the store", logs)
			}
			for _, c := range cookies {
				if strings.Contains(logs, c.Value[:20]) {
					t.Errorf("log contains the token")
				}
			}
			if strings.Contains(logs, s.ID) {
				t.Errorf("log contains the session id")
			}

			// Signing in fails rather than issuing an unrecorded cookie.
			r := httptest.NewRequest("POST", "/login", nil)
			w := httptest.NewRecorder()
			_, err := f.auth.CreateSession(w, r, authsession.User{ID: "u_1"})
			if !errors.Is(err, authsession.ErrStore) {
				t.Errorf("CreateSession with the store down: got %v, want ErrStore", err)
			}
			if len(w.Result().Cookies()) != 0 {
				t.Errorf("CreateSession with the store down set a cookie")
			}
			ctx := context.Background()
			if _, err := f.auth.ListUserSessions(ctx, "u_1"); !errors.Is(err, authsession.ErrStore) {
				t.Errorf("ListUserSessions: got %v, want ErrStore", err)
			}

			// Recovery: the session is live again once the store is back.
			f.store.down.Store(false)
			if _, ok := f.get(cookies); !ok {
				t.Errorf("after recovery: got no session, want one")
			}

			// Revocations during an outage fail with ErrStore but are not
			// lost: the session stays revoked once the store is back.
			f.store.down.Store(true)
			if _, err := f.auth.RevokeUserSessions(ctx, "u_1"); !errors.Is(err, authsession.ErrStore) {
				t.Errorf("RevokeUserSessions: got %v, want ErrStore", err)
			}
			// Logging out clears the cookie and reports the failed revocation.
			w = httptest.NewRecorder()
			if err := f.auth.DeleteSession(w, requestWith(cookies)); !errors.Is(err, authsession.ErrStore) {
				t.Errorf("DeleteSession: got %v, want ErrStore", err)
			}
			if len(w.Result().Cookies()) == 0 {
				t.Errorf("DeleteSession with the store down: cookie not cleared")
			}
			f.store.down.Store(false)
			if _, ok := f.get(cookies); ok {
				t.Errorf("after recovery from a failed logout: got a session, want none")
			}
		})
	}
}

func TestStoreLogoutWhileStoreWasFailingRevokes(t *testing.T) {
	// DeleteSession revokes the cookie's session even when the guard's
	// store check failed: a logout must never leave a live record.
	f := newStoreFixture(t, nil)
	_, cookies := f.login(t, "u_1", nil, "A")
	if err := f.auth.DeleteSession(httptest.NewRecorder(), requestWith(cookies)); err != nil {
		t.Fatal(err)
	}
	if recs, _ := f.auth.ListUserSessions(context.Background(), "u_1"); len(recs) != 0 {
		t.Errorf("after logout: got %d live records, want 0", len(recs))
	}
}

func TestStoreTimeoutConfig(t *testing.T) {
	store := memstore.New(memstore.Options{})
	tests := []struct {
		name    string
		timeout time.Duration
		want    time.Duration
		wantErr bool
	}{
		{"default", 0, authsession.DefaultStoreTimeout, false},
		{"set", 2 * time.Second, 2 * time.Second, false},
		{"negative", -time.Millisecond, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			auth, err := authsession.NextAuthSession(authsession.Config[authsession.User]{
				Secret: storeTestSecret, Store: store, StoreTimeout: tt.timeout,
			})
			if tt.wantErr {
				if !errors.Is(err, authsession.ErrConfig) || !strings.Contains(err.Error(), "StoreTimeout") {
					t.Errorf("got %v, want ErrConfig naming StoreTimeout", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := auth.Config.StoreTimeout; got != tt.want {
				t.Errorf("StoreTimeout: got %v, want %v", got, tt.want)
			}
		})
	}
	if authsession.DefaultStoreTimeout != 250*time.Millisecond {
		t.Errorf("DefaultStoreTimeout: got %v, want 250ms (documented in docs/configuration.md)", authsession.DefaultStoreTimeout)
	}
}

// TestStoreTimeout freezes the store: every operation that needs it gives
// up at Config.StoreTimeout instead of waiting with it, in parallel
// requests too, and fails closed (or open); nothing is lost once it thaws.
func TestStoreTimeout(t *testing.T) {
	const timeout = 50 * time.Millisecond
	for _, failOpen := range []bool{false, true} {
		t.Run(fmt.Sprintf("failOpen=%v", failOpen), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				f := newStoreFixture(t, func(c *authsession.Config[authsession.User]) {
					c.StoreTimeout, c.StoreFailOpen = timeout, failOpen
				})
				_, victim := f.login(t, "victim", nil, "A")
				_, cookies := f.login(t, "u_1", nil, "A")
				f.store.hang.Store(true)
				// timed runs op, which makes calls store operations, each
				// under its own deadline.
				timed := func(name string, calls int, op func() error) {
					t.Helper()
					start := time.Now()
					err := op()
					if d, want := time.Since(start), time.Duration(calls)*timeout; d != want {
						t.Errorf("%s with a frozen store: took %v of the bubble's time, want %v", name, d, want)
					}
					if !errors.Is(err, authsession.ErrStore) {
						t.Errorf("%s with a frozen store: got %v, want ErrStore", name, err)
					}
				}
				timed("GetSession", 1, func() error {
					if _, ok := f.get(cookies); ok != failOpen {
						t.Errorf("GetSession: got ok=%v, want %v", ok, failOpen)
					}
					return authsession.ErrStore
				})
				w := httptest.NewRecorder()
				timed("CreateSession", 1, func() error {
					_, err := f.auth.CreateSession(w, httptest.NewRequest("POST", "/login", nil), authsession.User{ID: "u_2"})
					return err
				})
				if len(w.Result().Cookies()) != 0 {
					t.Errorf("CreateSession with a frozen store set a cookie")
				}
				ctx := context.Background()
				timed("ListUserSessions", 1, func() error { _, err := f.auth.ListUserSessions(ctx, "u_1"); return err })

				// Parallel requests each wait for their own deadline, not in turn.
				start := time.Now()
				var wg sync.WaitGroup
				for range 20 {
					wg.Add(1)
					go func() { defer wg.Done(); f.get(cookies) }()
				}
				wg.Wait()
				if d := time.Since(start); d != timeout {
					t.Errorf("20 parallel reads with a frozen store: took %v of the bubble's time, want %v", d, timeout)
				}

				w = httptest.NewRecorder()
				// Reading the session, then revoking it: two operations.
				timed("DeleteSession", 2, func() error { return f.auth.DeleteSession(w, requestWith(cookies)) })
				if len(w.Result().Cookies()) == 0 {
					t.Errorf("DeleteSession with a frozen store: cookie not cleared")
				}
				f.store.hang.Store(false)
				if _, ok := f.get(cookies); ok {
					t.Errorf("after the thaw: the session logged out while frozen got live, want revoked")
				}
				if _, ok := f.get(victim); !ok {
					t.Errorf("after the thaw: another user's session got lost")
				}
			})
		})
	}
}

// TestStoreDropsWrites: a store that loses writes costs the sessions whose
// writes it lost, never another user's, and never keeps a logged-out
// session alive on this instance: a revocation is read back, and one the
// store dropped is kept and retried.
func TestStoreDropsWrites(t *testing.T) {
	newFixture := func(t *testing.T) (*storeFixture, *countingStore, authsession.Store) {
		f := newStoreFixture(t, func(c *authsession.Config[authsession.User]) {
			c.Expiry, c.RefreshThreshold = time.Hour, 10*time.Minute
		})
		return f, f.store, f.store.Store
	}
	t.Run("dropped sign-in", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			f, d, _ := newFixture(t)
			_, victim := f.login(t, "victim", nil, "A")
			d.dropCreates.Store(true)
			_, cookies := f.login(t, "u_1", nil, "A")
			if _, ok := f.get(cookies); ok {
				t.Errorf("a sign-in the store dropped: got a session, want none")
			}
			if _, ok := f.get(victim); !ok {
				t.Errorf("another user's session got lost")
			}
		})
	})
	t.Run("dropped touch", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			f, d, _ := newFixture(t)
			_, cookies := f.login(t, "u_1", nil, "A")
			f.clk.Add(30 * time.Minute)
			_, victim := f.login(t, "victim", nil, "A")
			d.dropTouches.Store(true)
			f.clk.Add(20 * time.Minute)
			w := httptest.NewRecorder()
			if _, err := f.auth.RefreshSession(w, requestWith(cookies)); !errors.Is(err, authsession.ErrConflict) {
				t.Fatalf("a refresh the store did not take: got %v, want ErrConflict", err)
			}
			if n := len(w.Result().Cookies()); n != 0 {
				t.Errorf("a refresh the store did not take: got %d cookies, want none", n)
			}
			f.clk.Add(11 * time.Minute) // past the record's first expiry
			if _, ok := f.get(cookies); ok {
				t.Errorf("a session whose refresh the store dropped outlived its record")
			}
			if _, ok := f.get(victim); !ok {
				t.Errorf("another user's session got lost")
			}
		})
	})
	t.Run("dropped revocation", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			f, d, inner := newFixture(t)
			_, victim := f.login(t, "victim", nil, "A")
			s, cookies := f.login(t, "u_1", nil, "A")
			d.dropRevokes.Store(true)
			w := httptest.NewRecorder()
			if err := f.auth.DeleteSession(w, requestWith(cookies)); !errors.Is(err, authsession.ErrStore) {
				t.Errorf("DeleteSession on a store that dropped it: got %v, want ErrStore", err)
			}
			if _, ok := f.get(cookies); ok {
				t.Errorf("a logout the store dropped: got a session, want none")
			}
			if _, ok := f.get(victim); !ok {
				t.Errorf("another user's session got lost")
			}
			d.dropRevokes.Store(false)
			eventually(t, "the retried revocation to land", func() bool {
				_, found, _ := inner.Get(context.Background(), authsession.OwnerOf("u_1"), s.ID, authsession.Touch{})
				return !found
			})
			if _, ok := f.get(victim); !ok {
				t.Errorf("after the retry: another user's session got lost")
			}
		})
	})
}
