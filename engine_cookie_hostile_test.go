package authsession_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/authsession/authsession"
)

// TestAdversarialOversized: huge tokens, huge numbers of cookies, and
// chunk sets that exceed the limits. Go's server refuses headers over
// http.DefaultMaxHeaderBytes (1 MiB) with 431; below that it is "no
// session".
func TestAdversarialOversized(t *testing.T) {
	h := newHarness(t)
	tok := h.token(t)
	many := func(n int, f func(i int) string) string {
		var b strings.Builder
		for i := 0; i < n; i++ {
			if i > 0 {
				b.WriteString("; ")
			}
			b.WriteString(f(i))
		}
		return b.String()
	}
	tests := []struct {
		name        string
		cookie      string
		wantSession bool
		allow431    bool
	}{
		{"1 MiB token", advCookieName + "=" + strings.Repeat("A", 1<<20), false, true},
		{"1 MiB token of dots", advCookieName + "=" + strings.Repeat(".", 1<<20), false, true},
		{"just under the header limit", advCookieName + "=" + strings.Repeat("A", 1<<20-4096), false, true},
		{"64 KiB token", advCookieName + "=" + strings.Repeat("A", 64<<10), false, false},
		{"17 KiB valid-looking token", advCookieName + "=" + tok + strings.Repeat("A", 17<<10), false, false},
		{"10,000 cookies", many(10000, func(i int) string { return fmt.Sprintf("c%d=v", i) }), false, false},
		{"10,000 cookies then the session", many(10000, func(i int) string { return fmt.Sprintf("c%d=v", i) }) + "; " + advCookieName + "=" + tok, true, false},
		{"10,000 session cookies", many(10000, func(int) string { return advCookieName + "=" + tok }), false, true},
		{"10,000 chunk cookies", many(10000, func(i int) string { return fmt.Sprintf("%s.%d=AAAA", advCookieName, i%100) }), false, false},
		{"33 chunks", many(33, func(i int) string { return fmt.Sprintf("%s.%d=AAAA", advCookieName, i) }), false, false},
		{"32 chunks of 4000 bytes", many(32, func(i int) string { return fmt.Sprintf("%s.%d=%s", advCookieName, i, strings.Repeat("A", 4000)) }), false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, body := h.whoami(t, tt.cookie)
			switch {
			case code == http.StatusRequestHeaderFieldsTooLarge && tt.allow431:
			case code != http.StatusOK:
				t.Errorf("got status %d, want 200%s", code, map[bool]string{true: " or 431"}[tt.allow431])
			case tt.wantSession && !strings.HasPrefix(body, "session:"):
				t.Errorf("got %q, want a session", body)
			case !tt.wantSession && body != "none":
				t.Errorf("got %q, want %q", body, "none")
			}
			h.stillServing(t)
		})
	}
}

// TestAdversarialCookieBytes: every byte value, in the cookie value and in
// the cookie name, sent raw over TCP. The server may refuse the request
// (400) but never with a 5xx, and a token with a foreign byte inside it is
// never a session.
func TestAdversarialCookieBytes(t *testing.T) {
	h := newHarness(t)
	tok := h.token(t)
	for b := 0; b < 256; b++ {
		c := string([]byte{byte(b)})
		for _, tt := range []struct{ what, cookie string }{
			{"inside the token", advCookieName + "=" + tok[:20] + c + tok[20:]},
			{"as the whole value", advCookieName + "=" + c},
			{"repeated as the value", advCookieName + "=" + strings.Repeat(c, 100)},
			{"in the name", advCookieName + c + "=" + tok[:20] + c + tok[20:]},
		} {
			code, body := h.whoami(t, tt.cookie)
			switch {
			case code >= 500:
				t.Errorf("byte %#02x %s: got status %d, want no 5xx", b, tt.what, code)
			case code == http.StatusOK && body != "none":
				t.Errorf("byte %#02x %s: got %q, want %q", b, tt.what, body, "none")
			case code != http.StatusOK && code != http.StatusBadRequest:
				t.Errorf("byte %#02x %s: got status %d, want 200 or 400", b, tt.what, code)
			}
		}
	}
	h.stillServing(t)
}

// TestAdversarialChunks: chunk sets with a missing, extra or duplicate
// chunk are "no session"; the complete set, in any order, is the session.
func TestAdversarialChunks(t *testing.T) {
	h := newHarness(t)
	tok := h.token(t)
	third := len(tok) / 3
	c := []string{tok[:third], tok[third : 2*third], tok[2*third:]}
	chunk := func(i int, v string) string { return fmt.Sprintf("%s.%d=%s", advCookieName, i, v) }
	tests := []struct {
		name        string
		cookie      string
		wantSession bool
	}{
		{"complete (control)", chunk(0, c[0]) + "; " + chunk(1, c[1]) + "; " + chunk(2, c[2]), true},
		{"complete, shuffled", chunk(2, c[2]) + "; " + chunk(0, c[0]) + "; " + chunk(1, c[1]), true},
		{"missing first", chunk(1, c[1]) + "; " + chunk(2, c[2]), false},
		{"missing middle", chunk(0, c[0]) + "; " + chunk(2, c[2]), false},
		{"missing last", chunk(0, c[0]) + "; " + chunk(1, c[1]), false},
		{"extra chunk", chunk(0, c[0]) + "; " + chunk(1, c[1]) + "; " + chunk(2, c[2]) + "; " + chunk(3, "AAAA"), false},
		{"extra chunk after a gap", chunk(0, c[0]) + "; " + chunk(1, c[1]) + "; " + chunk(2, c[2]) + "; " + chunk(5, "AAAA"), false},
		{"duplicate chunk, same value", chunk(0, c[0]) + "; " + chunk(1, c[1]) + "; " + chunk(1, c[1]) + "; " + chunk(2, c[2]), false},
		{"duplicate chunk, other value", chunk(0, c[0]) + "; " + chunk(1, c[1]) + "; " + chunk(1, "AAAA") + "; " + chunk(2, c[2]), false},
		{"empty chunk", chunk(0, c[0]) + "; " + chunk(1, "") + "; " + chunk(2, c[1]+c[2]), false},
		{"leading-zero index", chunk(0, c[0]) + "; " + advCookieName + ".01=" + c[1] + "; " + chunk(2, c[2]), false},
		{"negative index", chunk(0, c[0]) + "; " + advCookieName + ".-1=" + c[1] + "; " + chunk(2, c[2]), false},
		{"swapped values", chunk(0, c[1]) + "; " + chunk(1, c[0]) + "; " + chunk(2, c[2]), false},
		{"two single cookies", advCookieName + "=" + tok + "; " + advCookieName + "=" + tok, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, body := h.whoami(t, tt.cookie)
			got := code == http.StatusOK && strings.HasPrefix(body, "session:")
			if code != http.StatusOK || got != tt.wantSession {
				t.Errorf("got %d %q, want 200 with session=%v", code, body, tt.wantSession)
			}
			h.stillServing(t)
		})
	}
}

// TestAdversarialCookieNameBinding: a token issued under another cookie
// name with the same secret is never a session here (the key is derived
// with the cookie name as HKDF salt).
func TestAdversarialCookieNameBinding(t *testing.T) {
	h := newHarness(t)
	other := buildAuth(t, authsession.Config[authsession.User]{
		Secret: advSecret,
		Cookie: authsession.CookieConfig{Name: "other_session", Insecure: true},
		Now:    func() time.Time { return advNow },
	})
	tok, err := other.EncryptSession(authsession.Session[authsession.User]{
		User:      authsession.User{ID: "u_1"},
		ExpiresAt: advNow.Add(time.Hour), CreatedAt: advNow, LastActivity: advNow,
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := other.DecryptSession(tok); err != nil {
		t.Fatalf("control: other instance rejects its own token: %v", err)
	}
	h.expectNoSession(t, "token of cookie other_session", tok)
	// The same token sent under its own name is simply not our cookie.
	h.remember(tok)
	if code, body := h.whoami(t, "other_session="+tok); code != http.StatusOK || body != "none" {
		t.Errorf("other cookie name: got %d %q, want 200 %q", code, body, "none")
	}
	h.stillServing(t)
}
