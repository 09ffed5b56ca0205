package authsession_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/authsession/authsession"
	"github.com/authsession/authsession/memstore"
)

// TestAdversarialCrossSite: POST, PATCH and DELETE on /api/session from
// another origin are refused with 403 and change nothing (no Set-Cookie,
// the session stays live in the store with its old name); same-origin
// requests work. A store is configured so that a refused DELETE that
// revoked anyway would show.
func TestAdversarialCrossSite(t *testing.T) {
	store := memstore.New(memstore.Options{Now: func() time.Time { return advNow }})
	h := newHarness(t, withStore(store))
	unchanged := func(t *testing.T, h *harness, resp *http.Response, cookie string) {
		t.Helper()
		if sc := resp.Header.Values("Set-Cookie"); len(sc) > 0 {
			t.Errorf("refused request: got %d Set-Cookie headers, want none", len(sc))
		}
		if name, ok := apiSession(t, h, cookie); !ok || name != "ann" {
			t.Errorf("after a refused request: got session %v name %q, want the session with name %q", ok, name, "ann")
		}
	}
	const patchBody = `{"user":{"name":"Mallory"}}`
	origins := []struct {
		name    string
		headers []string
	}{
		{"Sec-Fetch-Site cross-site", []string{"Sec-Fetch-Site: cross-site"}},
		{"Sec-Fetch-Site cross-site, same Origin", []string{"Sec-Fetch-Site: cross-site", "Origin: http://example.test"}},
		{"Sec-Fetch-Site same-site", []string{"Sec-Fetch-Site: same-site", "Origin: http://sub.example.test"}},
		{"Origin evil", []string{"Origin: https://evil.example"}},
		{"Origin evil with same-host suffix", []string{"Origin: http://example.test.evil.example"}},
		{"Origin null", []string{"Origin: null"}},
		{"Origin with userinfo", []string{"Origin: http://example.test@evil.example"}},
	}
	var rows []hostileRequest
	for _, m := range []string{http.MethodPost, http.MethodPatch, http.MethodDelete} {
		for _, o := range origins {
			row := hostileRequest{name: m + " " + o.name, method: m, target: "/api/session", role: "user",
				headers: o.headers, wantStatus: http.StatusForbidden, check: unchanged}
			if m == http.MethodPatch {
				row.headers = append([]string{"Content-Type: application/json"}, o.headers...)
				row.body = patchBody
			}
			rows = append(rows, row)
		}
		// Also under the mount's trailing slash.
		rows = append(rows, hostileRequest{name: m + " Origin evil, trailing slash", method: m, target: "/api/session/", role: "user",
			headers: []string{"Content-Type: application/json", "Origin: https://evil.example"}, body: map[bool]string{true: patchBody}[m == http.MethodPatch],
			wantStatus: http.StatusForbidden, check: unchanged})
	}
	rows = append(rows,
		// A method ServeMux does not normalise is not an update: 405.
		hostileRequest{name: "lower-case patch, Origin evil", method: "patch", target: "/api/session", role: "user",
			headers: []string{"Content-Type: application/json", "Origin: https://evil.example"}, body: patchBody,
			wantStatus: http.StatusMethodNotAllowed, check: unchanged},
		// A text/plain body needs no CORS preflight: refused all the same.
		hostileRequest{name: "PATCH text/plain, Sec-Fetch-Site cross-site", method: http.MethodPatch, target: "/api/session", role: "user",
			headers: []string{"Content-Type: text/plain", "Sec-Fetch-Site: cross-site"}, body: patchBody,
			wantStatus: http.StatusForbidden, check: unchanged},
		// An absolute-form target makes r.Host the attacker's host, so an
		// Origin check alone would pass; a browser never sends this to an
		// origin server, and its Sec-Fetch-Site decides first.
		hostileRequest{name: "DELETE absolute-form to the attacker's host", method: http.MethodDelete, target: "http://evil.example/api/session", role: "user",
			headers:    []string{"Sec-Fetch-Site: cross-site", "Origin: https://evil.example"},
			wantStatus: http.StatusForbidden, check: unchanged},
	)
	// Reads from another site are served (they change nothing) but never
	// shared with it: no CORS header, so the page cannot read the body,
	// and a preflight is not answered.
	noCORS := func(t *testing.T, h *harness, resp *http.Response, cookie string) {
		t.Helper()
		if v := resp.Header.Get("Access-Control-Allow-Origin"); v != "" {
			t.Errorf("got Access-Control-Allow-Origin %q, want none", v)
		}
		unchanged(t, h, resp, cookie)
	}
	rows = append(rows,
		hostileRequest{name: "GET Origin evil", target: "/api/session", role: "user",
			headers: []string{"Sec-Fetch-Site: cross-site", "Origin: https://evil.example"}, wantStatus: http.StatusOK, check: noCORS},
		hostileRequest{name: "OPTIONS preflight from evil", method: http.MethodOptions, target: "/api/session", role: "user",
			headers:    []string{"Origin: https://evil.example", "Access-Control-Request-Method: DELETE"},
			wantStatus: http.StatusMethodNotAllowed, check: noCORS},
	)
	sameOrigin := [][]string{{"Sec-Fetch-Site: same-origin", "Origin: http://example.test"}, {"Origin: http://example.test"}}
	for i, hdr := range sameOrigin {
		suffix := []string{" (Sec-Fetch-Site)", " (Origin only)"}[i]
		rows = append(rows,
			hostileRequest{name: "POST same-origin" + suffix, method: http.MethodPost, target: "/api/session", role: "user",
				headers: hdr, wantStatus: http.StatusOK},
			hostileRequest{name: "PATCH same-origin" + suffix, method: http.MethodPatch, target: "/api/session", role: "user",
				headers: append([]string{"Content-Type: application/json"}, hdr...), body: patchBody, wantStatus: http.StatusOK,
				check: func(t *testing.T, h *harness, resp *http.Response, _ string) {
					t.Helper()
					updated := h.setCookies(resp)
					if name, ok := apiSession(t, h, updated); !ok || name != "Mallory" {
						t.Errorf("after PATCH: got session %v name %q, want name %q", ok, name, "Mallory")
					}
				}},
			hostileRequest{name: "DELETE same-origin" + suffix, method: http.MethodDelete, target: "/api/session", role: "user",
				headers: hdr, wantStatus: http.StatusOK,
				check: func(t *testing.T, h *harness, _ *http.Response, cookie string) {
					t.Helper()
					if _, ok := apiSession(t, h, cookie); ok {
						t.Errorf("after DELETE: the old cookie is still a session, want it revoked")
					}
				}},
		)
	}
	runHostileRequests(t, h, rows)
}

func TestHandlersCrossOrigin(t *testing.T) {
	const host = "app.example.com"
	tests := []struct {
		name   string
		header map[string]string
		allow  bool
	}{
		{name: "same-origin fetch", header: map[string]string{"Sec-Fetch-Site": "same-origin", "Origin": "https://" + host}, allow: true},
		{name: "user-initiated", header: map[string]string{"Sec-Fetch-Site": "none"}, allow: true},
		{name: "same-site sibling", header: map[string]string{"Sec-Fetch-Site": "same-site", "Origin": "https://evil.example.com"}, allow: false},
		{name: "cross-site", header: map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.test"}, allow: false},
		{name: "cross-site from a trusted origin", header: map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://admin.example.net"}, allow: true},
		{name: "old browser, same origin", header: map[string]string{"Origin": "https://" + host}, allow: true},
		{name: "old browser, other origin", header: map[string]string{"Origin": "https://evil.test"}, allow: false},
		{name: "neither header (curl)", header: nil, allow: true},
	}
	for _, tt := range tests {
		for _, m := range []struct{ method, body string }{
			{http.MethodPost, ""},
			{http.MethodPatch, `{"user":{"name":"Bo"}}`},
			{http.MethodDelete, ""},
		} {
			t.Run(tt.name+"/"+m.method, func(t *testing.T) {
				auth, _ := newAPIAuth(t, func(c *authsession.Config[authsession.User]) {
					c.TrustedOrigins = []string{"https://admin.example.net"}
				})
				cookies := apiSignIn(t, auth, apiUser)
				req := httptest.NewRequest(m.method, "https://"+host+"/api/session", strings.NewReader(m.body))
				req.Header.Set("Content-Type", "application/json")
				for k, v := range tt.header {
					req.Header.Set(k, v)
				}
				for _, c := range cookies {
					req.AddCookie(c)
				}
				rec := httptest.NewRecorder()
				auth.Handlers.ServeHTTP(rec, req)
				if !tt.allow {
					apiCheckError(t, rec, http.StatusForbidden, "cross_origin")
					return
				}
				if rec.Code != http.StatusOK || len(rec.Result().Cookies()) == 0 {
					t.Errorf("got %d with %d cookies, want 200 with Set-Cookie", rec.Code, len(rec.Result().Cookies()))
				}
			})
		}
	}
	t.Run("GET from another site is served", func(t *testing.T) {
		auth, _ := newAPIAuth(t, nil)
		rec := apiServe(auth.Handlers, http.MethodGet, "/api/session", apiReq{header: map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.test"}})
		apiCheckJSON(t, rec, http.StatusOK)
	})
}

func TestHandlersMethods(t *testing.T) {
	auth, _ := newAPIAuth(t, nil)
	cookies := apiSignIn(t, auth, apiUser)
	tests := []struct {
		method, path string
		wantAllow    string
	}{
		{http.MethodPut, "/api/session", "GET, HEAD, POST, PATCH, DELETE"},
		{http.MethodOptions, "/api/session", "GET, HEAD, POST, PATCH, DELETE"},
		{http.MethodTrace, "/api/session", "GET, HEAD, POST, PATCH, DELETE"},
		{"FOO", "/api/session/", "GET, HEAD, POST, PATCH, DELETE"},
		{http.MethodPost, "/api/session/client.js", "GET, HEAD"},
		{http.MethodDelete, "/api/session/client.js", "GET, HEAD"},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			rec := apiServe(auth.Handlers, tt.method, tt.path, apiReq{cookies: cookies, body: `{"user":{"name":"Bo"}}`, contentType: "application/json"})
			if strings.HasSuffix(tt.path, "client.js") {
				// Static asset: no session headers, but still a 405.
				if rec.Code != http.StatusMethodNotAllowed {
					t.Errorf("got status %d, want 405", rec.Code)
				}
			} else {
				apiCheckError(t, rec, http.StatusMethodNotAllowed, "method_not_allowed")
			}
			if got := rec.Header().Get("Allow"); got != tt.wantAllow {
				t.Errorf("Allow: got %q, want %q", got, tt.wantAllow)
			}
		})
	}
}

func TestHandlersBodyLimitWithoutContentLength(t *testing.T) {
	auth, _ := newAPIAuth(t, nil)
	cookies := apiSignIn(t, auth, apiUser)
	body := `{"user":{"name":"` + strings.Repeat("a", 2*authsession.MaxAPIBodyBytes) + `"}}`
	req := httptest.NewRequest(http.MethodPatch, "/api/session", io.MultiReader(strings.NewReader(body)))
	req.ContentLength = -1 // as with a chunked request body
	req.Header.Set("Content-Type", "application/json")
	for _, c := range cookies {
		req.AddCookie(c)
	}
	rec := httptest.NewRecorder()
	auth.Handlers.ServeHTTP(rec, req)
	apiCheckError(t, rec, http.StatusRequestEntityTooLarge, "body_too_large")
}
