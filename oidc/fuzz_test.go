package oidc_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// FuzzCallback sends the callback hostile state cookies and queries: it
// never panics, never signs anyone in, and answers with an error status.
func FuzzCallback(f *testing.F) {
	w := newWorld(f)
	a := w.newApp(appOptions{})
	h := w.hosts["app.test"]
	// A real state cookie, to mutate.
	b := w.browser()
	res, _ := b.get(a.origin + "/auth/signin/op")
	real := ""
	for _, c := range res.Cookies() {
		if c.Name == stateCookieName {
			real = c.Value
		}
	}
	f.Add(real, "code=x&state=y")
	f.Add(real, "error=access_denied&state=")
	f.Add("", "code=x&state=y&iss=https%3A%2F%2Fop.test")
	f.Add("AAAA", "state=%ZZ&code")
	f.Add(strings.Repeat("A", 3000), "code=1")
	f.Fuzz(func(t *testing.T, cookie, query string) {
		req := httptest.NewRequest(http.MethodGet, "https://app.test/auth/callback", nil)
		req.URL.RawQuery = query
		if cookie != "" {
			req.Header.Set("Cookie", stateCookieName+"="+cookie)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code < 400 {
			t.Fatalf("callback answered %d", rec.Code)
		}
		for _, c := range rec.Result().Cookies() {
			if c.Name == "session" && c.MaxAge >= 0 {
				t.Fatal("a session cookie was set")
			}
		}
	})
}
