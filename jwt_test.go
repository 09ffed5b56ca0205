package authsession_test

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/authsession/authsession"
	"github.com/go-jose/go-jose/v4"
)

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
