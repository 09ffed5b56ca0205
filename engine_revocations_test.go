package authsession_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/authsession/authsession"
	"github.com/authsession/authsession/internal/testclock"
	"github.com/authsession/authsession/memstore"
)

// secondInstance returns another AuthSession with the fixture's
// configuration and store: a second instance of the application.
func (f *storeFixture) secondInstance(t *testing.T) *authsession.AuthSession[authsession.User] {
	t.Helper()
	cfg := f.auth.Config
	cfg.Logger = slog.New(slog.DiscardHandler)
	auth := buildAuth(t, cfg)
	return auth
}

// TestPendingRevocation: a logout while the store is down returns
// ErrStore and clears the cookie; the copied cookie is refused at once on
// this instance, fail open or closed, even after the store is back with
// the record; the revocation is retried until it lands, after which every
// instance refuses the cookie.
func TestPendingRevocation(t *testing.T) {
	for _, failOpen := range []bool{false, true} {
		name := "fail closed"
		if failOpen {
			name = "fail open"
		}
		t.Run(name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				f := newStoreFixture(t, func(c *authsession.Config[authsession.User]) { c.StoreFailOpen = failOpen })
				other := f.secondInstance(t)
				s, cookies := f.login(t, "u_1", nil, "A")
				_, victim := f.login(t, "victim", nil, "A")
				f.store.down.Store(true)
				w := httptest.NewRecorder()
				if err := f.auth.DeleteSession(w, requestWith(cookies)); !errors.Is(err, authsession.ErrStore) {
					t.Fatalf("DeleteSession with the store down: got %v, want ErrStore", err)
				}
				if len(w.Result().Cookies()) == 0 {
					t.Errorf("DeleteSession with the store down: cookie not cleared")
				}
				if _, ok := f.get(cookies); ok {
					t.Errorf("this instance, store down: got a session, want the pending revocation to refuse it")
				}
				if _, ok := other.GetSession(requestWith(cookies)); ok != failOpen {
					t.Errorf("other instance, store down: got a session=%v, want %v (StoreFailOpen)", ok, failOpen)
				}
				f.store.down.Store(false)
				if _, ok := f.get(cookies); ok {
					t.Errorf("this instance, store back: got a session, want none")
				}
				eventually(t, "the revocation to land", func() bool {
					_, found, _ := f.store.Store.Get(context.Background(), authsession.OwnerOf("u_1"), s.ID, authsession.Touch{})
					return !found
				})
				if _, ok := other.GetSession(requestWith(cookies)); ok {
					t.Errorf("other instance after the revocation landed: got a session, want none")
				}
				for name, a := range map[string]*authsession.AuthSession[authsession.User]{"this": f.auth, "other": other} {
					if _, ok := a.GetSession(requestWith(victim)); !ok {
						t.Errorf("%s instance: another user's session got lost", name)
					}
				}
			})
		})
	}
}

// TestPendingRevokeUserSessions: "log out everywhere" while the store is
// down ends the user's sessions on this instance at once and in the store
// once it is back, but not a session the user signs in to afterwards.
func TestPendingRevokeUserSessions(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newStoreFixture(t, nil)
		ctx := context.Background()
		a, phone := f.login(t, "u_1", nil, "phone")
		b, laptop := f.login(t, "u_1", nil, "laptop")
		_, victim := f.login(t, "victim", nil, "A")
		f.store.down.Store(true)
		if _, err := f.auth.RevokeUserSessions(ctx, "u_1"); !errors.Is(err, authsession.ErrStore) {
			t.Fatalf("RevokeUserSessions with the store down: got %v, want ErrStore", err)
		}
		f.store.down.Store(false)
		for name, c := range map[string][]*http.Cookie{"phone": phone, "laptop": laptop} {
			if _, ok := f.get(c); ok {
				t.Errorf("%s after log out everywhere: got a session, want none", name)
			}
		}
		if recs, _ := f.auth.ListUserSessions(ctx, "u_1"); len(recs) != 0 {
			t.Errorf("ListUserSessions while the revocation is pending: got %d, want 0", len(recs))
		}
		// Past Leeway: a sign-in less than that after a pending log out
		// everywhere is ended too (the allowance for clock skew, see
		// TestPendingRevokeUserSessionsClockSkew).
		f.clk.Add(authsession.DefaultLeeway + time.Second)
		_, fresh := f.login(t, "u_1", nil, "tablet")
		eventually(t, "the revocation to land", func() bool {
			recs, _ := f.store.Store.ListUser(ctx, authsession.OwnerOf("u_1"))
			for _, r := range recs {
				if r.ID == a.ID || r.ID == b.ID {
					return false
				}
			}
			return true
		})
		if _, ok := f.get(fresh); !ok {
			t.Errorf("a session signed in after the failed log out everywhere: got none, want live")
		}
		if _, ok := f.get(victim); !ok {
			t.Errorf("another user's session got lost")
		}
	})
}

// TestPendingRevokeSession: signing one device out while the store is
// down is kept and retried too, and can only reach the user's own session.
func TestPendingRevokeSession(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newStoreFixture(t, nil)
		ctx := context.Background()
		s, phone := f.login(t, "u_1", nil, "phone")
		_, laptop := f.login(t, "u_1", nil, "laptop")
		other, victim := f.login(t, "victim", nil, "A")
		f.store.down.Store(true)
		if err := f.auth.RevokeSession(ctx, "u_1", s.ID); !errors.Is(err, authsession.ErrStore) {
			t.Fatalf("RevokeSession with the store down: got %v, want ErrStore", err)
		}
		// The victim's id under u_1: no effect on the victim.
		if err := f.auth.RevokeSession(ctx, "u_1", other.ID); !errors.Is(err, authsession.ErrStore) {
			t.Fatalf("RevokeSession with the store down: got %v, want ErrStore", err)
		}
		f.store.down.Store(false)
		if _, ok := f.get(phone); ok {
			t.Errorf("the revoked device: got a session, want none")
		}
		eventually(t, "the revocation to land", func() bool {
			_, found, _ := f.store.Store.Get(ctx, authsession.OwnerOf("u_1"), s.ID, authsession.Touch{})
			return !found
		})
		if _, ok := f.get(laptop); !ok {
			t.Errorf("the user's other device: got none, want live")
		}
		if _, ok := f.get(victim); !ok {
			t.Errorf("another user's session was revoked through a pending revocation")
		}
	})
}

// TestPendingRevokeUserSessionsClockSkew: a pending "log out everywhere"
// covers the sessions signed in before it on another instance whose clock
// runs ahead (by less than Leeway): clock skew never spares them, as it
// would if their creation time were compared with the clock of the
// instance that took the logout alone.
func TestPendingRevokeUserSessionsClockSkew(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newStoreFixture(t, nil)
		ctx := context.Background()
		cfg := f.auth.Config
		cfg.Logger = slog.New(slog.DiscardHandler)
		cfg.Now = func() time.Time { return f.clk.Now().Add(3 * time.Second) } // runs ahead
		ahead := buildAuth(t, cfg)
		w := httptest.NewRecorder()
		s, err := ahead.CreateSession(w, httptest.NewRequest("POST", "/login", nil), authsession.User{ID: "u_1"})
		if err != nil {
			t.Fatal(err)
		}
		f.store.down.Store(true)
		if _, err := f.auth.RevokeUserSessions(ctx, "u_1"); !errors.Is(err, authsession.ErrStore) {
			t.Fatalf("RevokeUserSessions with the store down: got %v, want ErrStore", err)
		}
		f.store.down.Store(false)
		eventually(t, "the revocation to land", func() bool {
			_, found, _ := f.store.Store.Get(ctx, authsession.OwnerOf("u_1"), s.ID, authsession.Touch{})
			return !found
		})
		if _, ok := ahead.GetSession(requestWith(w.Result().Cookies())); ok {
			t.Errorf("a session signed in before the log out everywhere, on an instance whose clock runs ahead: got live, want revoked")
		}
	})
}

// TestPendingRevokeUserSessionManyIDs pins what many device revocations
// of one user during an outage do (documented in docs/stores.md): past 32
// they become one revocation of every session the user signed in so far,
// however made up the ids. It ends that user's sessions, never another's.
func TestPendingRevokeUserSessionManyIDs(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newStoreFixture(t, nil)
		ctx := context.Background()
		_, mine := f.login(t, "u_1", nil, "phone")
		_, victim := f.login(t, "victim", nil, "A")
		f.store.down.Store(true)
		for i := range 33 {
			if err := f.auth.RevokeSession(ctx, "u_1", fmt.Sprintf("made-up-%015d", i)); !errors.Is(err, authsession.ErrStore) {
				t.Fatalf("RevokeSession with the store down: got %v, want ErrStore", err)
			}
		}
		f.store.down.Store(false)
		eventually(t, "the revocation to land", func() bool {
			recs, _ := f.store.Store.ListUser(ctx, authsession.OwnerOf("u_1"))
			return len(recs) == 0
		})
		if _, ok := f.get(mine); ok {
			t.Errorf("the user's own session: got live, want ended by the collapsed revocation")
		}
		if _, ok := f.get(victim); !ok {
			t.Errorf("another user's session got lost")
		}
	})
}

// TestPendingRevocationNotPushedOutByOtherUsers: 320 accounts log out 32
// times each while the store is down, more than the 10,000 pending
// revocations an instance keeps. The victim's revocation (signed in
// first, so expiring soonest) must not be dropped to make room, or the
// victim's copied cookie would work again once the store is back: the
// flooding accounts' revocations collapse into revocations of all their
// own sessions, and the victim's lands.
func TestPendingRevocationNotPushedOutByOtherUsers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newStoreFixture(t, func(c *authsession.Config[authsession.User]) {
			c.Logger = slog.New(slog.DiscardHandler)
		})
		ctx := context.Background()
		s, victim := f.login(t, "victim", nil, "A")
		const accounts, per = 320, 32
		var flood [][]*http.Cookie
		for a := range accounts {
			for range per {
				f.clk.Add(time.Millisecond) // the victim's expires first
				_, c := f.login(t, fmt.Sprintf("attacker-%d", a), nil, "A")
				flood = append(flood, c)
			}
		}
		f.store.down.Store(true)
		if err := f.auth.DeleteSession(httptest.NewRecorder(), requestWith(victim)); !errors.Is(err, authsession.ErrStore) {
			t.Fatalf("the victim's logout during the outage: got %v, want ErrStore", err)
		}
		for _, c := range flood {
			f.auth.DeleteSession(httptest.NewRecorder(), requestWith(c))
		}
		if _, ok := f.get(victim); ok {
			t.Errorf("store down, after the flood: the victim's copied cookie got a session, want its pending revocation to refuse it")
		}
		f.store.down.Store(false)
		eventually(t, "the victim's revocation to land", func() bool {
			_, found, _ := f.store.Store.Get(ctx, authsession.OwnerOf("victim"), s.ID, authsession.Touch{})
			return !found
		})
		if _, ok := f.get(victim); ok {
			t.Errorf("store back: the victim's copied cookie got a session, want none")
		}
		eventually(t, "the flooding accounts' revocations to land", func() bool {
			for a := range accounts {
				if recs, _ := f.store.Store.ListUser(ctx, authsession.OwnerOf(fmt.Sprintf("attacker-%d", a))); len(recs) != 0 {
					return false
				}
			}
			return true
		})
	})
}

// retriers counts the goroutines retrying pending revocations, of every
// AuthSession in the process.
func retriers() int {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			return strings.Count(string(buf[:n]), "created by github.com/authsession/authsession.(*revocations).putLocked")
		}
		buf = make([]byte, 2*len(buf))
	}
}

// quietRetriers waits until no retrying goroutine of an earlier test is
// left (their AuthSessions closed, or unreachable and collected) and
// returns how many there are: 0.
func quietRetriers(t *testing.T) int {
	t.Helper()
	collect(t, "the retrying goroutines of earlier tests to end", func() bool { return retriers() == 0 })
	return 0
}

// collect runs the garbage collector, and lets the runtime's cleanups and
// the goroutines they end run, until cond holds; it fails after 1,000
// collections. It waits on the runtime, not on a timer: no sleep.
func collect(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for range 1000 {
		runtime.GC()
		if cond() {
			return
		}
		runtime.Gosched()
	}
	t.Fatalf("%s: not after 1,000 garbage collections", what)
}

// pendingFixture is a fixture whose store is down, with a logout pending
// (the session's id, and the copied cookie).
func pendingFixture(t *testing.T) (*storeFixture, authsession.Session[authsession.User], []*http.Cookie) {
	t.Helper()
	f := newStoreFixture(t, func(c *authsession.Config[authsession.User]) { c.Logger = slog.New(slog.DiscardHandler) })
	s, cookies := f.login(t, "u_1", nil, "A")
	f.store.down.Store(true)
	if err := f.auth.DeleteSession(httptest.NewRecorder(), requestWith(cookies)); !errors.Is(err, authsession.ErrStore) {
		t.Fatalf("DeleteSession with the store down: got %v, want ErrStore", err)
	}
	return f, s, cookies
}

// TestCloseEndsRetrier: Close ends the goroutine that retries pending
// revocations, making one last attempt: with the store still down it
// abandons them (ErrStore), with the store back they land. It is
// idempotent, and afterwards the AuthSession works but starts no
// goroutine: a failed revocation is still refused here, not retried.
// Without Close the goroutine would outlive its AuthSession for up to
// MaxLifetime.
func TestCloseEndsRetrier(t *testing.T) {
	t.Run("abandon", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			ctx := context.Background()
			before := quietRetriers(t)
			var fixtures []*storeFixture
			for range 20 {
				f, _, _ := pendingFixture(t)
				fixtures = append(fixtures, f)
			}
			if got := retriers() - before; got != 20 {
				t.Fatalf("retrying goroutines with 20 revocations pending: got %d, want 20", got)
			}
			for i, f := range fixtures {
				cctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
				if err := f.auth.Close(cctx); !errors.Is(err, authsession.ErrStore) {
					t.Errorf("Close %d with the store down: got %v, want ErrStore (abandoned)", i, err)
				}
				cancel()
				if err := f.auth.Close(ctx); err != nil {
					t.Errorf("Close %d again: got %v, want nil", i, err)
				}
			}
			// Close waited for each to finish; the bubble lets them exit.
			eventually(t, "the retrying goroutines to exit after Close", func() bool { return retriers() <= before })
		})
	})
	t.Run("flush", func(t *testing.T) {
		ctx := context.Background()
		f, s, cookies := pendingFixture(t)
		f.store.down.Store(false)
		if err := f.auth.Close(ctx); err != nil {
			t.Errorf("Close with the store back: got %v, want nil (the revocation landed)", err)
		}
		if _, found, _ := f.store.Store.Get(ctx, authsession.OwnerOf("u_1"), s.ID, authsession.Touch{}); found {
			t.Errorf("Close with the store back: the store still holds the session")
		}
		if _, ok := f.get(cookies); ok {
			t.Errorf("after Close: the logged-out cookie got a session")
		}
	})
	t.Run("after close", func(t *testing.T) {
		ctx := context.Background()
		f := newStoreFixture(t, func(c *authsession.Config[authsession.User]) { c.Logger = slog.New(slog.DiscardHandler) })
		if err := f.auth.Close(ctx); err != nil {
			t.Fatalf("Close with nothing pending: got %v, want nil", err)
		}
		base := retriers()
		_, cookies := f.login(t, "u_1", nil, "A")
		if _, ok := f.get(cookies); !ok {
			t.Fatalf("sign-in after Close: got no session")
		}
		f.store.down.Store(true)
		if err := f.auth.DeleteSession(httptest.NewRecorder(), requestWith(cookies)); !errors.Is(err, authsession.ErrStore) {
			t.Errorf("DeleteSession after Close with the store down: got %v, want ErrStore", err)
		}
		f.store.down.Store(false)
		if _, ok := f.get(cookies); ok {
			t.Errorf("after Close: a revocation that failed is no longer refused here")
		}
		if got := retriers() - base; got != 0 {
			t.Errorf("after Close: a failed revocation started %d retrying goroutines, want 0", got)
		}
	})
}

// TestDroppedAuthSessionEndsRetrier: AuthSessions dropped without Close
// (a configuration reload) while a revocation is pending. Their retrying
// goroutines end once the garbage collector finds them unreachable.
func TestDroppedAuthSessionEndsRetrier(t *testing.T) {
	before := quietRetriers(t)
	func() {
		var kept []*authsession.AuthSession[authsession.User]
		for range 20 {
			kept = append(kept, droppedFixture(t))
		}
		if got := retriers() - before; got != 20 {
			t.Fatalf("retrying goroutines with 20 revocations pending: got %d, want 20", got)
		}
		runtime.KeepAlive(kept)
	}()
	collect(t, "the retrying goroutines of dropped AuthSessions to end", func() bool { return retriers() <= before })
}

// droppedFixture is an AuthSession with a logout pending on a store that
// is down, built without the fixtures' Close at cleanup, so that nothing
// keeps it reachable once the caller drops it.
func droppedFixture(t *testing.T) *authsession.AuthSession[authsession.User] {
	t.Helper()
	clk := testclock.New(time.UnixMilli(1_767_139_200_000))
	st := &countingStore{Store: memstore.New(memstore.Options{Now: clk.Now})}
	auth, err := authsession.NextAuthSession(authsession.Config[authsession.User]{
		Secret: storeTestSecret, Now: clk.Now, Store: st, Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	w := httptest.NewRecorder()
	if _, err := auth.CreateSession(w, httptest.NewRequest("POST", "/login", nil), authsession.User{ID: "u_1"}); err != nil {
		t.Fatal(err)
	}
	st.down.Store(true)
	if err := auth.DeleteSession(httptest.NewRecorder(), requestWith(w.Result().Cookies())); !errors.Is(err, authsession.ErrStore) {
		t.Fatalf("DeleteSession with the store down: got %v, want ErrStore", err)
	}
	return auth
}
