package oidc_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/authsession/authsession"
	"github.com/authsession/authsession/oidc"
)

const logoutEvent = "http://schemas.openid.net/event/backchannel-logout"

// logoutClaims are a valid logout token's claims for the world's
// provider; sid and sub as given ("" leaves one out).
func logoutClaims(w *world, sid, sub string) map[string]any {
	c := map[string]any{
		"iss": w.op.issuer, "aud": w.op.clientID, "iat": w.clock.Now().Unix(),
		"exp": w.clock.Now().Add(time.Hour).Unix(), "jti": "jti-" + sid + sub,
		"events": map[string]any{logoutEvent: map[string]any{}},
	}
	if sid != "" {
		c["sid"] = sid
	}
	if sub != "" {
		c["sub"] = sub
	}
	return c
}

// postLogout posts a logout token to a's back-channel endpoint.
func postLogout(w *world, a *app, token string) (int, string) {
	b := w.browser()
	res, body := b.do(http.MethodPost, a.origin+"/auth/backchannel-logout/op", url.Values{"logout_token": {token}}, nil)
	return res.StatusCode, body
}

func newBackChannelApp(w *world, store oidc.Store) *app {
	return w.newApp(appOptions{
		authStore: memAuthStore(),
		store:     store,
		oidc:      func(c *configT) { c.BackChannelLogout = true },
	})
}

// signInAs signs a new browser in while the provider's session id is sid.
func signInAs(w *world, a *app, sid string) *browser {
	w.op.sid = sid
	b := w.browser()
	b.signIn(a, "/")
	if !b.signedIn(a) {
		w.t.Fatalf("sign-in with sid %s failed", sid)
	}
	return b
}

func TestBackChannelLogout(t *testing.T) {
	w := newWorld(t)
	a := newBackChannelApp(w, nil)
	one, two := signInAs(w, a, "sid-1"), signInAs(w, a, "sid-2")
	// By sid: that session only.
	if status, body := postLogout(w, a, w.op.sign(logoutClaims(w, "sid-1", ""))); status != 200 {
		t.Fatalf("logout by sid: %d %s", status, body)
	}
	if one.signedIn(a) || !two.signedIn(a) {
		t.Errorf("after logout by sid-1: one signed in %v, two %v; want false, true", one.signedIn(a), two.signedIn(a))
	}
	// By sub: every session of the user.
	three := signInAs(w, a, "sid-3")
	if status, body := postLogout(w, a, w.op.sign(logoutClaims(w, "", "user-1"))); status != 200 {
		t.Fatalf("logout by sub: %d %s", status, body)
	}
	if two.signedIn(a) || three.signedIn(a) {
		t.Error("a session of the user survived logout by sub")
	}
	// No matching session: still 200.
	if status, _ := postLogout(w, a, w.op.sign(logoutClaims(w, "sid-unknown", ""))); status != 200 {
		t.Errorf("logout of an unknown sid: %d, want 200", status)
	}
}

func TestBackChannelLogoutBadTokens(t *testing.T) {
	w := newWorld(t)
	a := newBackChannelApp(w, nil)
	b := signInAs(w, a, "sid-1")
	other := newFakeOP(t, opIssuer) // same issuer, a key the verifier does not trust
	set := func(k string, v any) func(map[string]any) {
		return func(c map[string]any) {
			if v == nil {
				delete(c, k)
			} else {
				c[k] = v
			}
		}
	}
	for _, tc := range []struct {
		name   string
		mutate func(map[string]any)
		raw    string // sent as it is instead, when set
		signer *fakeOP
	}{
		{name: "wrong audience", mutate: set("aud", "client-2")},
		{name: "expired", mutate: set("exp", w.clock.Now().Add(-time.Hour).Unix())},
		{name: "with a nonce", mutate: set("nonce", "n")},
		{name: "other issuer", mutate: set("iss", "https://evil.test")},
		{name: "no events claim", mutate: set("events", nil)},
		{name: "other event", mutate: set("events", map[string]any{"https://example.com/other": map[string]any{}})},
		{name: "no jti", mutate: set("jti", nil)},
		{name: "no iat", mutate: set("iat", nil)},
		{name: "issued long ago", mutate: set("iat", w.clock.Now().Add(-11*time.Minute).Unix())},
		{name: "issued in the future", mutate: set("iat", w.clock.Now().Add(2*time.Minute).Unix())},
		{name: "neither sid nor sub", mutate: set("sid", nil)},
		{name: "untrusted key", signer: other},
		{name: "not a JWT", raw: "not.a.jwt"},
		{name: "empty", raw: "-"},
	} {
		token := tc.raw
		if token == "-" {
			token = ""
		}
		if token == "" && tc.raw == "" {
			c := logoutClaims(w, "sid-1", "")
			if tc.mutate != nil {
				tc.mutate(c)
			}
			signer := w.op
			if tc.signer != nil {
				signer = tc.signer
			}
			token = signer.sign(c)
		}
		status, body := postLogout(w, a, token)
		if status != 400 || !strings.Contains(body, `"error":"invalid_request"`) {
			t.Errorf("%s: %d %s, want 400 invalid_request", tc.name, status, body)
		}
	}
	if !b.signedIn(a) {
		t.Error("a refused logout token ended the session")
	}
}

// TestBackChannelLogoutReplay: a logout token is taken once; its replay is
// refused (and harmless).
func TestBackChannelLogoutReplay(t *testing.T) {
	w := newWorld(t)
	a := newBackChannelApp(w, nil)
	signInAs(w, a, "sid-1")
	token := w.op.sign(logoutClaims(w, "sid-1", ""))
	if status, _ := postLogout(w, a, token); status != 200 {
		t.Fatalf("first: %d", status)
	}
	b := signInAs(w, a, "sid-1") // the same provider session signs in again
	if status, body := postLogout(w, a, token); status != 400 || !strings.Contains(body, "invalid_request") {
		t.Errorf("replay: %d %s, want 400", status, body)
	}
	w.clock.Add(9 * time.Minute) // still within the token's age limit
	if status, _ := postLogout(w, a, token); status != 400 {
		t.Errorf("replay 9 minutes later: %d, want 400", status)
	}
	if !b.signedIn(a) {
		t.Error("the replayed token ended the new session")
	}
}

// failingStore is a Store whose set reads fail while failing is set.
type failingStore struct {
	oidc.Store
	failing bool
}

func (s *failingStore) Members(ctx context.Context, key string) ([]string, error) {
	if s.failing {
		return nil, errors.New("store down")
	}
	return s.Store.Members(ctx, key)
}

// TestBackChannelLogoutStoreDown: when the sessions cannot be looked up,
// the provider gets a 503 and its retry of the same token is accepted.
func TestBackChannelLogoutStoreDown(t *testing.T) {
	w := newWorld(t)
	st := &failingStore{Store: oidc.NewMemoryStore(oidc.MemoryStoreOptions{Now: w.clock.Now})}
	a := newBackChannelApp(w, st)
	b := signInAs(w, a, "sid-1")
	token := w.op.sign(logoutClaims(w, "sid-1", ""))
	st.failing = true
	if status, body := postLogout(w, a, token); status != 503 || !strings.Contains(body, "temporarily_unavailable") {
		t.Errorf("store down: %d %s, want 503", status, body)
	}
	st.failing = false
	if status, _ := postLogout(w, a, token); status != 200 {
		t.Errorf("retry: %d, want 200", status)
	}
	if b.signedIn(a) {
		t.Error("still signed in after the retried logout")
	}
}

// TestBackChannelLogoutReissuedSession: a session the application
// re-issued under a new id (a privilege change) since sign-in is not
// revoked by id, but ends at its next refresh.
func TestBackChannelLogoutReissuedSession(t *testing.T) {
	w := newWorld(t)
	a := newBackChannelApp(w, nil)
	b := signInAs(w, a, "sid-1")
	if res, _ := b.do(http.MethodPost, a.origin+"/promote", nil, nil); res.StatusCode != 200 {
		t.Fatalf("promote: %d", res.StatusCode)
	}
	if status, _ := postLogout(w, a, w.op.sign(logoutClaims(w, "sid-1", ""))); status != 200 {
		t.Fatal("logout failed")
	}
	intoMargin(w)
	if status, m := b.tokenOf(a); status != 401 || m["error"] != "session_ended" {
		t.Errorf("token after the logout: %d %v, want session_ended", status, m)
	}
	if w.op.attempts.Load() != 0 {
		t.Error("a logged-out session spent its refresh token")
	}
	if b.signedIn(a) {
		t.Error("the re-issued session survived")
	}
}

func TestBackChannelLogoutRoutes(t *testing.T) {
	w := newWorld(t)
	a := newBackChannelApp(w, nil)
	b := w.browser()
	if res, _ := b.get(a.origin + "/auth/backchannel-logout/op"); res.StatusCode != 405 {
		t.Errorf("GET: %d, want 405", res.StatusCode)
	}
	res, _ := b.do(http.MethodPost, a.origin+"/auth/backchannel-logout/nope", url.Values{"logout_token": {"x"}}, nil)
	if res.StatusCode != 404 {
		t.Errorf("unknown provider: %d, want 404", res.StatusCode)
	}
	big := url.Values{"logout_token": {strings.Repeat("x", 100<<10)}}
	if res, _ := b.do(http.MethodPost, a.origin+"/auth/backchannel-logout/op", big, nil); res.StatusCode != 400 {
		t.Errorf("oversized body: %d, want 400", res.StatusCode)
	}
}

func TestBackChannelLogoutNeedsStore(t *testing.T) {
	w := newWorld(t)
	auth, err := authsession.NextAuthSession(authsession.Config[authsession.User]{Secret: testSecret, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	_, err = oidc.New(auth, oidc.Config[authsession.User]{
		Providers:         []oidc.Provider{{Name: "op", Issuer: w.op.issuer, ClientID: "c"}},
		BackChannelLogout: true,
	})
	if !errors.Is(err, oidc.ErrConfig) || !errors.Is(err, authsession.ErrConfig) {
		t.Errorf("err = %v, want ErrConfig", err)
	}
}
