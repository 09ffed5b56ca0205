package authsession_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/authsession/authsession"
	"github.com/go-jose/go-jose/v4"
)

func TestBadCookiesAreNoSession(t *testing.T) {
	clk := newClock()
	var logs logBuffer
	a := newAuth(t, clk, func(c *authsession.Config[authsession.User]) { c.Logger = debugLogger(&logs) })
	other := newAuth(t, clk, func(c *authsession.Config[authsession.User]) {
		c.Secret = "another-secret-0123456789-abcdefghijkl"
	})
	renamed := newAuth(t, clk, func(c *authsession.Config[authsession.User]) { c.Cookie.Name = "sid" })

	_, good := signIn(t, a, testUser)
	tok := good[0].Value
	_, wrongKey := signIn(t, other, testUser)
	_, wrongName := signIn(t, renamed, testUser)
	expiredAuth := newAuth(t, clk, func(c *authsession.Config[authsession.User]) {
		c.Expiry = time.Minute
		c.RefreshThreshold = time.Second
	})
	_, expired := signIn(t, expiredAuth, testUser)
	key, _ := authsession.DeriveKey(testSecret, "session")
	flip := func(i int) string {
		b := []byte(tok)
		if b[i] == 'A' {
			b[i] = 'B'
		} else {
			b[i] = 'A'
		}
		return string(b)
	}
	parts := strings.Split(tok, ".")

	tests := []struct {
		name   string
		header string // raw Cookie header
	}{
		{"absent", ""},
		{"empty value", "session="},
		{"garbage", "session=hello"},
		{"five empty parts", "session=...."},
		{"truncated", "session=" + tok[:len(tok)/2]},
		{"truncated by one", "session=" + tok[:len(tok)-1]},
		{"tampered header", "session=" + flip(5)},
		{"tampered ciphertext", "session=" + flip(len(parts[0])+len(parts[2])+10)},
		{"tampered tag", "session=" + flip(len(tok)-3)},
		{"swapped iv", "session=" + strings.Join([]string{parts[0], parts[1], "AAAAAAAAAAAAAAAA", parts[3], parts[4]}, ".")},
		{"extra part", "session=" + tok + ".x"},
		{"wrong key", "session=" + wrongKey[0].Value},
		{"wrong cookie name", "session=" + wrongName[0].Value},
		{"expired", "session=" + expired[0].Value},
		{"oversized", "session=" + strings.Repeat("a", 20000)},
		{"signed JWT, not JWE", "session=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1XzEifQ.c2lnbmF0dXJl"},
		{"alg none", "session=eyJhbGciOiJub25lIn0.eyJzdWIiOiJ1XzEifQ."},
		{"base64 junk", "session=%%%.%%%.%%%.%%%.%%%"},
		{"two cookies of the name", "session=" + tok + "; session=" + tok},
		{"chunks without chunk 0", "session.1=" + tok[:100] + "; session.2=" + tok[100:]},
		{"control bytes", "session=\x00\x01\x02"},
		{"zip header", "session=" + encryptRaw(t, key, jose.A256GCM, map[jose.HeaderKey]any{"zip": "DEF"}, map[string]any{"jti": "x", "iat": clk.Now().Unix(), "exp": clk.Now().Add(time.Hour).Unix()})},
		{"jku header", "session=" + encryptRaw(t, key, jose.A256GCM, map[jose.HeaderKey]any{"jku": "https://evil.example/keys"}, map[string]any{"jti": "x", "iat": clk.Now().Unix(), "exp": clk.Now().Add(time.Hour).Unix()})},
		{"A256CBC-HS512", "session=" + encryptRaw(t, append(key, key...), jose.A256CBC_HS512, nil, map[string]any{"jti": "x", "iat": clk.Now().Unix(), "exp": clk.Now().Add(time.Hour).Unix()})},
		{"no jti", "session=" + encryptRaw(t, key, jose.A256GCM, nil, map[string]any{"iat": clk.Now().Unix(), "exp": clk.Now().Add(time.Hour).Unix()})},
		{"no exp", "session=" + encryptRaw(t, key, jose.A256GCM, nil, map[string]any{"jti": "x", "iat": clk.Now().Unix()})},
		{"issued in the future", "session=" + encryptRaw(t, key, jose.A256GCM, nil, map[string]any{"jti": "x", "iat": clk.Now().Add(time.Hour).Unix(), "exp": clk.Now().Add(2 * time.Hour).Unix()})},
		{"claims not an object", "session=" + encryptRaw(t, key, jose.A256GCM, nil, []int{1, 2})},
		{"user of wrong type", "session=" + encryptRaw(t, key, jose.A256GCM, nil, map[string]any{"user": 42, "jti": "x", "iat": clk.Now().Unix(), "exp": clk.Now().Add(time.Hour).Unix()})},
	}
	clk.Add(2 * time.Minute) // the short-lived session has expired
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			if tt.header != "" {
				r.Header.Set("Cookie", tt.header)
			}
			if s, ok := a.GetSession(r); ok {
				t.Fatalf("got session %+v, want none", s)
			}
			if a.IsAuthenticated(r) {
				t.Fatal("IsAuthenticated: got true")
			}
			// Through the middleware: no panic, the handler runs, no session.
			w := httptest.NewRecorder()
			a.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if _, ok := a.GetSession(r); ok {
					t.Error("handler saw a session")
				}
			})).ServeHTTP(w, r)
			if w.Code >= 500 {
				t.Errorf("status %d", w.Code)
			}
			if _, err := a.RefreshSession(httptest.NewRecorder(), r); !errors.Is(err, authsession.ErrNoSession) {
				t.Errorf("RefreshSession: got %v, want ErrNoSession", err)
			}
			_, v, _ := strings.Cut(tt.header, "=")
			if _, err := a.DecryptSession(v); err == nil {
				t.Error("DecryptSession: got nil error")
			} else if len(v) > 16 && strings.Contains(err.Error(), v[:16]) {
				t.Errorf("error %q contains the token", err)
			}
		})
	}
	// The good cookie still works after all of that.
	if _, ok := a.GetSession(requestWith(good)); !ok {
		t.Error("the valid session stopped working")
	}
	out := logs.String()
	if !strings.Contains(out, "rejected session cookie") {
		t.Error("rejections were not logged at debug level")
	}
	for _, secret := range []string{testSecret, tok[:20], tok[len(tok)-20:], parts[3][:20]} {
		if strings.Contains(out, secret) {
			t.Errorf("log contains a secret or token fragment %q", secret)
		}
	}
}
