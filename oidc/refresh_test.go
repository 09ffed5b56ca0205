package oidc_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/authsession/authsession"
	"github.com/authsession/authsession/oidc"
)

// intoMargin moves the clock to 30 s before the access token expires:
// inside the default one-minute refresh margin, the token still valid.
func intoMargin(w *world) { w.clock.Add(w.op.ttl - 30*time.Second) }

// setCookieNames returns the names of the cookies res sets.
func setCookieNames(res *http.Response) []string {
	var names []string
	for _, c := range res.Cookies() {
		names = append(names, c.Name)
	}
	return names
}

func TestTokenFresh(t *testing.T) {
	w := newWorld(t)
	a := w.newApp(appOptions{})
	b := w.browser()
	b.signIn(a, "/")
	_, first := b.tokenOf(a)
	w.clock.Add(w.op.ttl - 2*time.Minute) // outside the margin
	res, body := b.get(a.origin + "/api/token")
	var m map[string]any
	json.Unmarshal([]byte(body), &m)
	if res.StatusCode != 200 || m["accessToken"] != first["accessToken"] || w.op.attempts.Load() != 0 {
		t.Errorf("token %v (%d), refresh attempts %d; want the same token and none", m, res.StatusCode, w.op.attempts.Load())
	}
	if len(res.Cookies()) != 0 {
		t.Errorf("a read set cookies %v", setCookieNames(res))
	}
	if int64(m["expiry"].(float64)) != w.clock.Now().Add(2*time.Minute).UnixMilli() {
		t.Errorf("expiry %v, want the provider's expires_in counted on the clock", m["expiry"])
	}
}

func TestTokenRefresh(t *testing.T) {
	for _, stored := range []bool{false, true} {
		t.Run(fmt.Sprint("KeepTokensInStore=", stored), func(t *testing.T) {
			w := newWorld(t)
			a := w.newApp(appOptions{
				authStore: memAuthStore(),
				oidc:      func(c *configT) { c.KeepTokensInStore = stored },
			})
			b := w.browser()
			b.signIn(a, "/")
			_, first := b.tokenOf(a)
			intoMargin(w)
			res, body := b.get(a.origin + "/api/token")
			var m map[string]any
			json.Unmarshal([]byte(body), &m)
			if res.StatusCode != 200 || m["accessToken"] == first["accessToken"] || w.op.grants.Load() != 1 {
				t.Fatalf("after refresh: %d %v, grants %d; want a new token from one grant", res.StatusCode, m, w.op.grants.Load())
			}
			// The cookie is rewritten only when it carries the tokens.
			if rewrote := len(res.Cookies()) > 0; rewrote == stored {
				t.Errorf("refresh set cookies %v; KeepTokensInStore=%v", setCookieNames(res), stored)
			}
			// The next request carries (or finds) the new tokens: no grant.
			if _, again := b.tokenOf(a); again["accessToken"] != m["accessToken"] || w.op.attempts.Load() != 1 {
				t.Errorf("second call: %v, attempts %d; want the refreshed token and no new grant", again, w.op.attempts.Load())
			}
			if !b.signedIn(a) {
				t.Error("signed out by the refresh")
			}
		})
	}
}

// TestTokenOldCookie: a request still carrying the cookie from before a
// refresh (sent before the new one arrived) gets the new tokens, without a
// grant, for RefreshGrace; after that its refresh token is spent, and the
// session ends.
func TestTokenOldCookie(t *testing.T) {
	w := newWorld(t)
	a := w.newApp(appOptions{})
	b := w.browser()
	b.signIn(a, "/")
	old := b.sessionCookies(a)
	intoMargin(w)
	_, fresh := b.tokenOf(a)
	res, body := w.rawGet(a.origin+"/api/token", old)
	var m map[string]any
	json.Unmarshal([]byte(body), &m)
	if res.StatusCode != 200 || m["accessToken"] != fresh["accessToken"] || w.op.attempts.Load() != 1 {
		t.Errorf("old cookie within the grace: %d %v, attempts %d; want the refreshed token, one attempt", res.StatusCode, m, w.op.attempts.Load())
	}
	w.clock.Add(oidc.DefaultRefreshGrace + time.Second)
	res, body = w.rawGet(a.origin+"/api/token", old)
	if res.StatusCode != 401 || w.op.attempts.Load() != 2 || w.op.grants.Load() != 1 {
		t.Errorf("old cookie after the grace: %d %s, attempts %d grants %d; want session_ended after a refused grant", res.StatusCode, body, w.op.attempts.Load(), w.op.grants.Load())
	}
}

// concurrentTokens fires n requests for a token, the i-th to apps[i %
// len(apps)], all carrying cookies, while the provider holds the first
// refresh; it checks that exactly one refresh reached the provider while
// the others waited, then lets it answer and returns the answers.
func concurrentTokens(t *testing.T, w *world, apps []*app, cookies []*http.Cookie, n int) []tokenAnswer {
	w.op.refreshGate = make(chan struct{})
	answers := make([]tokenAnswer, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			res, body := w.rawGet(apps[i%len(apps)].origin+"/api/token", cookies)
			answers[i].status = res.StatusCode
			json.Unmarshal([]byte(body), &answers[i].body)
		})
	}
	synctest.Wait() // every request is waiting: on the grant, the flight, or the Store
	if got := w.op.attempts.Load(); got != 1 {
		t.Errorf("%d refresh attempts reached the provider while the requests waited, want 1", got)
	}
	close(w.op.refreshGate)
	wg.Wait()
	return answers
}

type tokenAnswer struct {
	status int
	body   map[string]any
}

func TestTokenConcurrent(t *testing.T) {
	for _, tc := range []struct {
		name      string
		instances int
		stored    bool
	}{
		{"one instance", 1, false},
		{"two instances", 2, false},
		{"two instances, tokens in store", 2, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				w := newWorld(t)
				shared := oidc.NewMemoryStore(oidc.MemoryStoreOptions{Now: w.clock.Now})
				authStore := memAuthStore()
				signOuts := new(atomic.Int64)
				var apps []*app
				for i := range tc.instances {
					apps = append(apps, w.newApp(appOptions{
						origin: fmt.Sprintf("https://app%d.test", i), store: shared, authStore: authStore, signOuts: signOuts,
						oidc: func(c *configT) {
							c.KeepTokensInStore = tc.stored
							c.Providers[0].RedirectURL = "https://app0.test/auth/callback"
						},
					}))
				}
				b := w.browser()
				b.signIn(apps[0], "/")
				cookies := b.sessionCookies(apps[0])
				intoMargin(w)
				answers := concurrentTokens(t, w, apps, cookies, 50)
				want := answers[0].body["accessToken"]
				for i, a := range answers {
					if a.status != 200 || a.body["accessToken"] != want {
						t.Errorf("request %d: %d %v, want 200 and %v", i, a.status, a.body, want)
					}
				}
				if w.op.grants.Load() != 1 || signOuts.Load() != 0 {
					t.Errorf("grants %d, sign-outs %d; want 1 and 0", w.op.grants.Load(), signOuts.Load())
				}
				for _, a := range apps {
					if res, _ := w.rawGet(a.origin+"/me", cookies); res.StatusCode != 200 {
						t.Errorf("%s: the session is gone", a.origin)
					}
				}
			})
		})
	}
}

// TestTokenRefreshRefused: a refresh token the provider refuses (revoked)
// ends the session once: one attempt, one sign-out, every request told.
func TestTokenRefreshRefused(t *testing.T) {
	for _, stored := range []bool{false, true} {
		t.Run(fmt.Sprint("KeepTokensInStore=", stored), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				w := newWorld(t)
				shared := oidc.NewMemoryStore(oidc.MemoryStoreOptions{Now: w.clock.Now})
				authStore := memAuthStore()
				signOuts := new(atomic.Int64)
				var apps []*app
				for i := range 2 {
					apps = append(apps, w.newApp(appOptions{
						origin: fmt.Sprintf("https://app%d.test", i), store: shared, authStore: authStore, signOuts: signOuts,
						oidc: func(c *configT) {
							c.KeepTokensInStore = stored
							c.Providers[0].RedirectURL = "https://app0.test/auth/callback"
						},
					}))
				}
				b := w.browser()
				b.signIn(apps[0], "/")
				cookies := b.sessionCookies(apps[0])
				refused := "invalid_grant"
				w.op.tokenError.Store(&refused)
				w.clock.Add(w.op.ttl + time.Minute) // expired: nothing to fall back on
				w.op.refreshGate = nil
				answers := make([]tokenAnswer, 20)
				var wg sync.WaitGroup
				for i := range answers {
					wg.Go(func() {
						res, body := w.rawGet(apps[i%2].origin+"/api/token", cookies)
						answers[i].status = res.StatusCode
						json.Unmarshal([]byte(body), &answers[i].body)
					})
				}
				wg.Wait()
				for i, a := range answers {
					if a.status != 401 || (a.body["error"] != "session_ended" && a.body["error"] != "no_session") {
						t.Errorf("request %d: %d %v, want 401 session_ended (or no_session once revoked)", i, a.status, a.body)
					}
				}
				if w.op.attempts.Load() != 1 || signOuts.Load() != 1 {
					t.Errorf("attempts %d, sign-outs %d; want one refused grant and one sign-out", w.op.attempts.Load(), signOuts.Load())
				}
				for _, a := range apps {
					if res, _ := w.rawGet(a.origin+"/me", cookies); res.StatusCode != 401 {
						t.Errorf("%s: the session outlived the refused refresh", a.origin)
					}
				}
			})
		})
	}
}

// TestTokenProviderDown: while the provider is down, a token still valid
// is returned as it is; an expired one is a 503; the session stays, and
// the refresh succeeds once the provider is back.
func TestTokenProviderDown(t *testing.T) {
	w := newWorld(t)
	a := w.newApp(appOptions{})
	b := w.browser()
	b.signIn(a, "/")
	_, first := b.tokenOf(a)
	w.op.down.Store(true)
	intoMargin(w)
	if status, m := b.tokenOf(a); status != 200 || m["accessToken"] != first["accessToken"] {
		t.Errorf("down, token still valid: %d %v, want the current token", status, m)
	}
	w.clock.Add(time.Minute) // expired
	if status, m := b.tokenOf(a); status != 503 || m["error"] != "unavailable" {
		t.Errorf("down, token expired: %d %v, want 503", status, m)
	}
	if !b.signedIn(a) {
		t.Fatal("the outage ended the session")
	}
	w.op.down.Store(false)
	if status, m := b.tokenOf(a); status != 200 || m["accessToken"] == first["accessToken"] {
		t.Errorf("back up: %d %v, want a refreshed token", status, m)
	}
}

func TestTokenNoSession(t *testing.T) {
	w := newWorld(t)
	a := w.newApp(appOptions{})
	b := w.browser()
	if status, m := b.tokenOf(a); status != 401 || m["error"] != "no_session" {
		t.Errorf("no session: %d %v", status, m)
	}
	// A session signed in some other way, with tokens but not ours.
	tok, err := a.auth.EncryptSession(authsession.Session[authsession.User]{User: authsession.User{ID: "u1"}, AccessToken: "x", RefreshToken: "y"})
	if err != nil {
		t.Fatal(err)
	}
	res, body := w.rawGet(a.origin+"/api/token", []*http.Cookie{{Name: "session", Value: tok}})
	if res.StatusCode != 401 || !json.Valid([]byte(body)) {
		t.Errorf("a session not signed in here: %d %s, want 401 no_session", res.StatusCode, body)
	}
}

func TestTokenNoRefreshToken(t *testing.T) {
	w := newWorld(t)
	w.op.noRefresh = true
	a := w.newApp(appOptions{})
	b := w.browser()
	b.signIn(a, "/")
	intoMargin(w)
	if status, _ := b.tokenOf(a); status != 200 {
		t.Errorf("in the margin without a refresh token: %d, want the still-valid token", status)
	}
	w.clock.Add(time.Minute)
	if status, m := b.tokenOf(a); status != 401 || m["error"] != "no_refresh_token" {
		t.Errorf("expired without a refresh token: %d %v", status, m)
	}
	if !b.signedIn(a) {
		t.Error("the session ended")
	}
}

// TestKeepTokensInStore: the cookie carries no provider token, only a
// reference, and stays small however large the provider's tokens.
func TestKeepTokensInStore(t *testing.T) {
	w := newWorld(t)
	big := make([]byte, 6000)
	for i := range big {
		big[i] = 'x'
	}
	w.op.idClaims = func(c map[string]any) { c["groups"] = string(big) }
	a := w.newApp(appOptions{oidc: func(c *configT) { c.KeepTokensInStore = true }})
	b := w.browser()
	b.signIn(a, "/")
	c := b.cookie(a.origin, "session")
	if c == nil {
		t.Fatal("no session cookie")
	}
	s, err := a.auth.DecryptSession(c.Value)
	if err != nil {
		t.Fatal(err)
	}
	raw := string(s.Data["oidc"])
	if s.AccessToken != "" || s.RefreshToken != "" || len(c.Value) > 1200 || len(raw) > 80 {
		t.Errorf("cookie of %d bytes carries access %q refresh %q data %s; want only a reference", len(c.Value), s.AccessToken, s.RefreshToken, raw)
	}
	if status, m := b.tokenOf(a); status != 200 || m["accessToken"] == "" {
		t.Errorf("token: %d %v", status, m)
	}
}
