package authsession_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/authsession/authsession"
	"github.com/authsession/authsession/memstore"
)

// TestAdversarialReplayStore: with a store, a cookie copied before logout
// (or before "log out everywhere", or before a new sign-in) is "no
// session" afterwards, on every route, and cannot be brought back by a
// refresh.
func TestAdversarialReplayStore(t *testing.T) {
	ctx := context.Background()
	newStoreHarness := func(t *testing.T) *harness {
		store := memstore.New(memstore.Options{Now: func() time.Time { return advNow }})
		return newHarness(t, withStore(store))
	}
	// replayed checks every way a copied cookie could still be used.
	replayed := func(t *testing.T, h *harness, what, cookie string) {
		t.Helper()
		if code, body := h.whoami(t, cookie); code != http.StatusOK || body != "none" {
			t.Errorf("%s: GET /whoami: got %d %q, want 200 %q", what, code, body, "none")
		}
		if _, ok := apiSession(t, h, cookie); ok {
			t.Errorf("%s: GET /api/session: got a session, want null", what)
		}
		if resp, body := h.raw(t, http.MethodGet, "/dashboard", "Cookie: "+cookie); resp.StatusCode != http.StatusTemporaryRedirect || strings.Contains(body, dashboardContent) {
			t.Errorf("%s: GET /dashboard: got %d, want 307 to the login page", what, resp.StatusCode)
		}
		resp, _ := h.raw(t, http.MethodPost, "/api/session", "Cookie: "+cookie)
		if resp.StatusCode == http.StatusOK && h.setCookies(resp) != "" {
			t.Errorf("%s: POST /api/session: got 200 with a new cookie, want no session to refresh", what)
		}
		if resp.StatusCode >= 500 {
			t.Errorf("%s: POST /api/session: got status %d, want no 5xx", what, resp.StatusCode)
		}
		if code, body := h.whoami(t, cookie); body != "none" {
			t.Errorf("%s: after a refresh attempt: got %d %q, want %q", what, code, body, "none")
		}
	}

	t.Run("logout", func(t *testing.T) {
		h := newStoreHarness(t)
		id, cookie := h.login(t, "ann")
		copied := cookie
		if code, body := h.whoami(t, copied); body != "session:"+id {
			t.Fatalf("control: got %d %q, want the session", code, body)
		}
		resp, _ := h.raw(t, http.MethodDelete, "/api/session", "Cookie: "+cookie)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("DELETE /api/session: got status %d, want 200", resp.StatusCode)
		}
		replayed(t, h, "copy after logout", copied)
		h.stillServing(t)
	})

	t.Run("RevokeUserSessions kills every copy", func(t *testing.T) {
		h := newStoreHarness(t)
		_, laptop := h.login(t, "ann")
		_, phone := h.login(t, "ann")
		n, err := h.auth.RevokeUserSessions(ctx, "u_1")
		if err != nil || n < 2 {
			t.Fatalf("RevokeUserSessions: got %d, %v; want at least 2, nil", n, err)
		}
		replayed(t, h, "laptop", laptop)
		replayed(t, h, "phone", phone)
		recs, err := h.auth.ListUserSessions(ctx, "u_1")
		if err != nil || len(recs) != 0 {
			t.Errorf("ListUserSessions after revoking: got %d records, %v; want 0, nil", len(recs), err)
		}
		h.stillServing(t)
	})

	t.Run("RevokeSession ends one device", func(t *testing.T) {
		h := newStoreHarness(t)
		laptopID, laptop := h.login(t, "ann")
		phoneID, phone := h.login(t, "ann")
		if err := h.auth.RevokeSession(ctx, "someone-else", laptopID); !errors.Is(err, authsession.ErrNoSession) {
			t.Errorf("RevokeSession of another user's session: got %v, want ErrNoSession", err)
		}
		if code, body := h.whoami(t, laptop); body != "session:"+laptopID {
			t.Fatalf("after a refused revoke: got %d %q, want the session", code, body)
		}
		if err := h.auth.RevokeSession(ctx, "u_1", laptopID); err != nil {
			t.Fatalf("RevokeSession: %v", err)
		}
		replayed(t, h, "revoked laptop", laptop)
		if code, body := h.whoami(t, phone); body != "session:"+phoneID {
			t.Errorf("other device: got %d %q, want its session", code, body)
		}
	})

	t.Run("sign-in over a session revokes the old one", func(t *testing.T) {
		h := newStoreHarness(t)
		_, old := h.login(t, "attacker")
		resp, _ := h.raw(t, http.MethodPost, "/signin?name=victim", "Cookie: "+old)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("POST /signin: got status %d, want 200", resp.StatusCode)
		}
		fresh := h.setCookies(resp)
		replayed(t, h, "cookie from before sign-in", old)
		if name, ok := apiSession(t, h, fresh); !ok || name != "victim" {
			t.Errorf("new cookie: got session %v name %q, want name %q", ok, name, "victim")
		}
	})

	t.Run("without a store a copy outlives logout (documented)", func(t *testing.T) {
		// SECURITY.md threat 9: stateless sessions cannot be revoked.
		// This pins the documented behaviour so a change is noticed.
		h := newHarness(t)
		id, cookie := h.login(t, "ann")
		resp, _ := h.raw(t, http.MethodDelete, "/api/session", "Cookie: "+cookie)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("DELETE /api/session: got status %d, want 200", resp.StatusCode)
		}
		if code, body := h.whoami(t, cookie); body != "session:"+id {
			t.Errorf("copy after logout without a store: got %d %q, want still the session (documented limitation)", code, body)
		}
	})
}

// TestStoreFullRefusesSignIn: a memory store full of live sessions
// refuses a new sign-in with ErrStore (wrapping ErrStoreFull) and sets no
// cookie; every signed-in user stays signed in; a user signing in again
// over their own session, or after an expiry, gets in.
func TestStoreFullRefusesSignIn(t *testing.T) {
	f := newStoreFixture(t, func(c *authsession.Config[authsession.User]) {
		c.Store = &countingStore{Store: memstore.New(memstore.Options{MaxSessions: 3, Now: c.Now})}
		c.Expiry, c.RefreshThreshold = time.Hour, 10*time.Minute
	})
	signedIn := map[string][]*http.Cookie{}
	for _, u := range []string{"ann", "bob", "cy"} {
		_, signedIn[u] = f.login(t, u, nil, "A")
		f.clk.Add(time.Minute)
	}
	w := httptest.NewRecorder()
	_, err := f.auth.CreateSession(w, httptest.NewRequest("POST", "/login", nil), authsession.User{ID: "mallory"})
	if !errors.Is(err, authsession.ErrStore) || !errors.Is(err, authsession.ErrStoreFull) {
		t.Errorf("CreateSession in a full store: got %v, want ErrStore and ErrStoreFull", err)
	}
	if len(w.Result().Cookies()) != 0 {
		t.Errorf("CreateSession in a full store set a cookie")
	}
	for u, cookies := range signedIn {
		if _, ok := f.get(cookies); !ok {
			t.Errorf("%s: signed out by another user's sign-in", u)
		}
	}
	// Bob signs in again from his browser: his old session makes room.
	if _, c := f.login(t, "bob", signedIn["bob"], "A"); len(c) == 0 {
		t.Errorf("bob's re-sign-in in a full store: no cookie")
	}
	// Once ann's session has expired, a newcomer gets its room.
	f.clk.Add(58*time.Minute + time.Second)
	if _, c := f.login(t, "dee", nil, "A"); len(c) == 0 {
		t.Errorf("sign-in after an expiry made room: no cookie")
	}
}

// TestStoreSignInFloodCostsOnlyTheFlooder: one account signing in many
// times keeps at most DefaultMaxSessionsPerUser sessions (its own oldest
// go), its device list stays that short, and another user stays signed in.
func TestStoreSignInFloodCostsOnlyTheFlooder(t *testing.T) {
	f := newStoreFixture(t, nil)
	_, victim := f.login(t, "victim", nil, "A")
	_, first := f.login(t, "mallory", nil, "A")
	var last []*http.Cookie
	for range 500 {
		f.clk.Add(time.Millisecond)
		_, last = f.login(t, "mallory", nil, "A")
	}
	if _, ok := f.get(victim); !ok {
		t.Errorf("a sign-in flood signed another user out")
	}
	if _, ok := f.get(last); !ok {
		t.Errorf("the flood's newest session: got none, want live")
	}
	if _, ok := f.get(first); ok {
		t.Errorf("the flood's first session: got live, want pushed out by the user's cap")
	}
	recs, err := f.auth.ListUserSessions(context.Background(), "mallory")
	if err != nil || len(recs) != authsession.DefaultMaxSessionsPerUser {
		t.Errorf("ListUserSessions(mallory): got %d, %v, want %d", len(recs), err, authsession.DefaultMaxSessionsPerUser)
	}
}
