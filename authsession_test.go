package authsession_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/authsession/authsession"
	"github.com/go-jose/go-jose/v4"
)

func TestCreateAndGetSession(t *testing.T) {
	clk := newClock()
	a := newAuth(t, clk, nil)
	s, cookies := signIn(t, a, testUser, authsession.WithTokens("at-123", "rt-456"))

	if len(cookies) != 1 {
		t.Fatalf("got %d cookies, want 1", len(cookies))
	}
	c := cookies[0]
	if c.Name != "session" || !c.HttpOnly || !c.Secure || c.SameSite != http.SameSiteLaxMode || c.Path != "/" {
		t.Errorf("cookie attributes: got %+v", c)
	}
	if c.MaxAge != int((7 * 24 * time.Hour).Seconds()) {
		t.Errorf("Max-Age: got %d, want %d", c.MaxAge, int((7 * 24 * time.Hour).Seconds()))
	}
	if !c.Expires.Equal(s.ExpiresAt.Truncate(time.Second)) {
		t.Errorf("Expires: got %v, want %v", c.Expires, s.ExpiresAt)
	}
	if len(s.ID) < 22 {
		t.Errorf("session id %q shorter than 128 bits", s.ID)
	}

	got, ok := a.GetSession(requestWith(cookies))
	if !ok {
		t.Fatal("GetSession: no session")
	}
	if got.ID != s.ID || got.User.ID != "u_1" || got.User.Name != "Ann" || got.User.ExtraString("role") != "admin" {
		t.Errorf("got %+v, want user u_1 Ann admin with id %s", got, s.ID)
	}
	if got.AccessToken != "at-123" || got.RefreshToken != "rt-456" {
		t.Errorf("tokens: got %q %q", got.AccessToken, got.RefreshToken)
	}
	if !got.ExpiresAt.Equal(clk.Now().Add(7*24*time.Hour)) || !got.CreatedAt.Equal(clk.Now()) || !got.LastActivity.Equal(clk.Now()) {
		t.Errorf("times: got expires %v created %v last %v", got.ExpiresAt, got.CreatedAt, got.LastActivity)
	}
	if !a.IsAuthenticated(requestWith(cookies)) {
		t.Error("IsAuthenticated: got false, want true")
	}
	if a.IsAuthenticated(httptest.NewRequest("GET", "/", nil)) {
		t.Error("IsAuthenticated without cookie: got true, want false")
	}
}

func TestCreateSessionWithoutTokens(t *testing.T) {
	a := newAuth(t, newClock(), nil)
	_, cookies := signIn(t, a, authsession.User{ID: "u_2"})
	got, ok := a.GetSession(requestWith(cookies))
	if !ok || got.AccessToken != "" || got.RefreshToken != "" {
		t.Errorf("got %+v %v, want a session without tokens", got, ok)
	}
}

func TestCookieAttributes(t *testing.T) {
	tests := []struct {
		name   string
		cookie authsession.CookieConfig
		check  func(*http.Cookie) error
	}{
		{"domain and path", authsession.CookieConfig{Domain: "example.com", Path: "/app"}, func(c *http.Cookie) error {
			if c.Domain != "example.com" || c.Path != "/app" {
				return fmt.Errorf("got domain %q path %q", c.Domain, c.Path)
			}
			return nil
		}},
		{"strict", authsession.CookieConfig{SameSite: http.SameSiteStrictMode}, func(c *http.Cookie) error {
			if c.SameSite != http.SameSiteStrictMode {
				return fmt.Errorf("got SameSite %v", c.SameSite)
			}
			return nil
		}},
		{"none", authsession.CookieConfig{SameSite: http.SameSiteNoneMode}, func(c *http.Cookie) error {
			if c.SameSite != http.SameSiteNoneMode || !c.Secure {
				return fmt.Errorf("got SameSite %v Secure %v", c.SameSite, c.Secure)
			}
			return nil
		}},
		{"insecure for http development", authsession.CookieConfig{Insecure: true}, func(c *http.Cookie) error {
			if c.Secure || !c.HttpOnly {
				return fmt.Errorf("got Secure %v HttpOnly %v", c.Secure, c.HttpOnly)
			}
			return nil
		}},
		{"__Host- prefix", authsession.CookieConfig{Name: "__Host-session"}, func(c *http.Cookie) error {
			if c.Name != "__Host-session" || !c.Secure || c.Path != "/" || c.Domain != "" {
				return fmt.Errorf("got %+v", c)
			}
			return nil
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newAuth(t, newClock(), func(c *authsession.Config[authsession.User]) { c.Cookie = tt.cookie })
			_, cookies := signIn(t, a, testUser)
			if len(cookies) != 1 {
				t.Fatalf("got %d cookies, want 1", len(cookies))
			}
			if !cookies[0].HttpOnly {
				t.Error("cookie is not HttpOnly")
			}
			if err := tt.check(cookies[0]); err != nil {
				t.Error(err)
			}
			if _, ok := a.GetSession(requestWith(cookies)); !ok {
				t.Error("session does not read back")
			}
			// Deleting sends an expired cookie with the same attributes.
			w := httptest.NewRecorder()
			if err := a.DeleteSession(w, requestWith(cookies)); err != nil {
				t.Fatal(err)
			}
			del := cookieNamed(w.Result().Cookies(), cookies[0].Name)
			if del == nil || del.MaxAge >= 0 || del.Value != "" || !del.Expires.Before(time.Unix(1, 0)) {
				t.Fatalf("delete: got %+v, want an expired empty cookie", del)
			}
			if del.Path != cookies[0].Path || del.Domain != cookies[0].Domain || del.Secure != cookies[0].Secure ||
				del.SameSite != cookies[0].SameSite || !del.HttpOnly {
				t.Errorf("delete attributes: got %+v, want those of %+v", del, cookies[0])
			}
		})
	}
}

// tokenHeader decodes a token's protected header.
func tokenHeader(t *testing.T, tok string) map[string]any {
	t.Helper()
	seg, _, _ := strings.Cut(tok, ".")
	raw, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		t.Fatalf("header: %v", err)
	}
	var h map[string]any
	if err := json.Unmarshal(raw, &h); err != nil {
		t.Fatalf("header: %v", err)
	}
	return h
}

// openToken decrypts tok with go-jose directly, following only the
// documented format, and returns the claims.
func openToken(t *testing.T, tok, secret, cookieName string) map[string]any {
	t.Helper()
	key, err := authsession.DeriveKey(secret, cookieName)
	if err != nil {
		t.Fatal(err)
	}
	obj, err := jose.ParseEncryptedCompact(tok, []jose.KeyAlgorithm{jose.DIRECT}, []jose.ContentEncryption{jose.A256GCM})
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	plain, err := obj.Decrypt(key)
	if err != nil {
		t.Fatalf("decrypt: %v", err)
	}
	var claims map[string]any
	if err := json.Unmarshal(plain, &claims); err != nil {
		t.Fatalf("claims: %v", err)
	}
	return claims
}

func TestTokenFormat(t *testing.T) {
	clk := newClock()
	a := newAuth(t, clk, nil)
	s, cookies := signIn(t, a, testUser, authsession.WithTokens("at", "rt"))
	tok := cookies[0].Value

	h := tokenHeader(t, tok)
	key, _ := authsession.DeriveKey(testSecret, "session")
	want := map[string]any{"alg": "dir", "enc": "A256GCM", "kid": authsession.KeyID(key)}
	if len(h) != len(want) {
		t.Errorf("header: got %v, want %v", h, want)
	}
	for k, v := range want {
		if h[k] != v {
			t.Errorf("header %s: got %v, want %v", k, h[k], v)
		}
	}

	claims := openToken(t, tok, testSecret, "session")
	exp := clk.Now().Add(7 * 24 * time.Hour)
	wantClaims := map[string]any{
		"expiresAt":    float64(exp.UnixMilli()),
		"expiryDate":   exp.UTC().Format("2006-01-02T15:04:05.000Z"),
		"createdAt":    float64(clk.Now().UnixMilli()),
		"lastActivity": float64(clk.Now().UnixMilli()),
		"iat":          float64(clk.Now().Unix()),
		"exp":          float64(exp.UnixMilli() / 1000),
		"jti":          s.ID,
		"accessToken":  "at",
		"refreshToken": "rt",
	}
	for k, v := range wantClaims {
		if claims[k] != v {
			t.Errorf("claim %s: got %v, want %v", k, claims[k], v)
		}
	}
	user, _ := claims["user"].(map[string]any)
	if user["id"] != "u_1" || user["email"] != "ann@example.com" || user["role"] != "admin" {
		t.Errorf("user claim: got %v", user)
	}
}

// The kid must be the RFC 7638 thumbprint of the key: SHA-256 over the
// required members in lexicographic order (encoding/json sorts map keys).
func TestKeyIDIsJWKThumbprint(t *testing.T) {
	key, _ := authsession.DeriveKey(testSecret, "session")
	jwk, _ := json.Marshal(map[string]string{"kty": "oct", "k": base64.RawURLEncoding.EncodeToString(key)})
	sum := sha256.Sum256(jwk)
	if got, want := authsession.KeyID(key), base64.RawURLEncoding.EncodeToString(sum[:]); got != want {
		t.Errorf("KeyID: got %s, want %s", got, want)
	}
	// HKDF-SHA256(secret, salt=cookie name, info) per RFC 5869, by hand.
	prk := hmacSHA256([]byte("session"), []byte(testSecret))
	okm := hmacSHA256(prk, append([]byte(authsession.HKDFInfo), 1))
	if !bytes.Equal(key, okm) {
		t.Errorf("DeriveKey: got %x, want %x", key, okm)
	}
}

func hmacSHA256(key, data []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write(data)
	return m.Sum(nil)
}

func TestTokenBoundToCookieName(t *testing.T) {
	clk := newClock()
	a := newAuth(t, clk, func(c *authsession.Config[authsession.User]) { c.Cookie.Name = "a" })
	b := newAuth(t, clk, func(c *authsession.Config[authsession.User]) { c.Cookie.Name = "b" })
	_, cookies := signIn(t, a, testUser)
	r := httptest.NewRequest("GET", "/", nil)
	r.AddCookie(&http.Cookie{Name: "b", Value: cookies[0].Value})
	if _, ok := b.GetSession(r); ok {
		t.Error("a token from cookie a was accepted as cookie b")
	}
	if _, err := b.DecryptSession(cookies[0].Value); !errors.Is(err, authsession.ErrInvalidToken) {
		t.Errorf("DecryptSession: got %v, want ErrInvalidToken", err)
	}
}

func TestKeyRotation(t *testing.T) {
	const oldSecret = "old-secret-0123456789-abcdefghijklmnop"
	clk := newClock()
	old := newAuth(t, clk, func(c *authsession.Config[authsession.User]) { c.Secret = oldSecret })
	rotated := newAuth(t, clk, func(c *authsession.Config[authsession.User]) {
		c.PreviousSecrets = []authsession.Secret{oldSecret}
	})
	unrotated := newAuth(t, clk, nil)

	s, cookies := signIn(t, old, testUser)
	if _, ok := unrotated.GetSession(requestWith(cookies)); ok {
		t.Fatal("a token under an unknown secret was accepted")
	}
	got, ok := rotated.GetSession(requestWith(cookies))
	if !ok || got.ID != s.ID {
		t.Fatalf("previous secret: got %v %v, want the session", got.ID, ok)
	}

	// The next write re-issues it under the current secret.
	w := httptest.NewRecorder()
	if _, err := rotated.UpdateSession(w, requestWith(cookies), func(s *authsession.Session[authsession.User]) error {
		s.User.Name = "Ann B."
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	reissued := w.Result().Cookies()
	curKey, _ := authsession.DeriveKey(testSecret, "session")
	if kid := tokenHeader(t, reissued[0].Value)["kid"]; kid != authsession.KeyID(curKey) {
		t.Errorf("re-issued kid: got %v, want the current key's", kid)
	}
	if got, ok := unrotated.GetSession(requestWith(reissued)); !ok || got.ID != s.ID || got.User.Name != "Ann B." {
		t.Errorf("re-issued token under the current secret: got %+v %v", got, ok)
	}
}

func TestTokenWithoutKidTriesEveryKey(t *testing.T) {
	const oldSecret = "old-secret-0123456789-abcdefghijklmnop"
	clk := newClock()
	a := newAuth(t, clk, func(c *authsession.Config[authsession.User]) {
		c.PreviousSecrets = []authsession.Secret{oldSecret}
	})
	key, _ := authsession.DeriveKey(oldSecret, "session")
	tok := encryptRaw(t, key, jose.A256GCM, nil, map[string]any{
		"user": map[string]any{"id": "u_9"}, "jti": "abcdefghijklmnopqrstuv",
		"iat": clk.Now().Unix(), "exp": clk.Now().Add(time.Hour).Unix(),
	})
	s, err := a.DecryptSession(tok)
	if err != nil || s.User.ID != "u_9" {
		t.Fatalf("got %+v %v, want user u_9", s, err)
	}
	if !s.ExpiresAt.Equal(clk.Now().Add(time.Hour)) || !s.CreatedAt.Equal(clk.Now()) {
		t.Errorf("derived times: got expires %v created %v", s.ExpiresAt, s.CreatedAt)
	}
}

// encryptRaw builds a token with go-jose directly.
func encryptRaw(t testing.TB, key []byte, enc jose.ContentEncryption, headers map[jose.HeaderKey]any, claims any) string {
	t.Helper()
	opts := &jose.EncrypterOptions{ExtraHeaders: headers}
	e, err := jose.NewEncrypter(enc, jose.Recipient{Algorithm: jose.DIRECT, Key: key}, opts)
	if err != nil {
		t.Fatal(err)
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	obj, err := e.Encrypt(payload)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := obj.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestChunkedCookies(t *testing.T) {
	clk := newClock()
	a := newAuth(t, clk, nil)
	big := testUser
	big.Extra = map[string]any{"bio": strings.Repeat("x", 9000)}
	s, cookies := signIn(t, a, big)

	if len(cookies) < 3 {
		t.Fatalf("got %d cookies, want the token split in 3 or more", len(cookies))
	}
	for i, c := range cookies {
		if want := fmt.Sprintf("session.%d", i); c.Name != want {
			t.Errorf("cookie %d: got name %q, want %q", i, c.Name, want)
		}
		if n := len(c.Name) + 1 + len(c.Value); n > 4096 {
			t.Errorf("cookie %s: name=value is %d bytes, over 4096", c.Name, n)
		}
		if !c.HttpOnly || c.MaxAge <= 0 {
			t.Errorf("cookie %s: got %+v", c.Name, c)
		}
	}
	got, ok := a.GetSession(requestWith(cookies))
	if !ok || got.ID != s.ID || got.User.ExtraString("bio") != big.Extra["bio"] {
		t.Fatalf("chunked session did not read back whole")
	}

	// A missing chunk is no session.
	if _, ok := a.GetSession(requestWith(cookies[1:])); ok {
		t.Error("a chunk set missing chunk 0 was accepted")
	}
	if _, ok := a.GetSession(requestWith(append(cookies[:1:1], cookies[2:]...))); ok {
		t.Error("a chunk set missing chunk 1 was accepted")
	}

	// Shrinking the session writes one cookie and clears every old chunk.
	w := httptest.NewRecorder()
	if _, err := a.UpdateSession(w, requestWith(cookies), func(s *authsession.Session[authsession.User]) error {
		s.User.Extra = nil
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	out := w.Result().Cookies()
	if c := cookieNamed(out, "session"); c == nil || c.MaxAge <= 0 {
		t.Errorf("got %v, want a live single cookie", c)
	}
	for i := range cookies {
		c := cookieNamed(out, fmt.Sprintf("session.%d", i))
		if c == nil || c.MaxAge >= 0 {
			t.Errorf("chunk %d: got %+v, want it expired", i, c)
		}
	}

	// And deleting clears every chunk that the browser still has.
	w = httptest.NewRecorder()
	a.DeleteSession(w, requestWith(cookies))
	for i := range cookies {
		if c := cookieNamed(w.Result().Cookies(), fmt.Sprintf("session.%d", i)); c == nil || c.MaxAge >= 0 {
			t.Errorf("delete: chunk %d not expired: %+v", i, c)
		}
	}
}

func TestGrowingSessionClearsSingleCookie(t *testing.T) {
	a := newAuth(t, newClock(), nil)
	_, cookies := signIn(t, a, testUser)
	w := httptest.NewRecorder()
	if _, err := a.UpdateSession(w, requestWith(cookies), func(s *authsession.Session[authsession.User]) error {
		s.User.Extra = map[string]any{"bio": strings.Repeat("y", 6000)}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	out := w.Result().Cookies()
	if c := cookieNamed(out, "session"); c == nil || c.MaxAge >= 0 {
		t.Errorf("single cookie: got %+v, want it expired", c)
	}
	if got, ok := a.GetSession(requestWith(out)); !ok || got.User.ExtraString("bio") == "" {
		t.Error("grown session did not read back")
	}
}

func TestSessionTooLarge(t *testing.T) {
	a := newAuth(t, newClock(), func(c *authsession.Config[authsession.User]) { c.MaxCookieBytes = 4096 })
	big := testUser
	big.Extra = map[string]any{"bio": strings.Repeat("z", 5000)}

	w := httptest.NewRecorder()
	_, err := a.CreateSession(w, httptest.NewRequest("POST", "/", nil), big)
	if !errors.Is(err, authsession.ErrSessionTooLarge) {
		t.Fatalf("create: got %v, want ErrSessionTooLarge", err)
	}
	if got := w.Header().Values("Set-Cookie"); len(got) != 0 {
		t.Errorf("create wrote %d cookies, want none", len(got))
	}

	_, cookies := signIn(t, a, testUser)
	w = httptest.NewRecorder()
	_, err = a.UpdateSession(w, requestWith(cookies), func(s *authsession.Session[authsession.User]) error {
		s.User.Extra = big.Extra
		return nil
	})
	if !errors.Is(err, authsession.ErrSessionTooLarge) {
		t.Fatalf("update: got %v, want ErrSessionTooLarge", err)
	}
	if got := w.Header().Values("Set-Cookie"); len(got) != 0 {
		t.Errorf("update wrote %d cookies, want none", len(got))
	}
	if s, ok := a.GetSession(requestWith(cookies)); !ok || s.User.ExtraString("bio") != "" {
		t.Error("the failed update changed the session")
	}
}

func TestUpdateSession(t *testing.T) {
	clk := newClock()
	a := newAuth(t, clk, nil)
	orig, cookies := signIn(t, a, testUser, authsession.WithTokens("at-1", "rt-1"))
	clk.Add(time.Minute)

	cur, _ := a.GetSession(requestWith(cookies))
	w := httptest.NewRecorder()
	next, err := a.UpdateSession(w, requestWith(cookies), func(s *authsession.Session[authsession.User]) error {
		s.User.Name = "Ann Updated"
		s.User.Extra["role"] = "user" // must not touch the cached copy
		s.AccessToken = "at-2"
		s.ID = "forged"                   // ignored
		s.ExpiresAt = time.Unix(1<<40, 0) // ignored
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if next.ID != orig.ID || !next.ExpiresAt.Equal(orig.ExpiresAt) || !next.CreatedAt.Equal(orig.CreatedAt) {
		t.Errorf("update changed id or times: got %+v", next)
	}
	if cur.User.ExtraString("role") != "admin" {
		t.Error("update mutated a session returned earlier")
	}
	got, ok := a.GetSession(requestWith(w.Result().Cookies()))
	if !ok || got.User.Name != "Ann Updated" || got.User.ExtraString("role") != "user" || got.AccessToken != "at-2" || got.RefreshToken != "rt-1" {
		t.Errorf("got %+v %v", got, ok)
	}
	if again, _ := a.GetSession(requestWith(cookies)); again.User.ExtraString("role") != "admin" {
		t.Error("update mutated the cached session of the old cookie")
	}

	// An error from the update function writes nothing.
	w = httptest.NewRecorder()
	boom := errors.New("boom")
	if _, err := a.UpdateSession(w, requestWith(cookies), func(*authsession.Session[authsession.User]) error { return boom }); !errors.Is(err, boom) {
		t.Errorf("got %v, want boom", err)
	}
	if len(w.Header().Values("Set-Cookie")) != 0 {
		t.Error("a failed update wrote a cookie")
	}

	// Without a session: ErrNoSession.
	if _, err := a.UpdateSession(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil), func(*authsession.Session[authsession.User]) error { return nil }); !errors.Is(err, authsession.ErrNoSession) {
		t.Errorf("got %v, want ErrNoSession", err)
	}
}

func TestExpiryAndRefresh(t *testing.T) {
	clk := newClock()
	a := newAuth(t, clk, nil)
	s, cookies := signIn(t, a, testUser)

	if a.ShouldRefreshSession(s) || a.IsSessionExpired(s) {
		t.Fatal("a new session should neither need refresh nor be expired")
	}
	clk.Add(25 * time.Hour)
	if !a.ShouldRefreshSession(s) {
		t.Error("ShouldRefreshSession after the threshold: got false, want true")
	}
	w := httptest.NewRecorder()
	r, err := a.RefreshSession(w, requestWith(cookies))
	if err != nil {
		t.Fatal(err)
	}
	if want := clk.Now().Add(7 * 24 * time.Hour); !r.ExpiresAt.Equal(want) || !r.LastActivity.Equal(clk.Now()) || r.ID != s.ID {
		t.Errorf("refreshed: got expires %v last %v id %v, want expires %v", r.ExpiresAt, r.LastActivity, r.ID, want)
	}
	cookies = w.Result().Cookies()
	if a.ShouldRefreshSession(r) {
		t.Error("a just-refreshed session should not need refresh")
	}

	// Past the expiry (plus leeway) the cookie is no session.
	clk.Add(7*24*time.Hour + 6*time.Second)
	if _, ok := a.GetSession(requestWith(cookies)); ok {
		t.Error("an expired session was accepted")
	}
	if !a.IsSessionExpired(r) {
		t.Error("IsSessionExpired: got false, want true")
	}
	if _, err := a.DecryptSession(cookies[0].Value); !errors.Is(err, authsession.ErrTokenExpired) {
		t.Errorf("DecryptSession: got %v, want ErrTokenExpired", err)
	}
	if _, err := a.RefreshSession(httptest.NewRecorder(), requestWith(cookies)); !errors.Is(err, authsession.ErrNoSession) {
		t.Errorf("refresh of an expired session: got %v, want ErrNoSession", err)
	}
}

func TestMaxLifetime(t *testing.T) {
	clk := newClock()
	a := newAuth(t, clk, nil)
	s, cookies := signIn(t, a, testUser)

	// Refresh every 6 days: the session slides, but never past 30 days.
	for i := 0; i < 10; i++ {
		clk.Add(6 * 24 * time.Hour)
		w := httptest.NewRecorder()
		r, err := a.RefreshSession(w, requestWith(cookies))
		if err != nil {
			if !errors.Is(err, authsession.ErrMaxLifetime) && !errors.Is(err, authsession.ErrNoSession) {
				t.Fatalf("refresh %d: got %v", i, err)
			}
			break
		}
		if end := s.CreatedAt.Add(30 * 24 * time.Hour); r.ExpiresAt.After(end) {
			t.Fatalf("refresh %d: expiry %v is past the maximum lifetime %v", i, r.ExpiresAt, end)
		}
		cookies = w.Result().Cookies()
	}
	if clk.Now().Sub(s.CreatedAt) < 30*24*time.Hour {
		t.Fatalf("loop ended early at %v", clk.Now().Sub(s.CreatedAt))
	}
	if _, ok := a.GetSession(requestWith(cookies)); ok {
		t.Error("a session past its maximum lifetime was accepted")
	}
}

func TestAutoRefreshThroughMiddleware(t *testing.T) {
	clk := newClock()
	a := newAuth(t, clk, nil)
	s, cookies := signIn(t, a, testUser)
	var seen authsession.Session[authsession.User]
	h := a.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen, _ = a.GetSession(r)
		w.WriteHeader(http.StatusNoContent)
	}))

	w := httptest.NewRecorder()
	h.ServeHTTP(w, requestWith(cookies))
	if got := w.Header().Values("Set-Cookie"); len(got) != 0 {
		t.Errorf("fresh session: got Set-Cookie %d times, want none", len(got))
	}

	clk.Add(25 * time.Hour)
	w = httptest.NewRecorder()
	h.ServeHTTP(w, requestWith(cookies))
	if len(w.Result().Cookies()) != 1 {
		t.Fatalf("after the threshold: got %d cookies, want the session re-issued", len(w.Result().Cookies()))
	}
	if !seen.LastActivity.Equal(clk.Now()) || seen.ID != s.ID {
		t.Errorf("handler saw %+v, want the refreshed session", seen)
	}

	// With auto refresh off nothing is re-issued.
	b := newAuth(t, clk, func(c *authsession.Config[authsession.User]) { c.DisableAutoRefresh = true })
	_, cookies = signIn(t, b, testUser)
	clk.Add(25 * time.Hour)
	w = httptest.NewRecorder()
	b.Middleware(http.NotFoundHandler()).ServeHTTP(w, requestWith(cookies))
	if got := w.Header().Values("Set-Cookie"); len(got) != 0 {
		t.Errorf("auto refresh off: got %d Set-Cookie, want none", len(got))
	}
}

func TestHooks(t *testing.T) {
	clk := newClock()
	banned := map[string]bool{"u_bad": true}
	a := newAuth(t, clk, func(c *authsession.Config[authsession.User]) {
		c.OnValidate = func(_ context.Context, s authsession.Session[authsession.User]) bool { return !banned[s.User.ID] }
		c.OnRefresh = func(_ context.Context, s authsession.Session[authsession.User]) (authsession.Session[authsession.User], error) {
			if s.User.ID == "u_stop" {
				return s, errors.New("account closed")
			}
			s.AccessToken = "renewed"
			return s, nil
		}
	})

	_, bad := signIn(t, a, authsession.User{ID: "u_bad"})
	if _, ok := a.GetSession(requestWith(bad)); ok {
		t.Error("OnValidate false: got a session")
	}

	_, good := signIn(t, a, authsession.User{ID: "u_ok"}, authsession.WithTokens("old", ""))
	clk.Add(time.Hour)
	w := httptest.NewRecorder()
	s, err := a.RefreshSession(w, requestWith(good))
	if err != nil || s.AccessToken != "renewed" {
		t.Errorf("OnRefresh change: got %v %v", s.AccessToken, err)
	}

	_, stop := signIn(t, a, authsession.User{ID: "u_stop"})
	w = httptest.NewRecorder()
	if _, err := a.RefreshSession(w, requestWith(stop)); !errors.Is(err, authsession.ErrRejected) {
		t.Errorf("OnRefresh error: got %v, want ErrRejected", err)
	}
	if c := cookieNamed(w.Result().Cookies(), "session"); c == nil || c.MaxAge >= 0 {
		t.Errorf("OnRefresh error: got %+v, want the cookie cleared", c)
	}
}

func TestConcurrentUse(t *testing.T) {
	clk := newClock()
	a := newAuth(t, clk, func(c *authsession.Config[authsession.User]) { c.CacheBytes = 64 << 10 })
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				u := authsession.User{ID: fmt.Sprintf("u_%d_%d", g, i)}
				s, cookies := signIn(t, a, u)
				got, ok := a.GetSession(requestWith(cookies))
				if !ok || got.ID != s.ID || got.User.ID != u.ID {
					t.Errorf("goroutine %d: got %v %v, want %s", g, got.User.ID, ok, u.ID)
					return
				}
				w := httptest.NewRecorder()
				if _, err := a.UpdateSession(w, requestWith(cookies), func(s *authsession.Session[authsession.User]) error {
					s.User.Name = u.ID
					return nil
				}); err != nil {
					t.Error(err)
					return
				}
			}
		}(g)
	}
	wg.Wait()
}

func TestEncryptDecryptSession(t *testing.T) {
	clk := newClock()
	a := newAuth(t, clk, nil)
	in := authsession.Session[authsession.User]{
		User: testUser, AccessToken: "at",
		CreatedAt: clk.Now(), LastActivity: clk.Now(), ExpiresAt: clk.Now().Add(time.Hour),
	}
	tok, err := a.EncryptSession(in)
	if err != nil {
		t.Fatal(err)
	}
	out, err := a.DecryptSession(tok)
	if err != nil {
		t.Fatal(err)
	}
	if out.ID == "" || out.User.Email != in.User.Email || out.AccessToken != "at" || !out.ExpiresAt.Equal(in.ExpiresAt) {
		t.Errorf("got %+v", out)
	}
	if strings.Contains(tok, "ann@example.com") {
		t.Error("token shows the plaintext")
	}
}

func TestSessionJSON(t *testing.T) {
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s := authsession.Session[authsession.User]{
		ID: "ignored", User: authsession.User{ID: "u_1", Name: "Ann", Extra: map[string]any{"role": "admin"}},
		AccessToken: "a", RefreshToken: "r",
		ExpiresAt: at, CreatedAt: at.Add(-24 * time.Hour), LastActivity: at.Add(-24 * time.Hour),
	}
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"user":{"id":"u_1","name":"Ann","role":"admin"},"accessToken":"a","refreshToken":"r","expiresAt":1767225600000,"expiryDate":"2026-01-01T00:00:00.000Z","createdAt":1767139200000,"lastActivity":1767139200000}`
	if string(b) != want {
		t.Errorf("got  %s\nwant %s", b, want)
	}
	pub, _ := json.Marshal(s.Public(false))
	if strings.Contains(string(pub), "accessToken") || strings.Contains(string(pub), "refreshToken") {
		t.Errorf("Public(false) kept tokens: %s", pub)
	}
	pub, _ = json.Marshal(s.Public(true))
	if !strings.Contains(string(pub), `"accessToken":"a"`) || strings.Contains(string(pub), "refreshToken") {
		t.Errorf("Public(true): %s", pub)
	}
	var back authsession.Session[authsession.User]
	if err := json.Unmarshal(b, &back); err != nil || !back.ExpiresAt.Equal(at) || back.User.ExtraString("role") != "admin" {
		t.Errorf("round trip: got %+v %v", back, err)
	}
}

func TestTwoInstancesDoNotShareContext(t *testing.T) {
	clk := newClock()
	a := newAuth(t, clk, nil)
	b := newAuth(t, clk, func(c *authsession.Config[authsession.User]) { c.Cookie.Name = "other" })
	_, cookies := signIn(t, a, testUser)
	var bSaw bool
	h := a.Middleware(b.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, bSaw = b.GetSession(r)
	})))
	h.ServeHTTP(httptest.NewRecorder(), requestWith(cookies))
	if bSaw {
		t.Error("instance b saw instance a's session")
	}
}
