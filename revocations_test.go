package authsession_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/authsession/authsession"
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
			waitFor(t, "the revocation to land", func() bool {
				_, found, _ := f.store.Store.Get(context.Background(), "u_1", s.ID)
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
	}
}

// TestPendingRevokeUserSessions: "log out everywhere" while the store is
// down ends the user's sessions on this instance at once and in the store
// once it is back, but not a session the user signs in to afterwards.
func TestPendingRevokeUserSessions(t *testing.T) {
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
	f.clk.Add(time.Second)
	_, fresh := f.login(t, "u_1", nil, "tablet")
	waitFor(t, "the revocation to land", func() bool {
		recs, _ := f.store.Store.ListUser(ctx, "u_1")
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
}

// TestPendingRevokeUserSession: signing one device out while the store is
// down is kept and retried too, and can only reach the user's own session.
func TestPendingRevokeUserSession(t *testing.T) {
	f := newStoreFixture(t, nil)
	ctx := context.Background()
	s, phone := f.login(t, "u_1", nil, "phone")
	_, laptop := f.login(t, "u_1", nil, "laptop")
	other, victim := f.login(t, "victim", nil, "A")
	f.store.down.Store(true)
	if err := f.auth.RevokeUserSession(ctx, "u_1", s.ID); !errors.Is(err, authsession.ErrStore) {
		t.Fatalf("RevokeUserSession with the store down: got %v, want ErrStore", err)
	}
	// The victim's id under u_1: no effect on the victim.
	if err := f.auth.RevokeUserSession(ctx, "u_1", other.ID); !errors.Is(err, authsession.ErrStore) {
		t.Fatalf("RevokeUserSession with the store down: got %v, want ErrStore", err)
	}
	f.store.down.Store(false)
	if _, ok := f.get(phone); ok {
		t.Errorf("the revoked device: got a session, want none")
	}
	waitFor(t, "the revocation to land", func() bool {
		_, found, _ := f.store.Store.Get(ctx, "u_1", s.ID)
		return !found
	})
	if _, ok := f.get(laptop); !ok {
		t.Errorf("the user's other device: got none, want live")
	}
	if _, ok := f.get(victim); !ok {
		t.Errorf("another user's session was revoked through a pending revocation")
	}
}
