package oidc_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/authsession/authsession"
	"github.com/authsession/authsession/oidc"
)

const stateCookieName = "__Host-authsession-oidc"

func TestSignInRedirect(t *testing.T) {
	w := newWorld(t)
	a := w.newApp(appOptions{})
	b := w.browser()
	res, _ := b.get(a.origin + "/auth/signin/op?callbackUrl=/dash")
	if res.StatusCode != http.StatusFound {
		t.Fatalf("status %d, want 302", res.StatusCode)
	}
	loc, err := url.Parse(res.Header.Get("Location"))
	if err != nil || loc.Host != "op.test" || loc.Path != "/authorize" {
		t.Fatalf("Location %q, want the provider's authorization endpoint", res.Header.Get("Location"))
	}
	q := loc.Query()
	for k, want := range map[string]string{
		"response_type": "code", "client_id": "client-1", "redirect_uri": appOrigin + "/auth/callback",
		"scope": "openid profile email offline_access", "code_challenge_method": "S256",
	} {
		if got := q.Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	for _, k := range []string{"state", "nonce", "code_challenge"} {
		if len(q.Get(k)) < 43 {
			t.Errorf("%s = %q, want at least 256 bits, base64url", k, q.Get(k))
		}
	}
	var sc *http.Cookie
	for _, c := range res.Cookies() {
		if c.Name == stateCookieName {
			sc = c
		}
	}
	switch {
	case sc == nil:
		t.Fatalf("no %s cookie set", stateCookieName)
	case !sc.HttpOnly || !sc.Secure || sc.SameSite != http.SameSiteLaxMode || sc.Path != "/" || sc.MaxAge != 600:
		t.Errorf("state cookie attributes %+v, want HttpOnly Secure SameSite=Lax Path=/ Max-Age=600", sc)
	case strings.Contains(sc.Value, q.Get("state")) || strings.Contains(sc.Value, q.Get("nonce")):
		t.Error("the state cookie carries the state or nonce in clear")
	}
	if res.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("Cache-Control %q, want no-store", res.Header.Get("Cache-Control"))
	}
}

func TestSignInFlow(t *testing.T) {
	w := newWorld(t)
	a := w.newApp(appOptions{})
	b := w.browser()
	if got := b.signIn(a, "/dash?tab=1"); got != appOrigin+"/dash?tab=1" {
		t.Fatalf("landed on %s, want %s/dash?tab=1", got, appOrigin)
	}
	res, body := b.get(a.origin + "/me")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("/me: %d", res.StatusCode)
	}
	var u authsession.User
	json.Unmarshal([]byte(body), &u)
	if u.ID != "op:user-1" || u.Email != "ann@example.com" || u.Name != "Ann" {
		t.Errorf("user %+v, want op:user-1 with the ID token's email and userinfo's name", u)
	}
	if b.cookie(a.origin, stateCookieName) != nil {
		t.Error("the state cookie survived the callback")
	}
	if status, m := b.tokenOf(a); status != http.StatusOK || !strings.HasPrefix(m["accessToken"].(string), "at-") {
		t.Errorf("token: %d %v", status, m)
	}
}

// TestSignInDefaultRedirectURL: without RedirectURL the callback is the
// request's own origin.
func TestSignInDefaultRedirectURL(t *testing.T) {
	w := newWorld(t)
	a := w.newApp(appOptions{oidc: func(c *configT) { c.Providers[0].RedirectURL = "" }})
	b := w.browser()
	b.signIn(a, "/")
	if got := w.op.last.Get("redirect_uri"); got != appOrigin+"/auth/callback" {
		t.Errorf("redirect_uri %q, want %s/auth/callback", got, appOrigin)
	}
	if !b.signedIn(a) {
		t.Error("not signed in")
	}
}

// TestSignInCallbackURL: the page after sign-in is a local path, never
// another site.
func TestSignInCallbackURL(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", "/"},
		{"/dash", "/dash"},
		{"/a b?x=1&y=%2F", "/a%20b?x=1&y=%2F"},
		{"https://evil.example/", "/"},
		{"//evil.example/", "/"},
		{"/\\evil.example", "/"},
		{"/%2F%2Fevil.example", "/"},
		{"/%252F%252Fevil.example", "/"},
		{"javascript:alert(1)", "/"},
		{"dash", "/"},
		{"/x\r\nLocation: https://evil.example", "/"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			w := newWorld(t)
			a := w.newApp(appOptions{})
			b := w.browser()
			if got := b.signIn(a, tc.in); got != appOrigin+tc.want {
				t.Errorf("landed on %q, want %q", got, appOrigin+tc.want)
			}
		})
	}
}

// callbackCase is a sign-in whose callback goes wrong.
type callbackCase struct {
	name   string
	setup  func(w *world, a *app)
	tamper func(t *testing.T, w *world, b *browser, callback *url.URL) // changes the callback, its cookie, the world
	status int
	code   string
}

func TestCallbackBadInput(t *testing.T) {
	for _, tc := range []callbackCase{
		{name: "no state cookie", tamper: func(t *testing.T, w *world, b *browser, cb *url.URL) {
			b.jar.SetCookies(cb, []*http.Cookie{{Name: stateCookieName, Value: "", Path: "/", MaxAge: -1}})
		}, status: 400, code: "invalid_state"},
		{name: "tampered state cookie", tamper: func(t *testing.T, w *world, b *browser, cb *url.URL) {
			c := b.cookie(appOrigin, stateCookieName)
			v := []byte(c.Value)
			v[len(v)/2] ^= 1
			b.jar.SetCookies(cb, []*http.Cookie{{Name: stateCookieName, Value: string(v), Path: "/", Secure: true}})
		}, status: 400, code: "invalid_state"},
		{name: "missing state", tamper: delParam("state"), status: 400, code: "invalid_state"},
		{name: "wrong state", tamper: setParam("state", "A"+strings.Repeat("x", 42)), status: 400, code: "invalid_state"},
		{name: "state cookie expired", tamper: func(t *testing.T, w *world, b *browser, cb *url.URL) { w.clock.Add(11 * time.Minute) }, status: 400, code: "invalid_state"},
		{name: "missing code", tamper: delParam("code"), status: 400, code: "invalid_callback"},
		{name: "unknown code", tamper: setParam("code", "forged"), status: 403, code: "provider_error"},
		{name: "provider error response", tamper: func(t *testing.T, w *world, b *browser, cb *url.URL) {
			q := cb.Query()
			q.Del("code")
			q.Set("error", "access_denied")
			cb.RawQuery = q.Encode()
		}, status: 403, code: "provider_error"},
		{name: "token endpoint error", tamper: func(t *testing.T, w *world, b *browser, cb *url.URL) {
			e := "invalid_client"
			w.op.tokenError.Store(&e)
		}, status: 403, code: "provider_error"},
		{name: "provider down", tamper: func(t *testing.T, w *world, b *browser, cb *url.URL) { w.op.down.Store(true) }, status: 503, code: "provider_unavailable"},
		{name: "wrong nonce", setup: idClaims("nonce", "another-nonce"), status: 400, code: "invalid_id_token"},
		{name: "no nonce", setup: idClaims("nonce", nil), status: 400, code: "invalid_id_token"},
		{name: "other issuer", setup: idClaims("iss", "https://evil.test"), status: 400, code: "invalid_id_token"},
		{name: "other audience", setup: idClaims("aud", "client-2"), status: 400, code: "invalid_id_token"},
		{name: "expired ID token", setup: idClaims("exp", time.Now().Add(-2*time.Hour).Unix()), status: 400, code: "invalid_id_token"},
		{name: "ID token signed by another key", setup: func(w *world, a *app) {
			other := newFakeOP(w.t, opIssuer)
			w.op.idClaims = nil
			orig := w.op.key
			w.op.key = other.key
			w.t.Cleanup(func() { w.op.key = orig })
		}, status: 400, code: "invalid_id_token"},
		{name: "mix-up: iss of another provider", setup: func(w *world, a *app) { w.op.issParam = true },
			tamper: setParam("iss", "https://other.test"), status: 400, code: "invalid_state"},
		{name: "mix-up: iss missing where promised", setup: func(w *world, a *app) { w.op.issParam = true },
			tamper: delParam("iss"), status: 400, code: "invalid_state"},
	} {
		t.Run(tc.name, func(t *testing.T) { testBadCallback(t, tc) })
	}
}

// testBadCallback starts a sign-in, lets the provider answer, applies the
// case's tampering, delivers the callback, and checks the error response
// (HTML and, for a second sign-in, JSON) and that no session exists.
func testBadCallback(t *testing.T, tc callbackCase) {
	for _, jsonClient := range []bool{false, true} {
		w := newWorld(t)
		a := w.newApp(appOptions{authStore: memAuthStore()})
		if tc.setup != nil {
			tc.setup(w, a)
		}
		b := w.browser()
		res, _ := b.get(a.origin + "/auth/signin/op")
		res, _ = b.get(res.Header.Get("Location"))
		cb, err := url.Parse(res.Header.Get("Location"))
		if err != nil || cb.Path != "/auth/callback" {
			t.Fatalf("the provider sent the browser to %q", res.Header.Get("Location"))
		}
		if tc.tamper != nil {
			tc.tamper(t, w, b, cb)
		}
		h := http.Header{}
		if jsonClient {
			h.Set("Accept", "application/json")
		}
		res, body := b.do(http.MethodGet, cb.String(), nil, h)
		if res.StatusCode != tc.status {
			t.Errorf("json=%v: status %d, want %d: %s", jsonClient, res.StatusCode, tc.status, body)
		}
		if jsonClient {
			var e struct {
				Error struct{ Code, Message string }
			}
			if json.Unmarshal([]byte(body), &e); e.Error.Code != tc.code || e.Error.Message == "" {
				t.Errorf("JSON body %s, want code %q and a message", body, tc.code)
			}
		} else if !strings.Contains(body, `data-code="`+tc.code+`"`) || res.Header.Get("Content-Type") != "text/html; charset=utf-8" {
			t.Errorf("HTML page %q, want one naming %q", body, tc.code)
		}
		for _, c := range res.Cookies() {
			if c.Name == "session" && c.MaxAge >= 0 {
				t.Errorf("json=%v: a session cookie was set", jsonClient)
			}
		}
		w.op.down.Store(false)
		w.op.tokenError.Store(nil)
		if b.signedIn(a) {
			t.Errorf("json=%v: signed in after a bad callback", jsonClient)
		}
	}
}

func delParam(k string) func(*testing.T, *world, *browser, *url.URL) {
	return func(_ *testing.T, _ *world, _ *browser, cb *url.URL) {
		q := cb.Query()
		q.Del(k)
		cb.RawQuery = q.Encode()
	}
}

func setParam(k, v string) func(*testing.T, *world, *browser, *url.URL) {
	return func(_ *testing.T, _ *world, _ *browser, cb *url.URL) {
		q := cb.Query()
		q.Set(k, v)
		cb.RawQuery = q.Encode()
	}
}

// idClaims makes the provider's ID tokens carry v as claim k (nil: none).
func idClaims(k string, v any) func(*world, *app) {
	return func(w *world, _ *app) {
		w.op.idClaims = func(c map[string]any) {
			if v == nil {
				delete(c, k)
			} else {
				c[k] = v
			}
		}
	}
}

// TestCallbackReusedState: a callback cannot be replayed, even with the
// state cookie it came with.
func TestCallbackReusedState(t *testing.T) {
	w := newWorld(t)
	a := w.newApp(appOptions{})
	b := w.browser()
	res, _ := b.get(a.origin + "/auth/signin/op")
	res, _ = b.get(res.Header.Get("Location"))
	cb := res.Header.Get("Location")
	state := b.cookie(a.origin, stateCookieName)
	if res, body := b.get(cb); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("first callback: %d %s", res.StatusCode, body)
	}
	// Another browser replays the callback with the captured cookie.
	c := w.browser()
	u, _ := url.Parse(a.origin)
	c.jar.SetCookies(u, []*http.Cookie{{Name: state.Name, Value: state.Value, Path: "/", Secure: true}})
	if res, _ := c.get(cb); res.StatusCode != http.StatusBadRequest {
		t.Errorf("replayed callback: %d, want 400", res.StatusCode)
	}
	if c.signedIn(a) {
		t.Error("the replayed callback signed a browser in")
	}
	if !b.signedIn(a) {
		t.Error("the first browser lost its session")
	}
}

// TestSignInProviderDown: a provider that is down gives a 503 page, and
// the sign-in works once it is back.
func TestSignInProviderDown(t *testing.T) {
	w := newWorld(t)
	a := w.newApp(appOptions{})
	b := w.browser()
	w.op.down.Store(true)
	res, body := b.get(a.origin + "/auth/signin/op")
	if res.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, "provider_unavailable") {
		t.Fatalf("status %d %q, want 503 provider_unavailable", res.StatusCode, body)
	}
	w.op.down.Store(false)
	w.clock.Add(2 * time.Second) // past the pause between discovery attempts
	b.signIn(a, "/")
	if !b.signedIn(a) {
		t.Error("no session once the provider is back")
	}
}

func TestRoutes(t *testing.T) {
	w := newWorld(t)
	a := w.newApp(appOptions{})
	b := w.browser()
	for _, tc := range []struct {
		method, path string
		status       int
	}{
		{"GET", "/auth/signin/nope", 404},
		{"GET", "/auth/signin/", 404},
		{"GET", "/auth/other", 404},
		{"GET", "/auth/callback/x", 404},
		{"GET", "/auth/backchannel-logout/op", 404}, // not enabled
		{"POST", "/auth/signin/op", 405},
		{"GET", "/auth/signout", 405},
		{"DELETE", "/auth/callback", 405},
	} {
		res, _ := b.do(tc.method, a.origin+tc.path, nil, nil)
		if res.StatusCode != tc.status {
			t.Errorf("%s %s: %d, want %d", tc.method, tc.path, res.StatusCode, tc.status)
		}
		if tc.status == 405 && res.Header.Get("Allow") == "" {
			t.Errorf("%s %s: 405 without Allow", tc.method, tc.path)
		}
	}
}

// TestSeveralProviders: each provider signs in through its own
// /auth/signin/<name>; one callback serves both, and a code from one
// provider cannot complete a sign-in started with the other.
func TestSeveralProviders(t *testing.T) {
	w := newWorld(t)
	second := w.addOP("https://op2.test")
	second.idClaims = func(c map[string]any) { c["email"] = "bo@example.com" }
	a := w.newApp(appOptions{oidc: func(c *configT) {
		c.Providers = append(c.Providers, oidc.Provider{
			Name: "two", Issuer: second.issuer, ClientID: second.clientID, ClientSecret: authsession.Secret(second.secret),
			RedirectURL: appOrigin + "/auth/callback",
		})
	}})
	for _, tc := range []struct{ name, id, email string }{{"op", "op:user-1", "ann@example.com"}, {"two", "two:user-1", "bo@example.com"}} {
		b := w.browser()
		b.follow(a.origin + "/auth/signin/" + tc.name)
		_, body := b.get(a.origin + "/me")
		var u authsession.User
		json.Unmarshal([]byte(body), &u)
		if u.ID != tc.id || u.Email != tc.email {
			t.Errorf("%s: user %+v, want %s %s", tc.name, u, tc.id, tc.email)
		}
	}
	// A sign-in started with "op" whose callback carries a code of "two".
	b := w.browser()
	res, _ := b.get(a.origin + "/auth/signin/op")
	res, _ = b.get(res.Header.Get("Location"))
	mine, _ := url.Parse(res.Header.Get("Location"))
	c := w.browser()
	res, _ = c.get(a.origin + "/auth/signin/two")
	res, _ = c.get(res.Header.Get("Location"))
	theirs, _ := url.Parse(res.Header.Get("Location"))
	q := mine.Query()
	q.Set("code", theirs.Query().Get("code"))
	mine.RawQuery = q.Encode()
	if res, _ := b.get(mine.String()); res.StatusCode < 400 {
		t.Errorf("a code of another provider: %d, want an error", res.StatusCode)
	}
	if b.signedIn(a) {
		t.Error("signed in with another provider's code")
	}
}
