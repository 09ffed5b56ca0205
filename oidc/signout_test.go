package oidc_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"testing"
)

// TestSignOut: RP-initiated logout ends the session here and sends the
// browser to the provider's end_session_endpoint with the ID token as the
// hint.
func TestSignOut(t *testing.T) {
	for _, stored := range []bool{false, true} {
		w := newWorld(t)
		a := w.newApp(appOptions{
			authStore: memAuthStore(),
			oidc: func(c *configT) {
				c.KeepTokensInStore = stored
				c.Providers[0].PostLogoutRedirectURL = appOrigin + "/bye"
			},
		})
		b := w.browser()
		b.signIn(a, "/")
		old := b.sessionCookies(a)
		res, body := b.do(http.MethodPost, a.origin+"/auth/signout", url.Values{}, nil)
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("stored=%v: status %d %s, want 303", stored, res.StatusCode, body)
		}
		loc, _ := url.Parse(res.Header.Get("Location"))
		q := loc.Query()
		if loc.Host != "op.test" || loc.Path != "/logout" || q.Get("client_id") != "client-1" || q.Get("post_logout_redirect_uri") != appOrigin+"/bye" {
			t.Errorf("stored=%v: Location %s, want the end-session endpoint with client_id and post_logout_redirect_uri", stored, loc)
		}
		if sub := unverifiedSub(t, q.Get("id_token_hint")); sub != "user-1" {
			t.Errorf("stored=%v: id_token_hint names %q, want the session's ID token", stored, sub)
		}
		if b.signedIn(a) {
			t.Errorf("stored=%v: still signed in", stored)
		}
		// The old cookie is revoked, not merely cleared.
		if res, _ := w.rawGet(a.origin+"/me", old); res.StatusCode != http.StatusUnauthorized {
			t.Errorf("stored=%v: the old cookie still works", stored)
		}
	}
}

func unverifiedSub(t *testing.T, jwt string) string {
	t.Helper()
	tok, err := jwtPayload(jwt)
	if err != nil {
		t.Fatalf("id_token_hint %q: %v", jwt, err)
	}
	var c struct{ Sub string }
	json.Unmarshal(tok, &c)
	return c.Sub
}

// TestSignOutJSON: a client asking for JSON gets the URL to go to.
func TestSignOutJSON(t *testing.T) {
	w := newWorld(t)
	a := w.newApp(appOptions{})
	b := w.browser()
	b.signIn(a, "/")
	res, body := b.do(http.MethodPost, a.origin+"/auth/signout", nil, http.Header{"Accept": {"application/json"}})
	var m struct{ URL string }
	if res.StatusCode != 200 || json.Unmarshal([]byte(body), &m) != nil {
		t.Fatalf("status %d %s, want 200 JSON", res.StatusCode, body)
	}
	if u, _ := url.Parse(m.URL); u.Host != "op.test" || u.Path != "/logout" || u.Query().Get("post_logout_redirect_uri") != "" {
		t.Errorf("url %q, want the end-session endpoint (without a post-logout redirect: none configured)", m.URL)
	}
	if b.signedIn(a) {
		t.Error("still signed in")
	}
}

// TestSignOutCrossSite: another site cannot sign a visitor out.
func TestSignOutCrossSite(t *testing.T) {
	w := newWorld(t)
	a := w.newApp(appOptions{})
	b := w.browser()
	b.signIn(a, "/")
	for _, h := range []http.Header{
		{"Sec-Fetch-Site": {"cross-site"}},
		{"Origin": {"https://evil.example"}},
	} {
		res, body := b.do(http.MethodPost, a.origin+"/auth/signout", url.Values{}, h)
		if res.StatusCode != http.StatusForbidden {
			t.Errorf("%v: status %d %s, want 403", h, res.StatusCode, body)
		}
	}
	if !b.signedIn(a) {
		t.Error("a cross-site post signed the visitor out")
	}
}

// TestSignOutWithoutProviderSession: without a session (or the provider
// down) the sign-out ends locally and goes to callbackUrl, a local path.
func TestSignOutWithoutProviderSession(t *testing.T) {
	w := newWorld(t)
	a := w.newApp(appOptions{})
	b := w.browser()
	for _, tc := range []struct{ cb, want string }{{"", "/"}, {"/bye", "/bye"}, {"https://evil.example/", "/"}} {
		res, _ := b.do(http.MethodPost, a.origin+"/auth/signout", url.Values{"callbackUrl": {tc.cb}}, nil)
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != tc.want {
			t.Errorf("callbackUrl %q: %d to %q, want 303 to %q", tc.cb, res.StatusCode, res.Header.Get("Location"), tc.want)
		}
	}
}

// TestSignOutAfterRefresh: the hint is the ID token the last refresh
// brought.
func TestSignOutAfterRefresh(t *testing.T) {
	w := newWorld(t)
	a := w.newApp(appOptions{})
	b := w.browser()
	b.signIn(a, "/")
	w.op.idClaims = func(c map[string]any) { c["refreshed"] = true }
	intoMargin(w)
	if status, _ := b.tokenOf(a); status != 200 {
		t.Fatal("refresh failed")
	}
	res, _ := b.do(http.MethodPost, a.origin+"/auth/signout", url.Values{}, nil)
	loc, _ := url.Parse(res.Header.Get("Location"))
	p, err := jwtPayload(loc.Query().Get("id_token_hint"))
	var c struct{ Refreshed bool }
	if err != nil || json.Unmarshal(p, &c) != nil || !c.Refreshed {
		t.Errorf("id_token_hint is not the refreshed ID token")
	}
}
