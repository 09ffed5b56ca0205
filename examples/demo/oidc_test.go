package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// The full OpenID Connect flow through the demo (zitadel's example
// provider, headless Chromium) is oidc/e2e/demo.test.mjs, run by
// scripts/steps/50-oidc.sh; these tests need no provider.

func TestDemoOIDCOptions(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	if _, err := loadOIDC(env(map[string]string{"OIDC_CLIENT_ID": "web"})); err == nil {
		t.Error("OIDC_CLIENT_ID without OIDC_ISSUER: no error")
	}
	o, err := loadOIDC(env(map[string]string{"OIDC_ISSUER": "https://id.example", "OIDC_CLIENT_ID": "web", "OIDC_CLIENT_SECRET": "s"}))
	if err != nil || o.Issuer != "https://id.example" || o.ClientID != "web" || o.ClientSecret != "s" {
		t.Errorf("loadOIDC = %+v, %v", o, err)
	}
	if _, err := newApp(options{Secret: testSecret, OIDC: oidcOptions{Issuer: "http://id.example", ClientID: "web"}}); err == nil {
		t.Error("a plain-http issuer on another host was accepted")
	}
}

// TestDemoOIDCButton: with a provider configured the login page links to
// its sign-in, keeping the page to return to; without one it does not.
func TestDemoOIDCButton(t *testing.T) {
	plain := newTestServer(t, options{})
	if _, page := get(t, newClient(t), plain.URL+"/login"); strings.Contains(page, "oidc-signin") {
		t.Error("a sign-in button without a provider")
	}
	// A provider that is not there: the demo starts anyway.
	srv := newTestServer(t, options{OIDC: oidcOptions{Issuer: "http://127.0.0.1:1/", ClientID: "web", ClientSecret: "secret"}})
	c := newClient(t)
	_, page := get(t, c, srv.URL+"/login?callbackUrl=%2Fdashboard%2Fsession")
	want := `<a id="oidc-signin" href="/auth/signin/oidc?callbackUrl=%2Fdashboard%2Fsession">Sign in with OpenID Connect</a>`
	if !strings.Contains(page, want) {
		t.Errorf("the login page lacks %s", want)
	}
	if _, page := get(t, c, srv.URL+"/ar/login"); !strings.Contains(page, `href="/auth/signin/oidc?callbackUrl=%2Far%2Fdashboard"`) {
		t.Error("the Arabic login page's button does not return to the Arabic dashboard")
	}
	// The provider is down: a clear 503 page, no session.
	resp, page := get(t, c, srv.URL+"/auth/signin/oidc")
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(page, "provider_unavailable") {
		t.Errorf("sign-in with the provider down: %d", resp.StatusCode)
	}
	// A forged callback: 400, no session.
	resp, _ = get(t, c, srv.URL+"/auth/callback?code=x&state=y")
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("forged callback: %d, want 400", resp.StatusCode)
	}
	if resp, _ := get(t, c, srv.URL+"/dashboard"); resp.StatusCode != http.StatusTemporaryRedirect || !strings.HasPrefix(resp.Header.Get("Location"), "/login") {
		t.Errorf("dashboard after a forged callback: %d to %q, want the login redirect", resp.StatusCode, resp.Header.Get("Location"))
	}
	// A user signed in with the form has no OpenID Connect card.
	post(t, c, srv.URL+"/login", url.Values{"name": {"Ann"}, "role": {"user"}})
	if _, page := get(t, c, srv.URL+"/dashboard"); strings.Contains(page, `id="oidc"`) {
		t.Error("an OpenID Connect card for a form sign-in")
	}
}

// TestDemoOIDCCallbackLimited: the OpenID Connect callback signs users in,
// so it shares the form's per-client limit: past the burst one client gets
// 429 before the relying party runs, while another client is still served.
func TestDemoOIDCCallbackLimited(t *testing.T) {
	clock := newTestClock()
	h, err := newApp(options{Secret: testSecret, SignInLimit: signInLimit{Now: clock.Now},
		OIDC: oidcOptions{Issuer: "http://127.0.0.1:1/", ClientID: "web", ClientSecret: "secret"}})
	if err != nil {
		t.Fatal(err)
	}
	callback := func(remote string) int {
		req := httptest.NewRequest(http.MethodGet, "/auth/callback?code=x&state=y", nil)
		req.RemoteAddr = remote
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Code
	}
	status := map[int]int{}
	for range 20 {
		status[callback("203.0.113.7:40000")]++
	}
	// The relying party refuses each forged callback with 400; past the
	// burst of 10 the limiter answers first.
	if got, want := status, map[int]int{http.StatusBadRequest: 10, http.StatusTooManyRequests: 10}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("statuses of 20 callbacks from one client: got %v, want %v", got, want)
	}
	if got := callback("198.51.100.2:50000"); got != http.StatusBadRequest {
		t.Errorf("another client's callback: got %d, want 400 from the relying party", got)
	}
}
