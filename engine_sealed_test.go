package authsession_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/authsession/authsession"
)

// FuzzSealedCookies: any cookie value, in either storage, is a session
// only if this configuration sealed it: hostile values (truncated,
// re-encoded, other purposes, tokens of the other storage) are "no
// session" and never panic, here or in the guard.
func FuzzSealedCookies(f *testing.F) {
	cookie := newStorageFixture(f, authsession.StorageCookie, true, nil)
	server := newStorageFixture(f, authsession.StorageServer, true, nil)
	var seeds []string
	for _, fx := range []*storageFixture{cookie, server} {
		b := newBrowser()
		b.get(f, fx.site, "/visits") // a visitor's sealed cookie
		seeds = append(seeds, b.jar["session"].Value)
		b.do(f, fx.site, http.MethodPost, "/login", map[string][]string{"user": {"u_1"}})
		seeds = append(seeds, b.jar["session"].Value)
	}
	for _, s := range seeds {
		f.Add(s)
		f.Add(s[:len(s)/2])
		f.Add(s + "A")
		f.Add(strings.ToUpper(s))
	}
	f.Add("")
	f.Add("....")
	f.Fuzz(func(t *testing.T, value string) {
		for _, fx := range []*storageFixture{cookie, server} {
			r := requestWith([]*http.Cookie{{Name: "session", Value: value}})
			s, ok := fx.auth.GetSession(r)
			if ok && s.User.ID != "u_1" {
				t.Fatalf("a session of %q from a fuzzed cookie", s.User.ID)
			}
			fx.auth.SessionData(r)
			b := newBrowser()
			b.jar["session"] = &http.Cookie{Name: "session", Value: value}
			if w := b.do(t, fx.site, http.MethodGet, "/api/session", nil); w.Code >= 500 && w.Code != http.StatusServiceUnavailable {
				t.Fatalf("GET /api/session: %d", w.Code)
			}
		}
	})
}
