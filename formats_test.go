package authsession_test

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/authsession/authsession"
	"github.com/authsession/authsession/internal/jwe"
	"github.com/go-jose/go-jose/v4"
)

func TestFormatConfig(t *testing.T) {
	tests := []struct {
		name     string
		format   authsession.TokenFormat
		cookie   authsession.CookieConfig
		wantName string
		wantErr  error
	}{
		{"default", authsession.FormatDefault, authsession.CookieConfig{}, "session", nil},
		{"authjs secure", authsession.FormatAuthJS, authsession.CookieConfig{}, "__Secure-authjs.session-token", nil},
		{"authjs insecure", authsession.FormatAuthJS, authsession.CookieConfig{Insecure: true}, "authjs.session-token", nil},
		{"nextauth-v4 secure", authsession.FormatNextAuthV4, authsession.CookieConfig{}, "__Secure-next-auth.session-token", nil},
		{"nextauth-v4 insecure", authsession.FormatNextAuthV4, authsession.CookieConfig{Insecure: true}, "next-auth.session-token", nil},
		{"explicit name kept", authsession.FormatAuthJS, authsession.CookieConfig{Name: "sid"}, "sid", nil},
		{"unknown format", authsession.TokenFormat("jose"), authsession.CookieConfig{}, "", authsession.ErrConfig},
		{"format in another case", authsession.TokenFormat("AuthJS"), authsession.CookieConfig{}, "", authsession.ErrConfig},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			auth, err := authsession.NextAuthSession(authsession.Config[authsession.User]{
				Secret: secretA, Format: tt.format, Cookie: tt.cookie,
			})
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("error: got %v, want %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			if got := auth.Config.Cookie.Name; got != tt.wantName {
				t.Errorf("cookie name: got %q, want %q", got, tt.wantName)
			}
		})
	}
}

// TestTokenFormatText: a format is its name, read from JSON (or a flag,
// or the environment) by conversion; the zero value is the default, and
// NextAuthSession refuses any other name, naming Format.
func TestTokenFormatText(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want authsession.TokenFormat
	}{{"default", authsession.FormatDefault}, {"authjs", authsession.FormatAuthJS}, {"nextauth-v4", authsession.FormatNextAuthV4}, {"", authsession.FormatDefault}} {
		var got struct{ Format authsession.TokenFormat }
		if err := json.Unmarshal([]byte(`{"Format":"`+tt.in+`"}`), &got); err != nil {
			t.Fatal(err)
		}
		auth, err := authsession.NextAuthSession(authsession.Config[authsession.User]{Secret: testSecret, Format: got.Format})
		if err != nil || auth.Config.Format != tt.want {
			t.Errorf("Format %q: got %v, %v, want %q", tt.in, auth.Config.Format, err, tt.want)
		}
		if b, _ := json.Marshal(auth.Config.Format); string(b) != `"`+string(tt.want)+`"` {
			t.Errorf("Format %q encodes as %s", tt.in, b)
		}
	}
	for _, in := range []string{"AuthJS", "jose", "nextauth", "Default"} {
		_, err := authsession.NextAuthSession(authsession.Config[authsession.User]{Secret: testSecret, Format: authsession.TokenFormat(in)})
		if !errors.Is(err, authsession.ErrConfig) || !strings.Contains(err.Error(), "Format") {
			t.Errorf("Format %q: got %v, want ErrConfig naming Format", in, err)
		}
	}
}

// TestFormatRoundTrip encrypts and decrypts a session in every format:
// every field comes back, the creation time included (the foreign formats
// carry it in "authsession_created_at", at second precision).
func TestFormatRoundTrip(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	created := t0.Add(-48 * time.Hour)
	in := authsession.Session[authsession.User]{
		ID: "sid-1", User: userAnn, AccessToken: "at", RefreshToken: "rt",
		CreatedAt: created, LastActivity: t0, ExpiresAt: t0.Add(time.Hour),
	}
	for _, f := range []authsession.TokenFormat{authsession.FormatDefault, authsession.FormatAuthJS, authsession.FormatNextAuthV4} {
		t.Run(string(f), func(t *testing.T) {
			auth := buildAuth(t, authsession.Config[authsession.User]{Secret: secretA, Format: f, Now: func() time.Time { return t0 }})
			tok, err := auth.EncryptSession(in)
			if err != nil {
				t.Fatal(err)
			}
			got, err := auth.DecryptSession(tok)
			if err != nil {
				t.Fatal(err)
			}
			want := in
			if g, w := fmt.Sprint(got.User, got.AccessToken, got.RefreshToken, got.ID), fmt.Sprint(want.User, want.AccessToken, want.RefreshToken, want.ID); g != w {
				t.Errorf("got %s, want %s", g, w)
			}
			for _, p := range [][2]time.Time{{got.CreatedAt, want.CreatedAt}, {got.LastActivity, want.LastActivity}, {got.ExpiresAt, want.ExpiresAt}} {
				if !p[0].Equal(p[1]) {
					t.Errorf("time: got %v, want %v", p[0], p[1])
				}
			}
		})
	}
}

// TestTimeClaimOverflow: iat and exp whose millisecond forms
// overflow int64 must not turn into a session: a wrapped createdAt in the
// far future would never reach MaxLifetime, a wrapped expiresAt makes
// DecryptSession return an expired session without error.
func TestTimeClaimOverflow(t *testing.T) {
	clk := newClock()
	a := newAuth(t, clk, nil)
	key, err := jwe.DeriveKey(testSecret, "session")
	if err != nil {
		t.Fatal(err)
	}
	enc, err := jose.NewEncrypter(jose.A256GCM, jose.Recipient{Algorithm: jose.DIRECT, Key: key, KeyID: jwe.KeyID(key)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	now := clk.Now().Unix()
	tests := []struct {
		name    string
		payload string
	}{
		{"huge exp", fmt.Sprintf(`{"user":{"id":"u"},"iat":%d,"exp":9000000000000000000,"jti":"x"}`, now)},
		{"exp wrapping to a small value", fmt.Sprintf(`{"user":{"id":"u"},"iat":%d,"exp":18446744073709552,"jti":"x"}`, now)},
		{"huge negative iat", fmt.Sprintf(`{"user":{"id":"u"},"iat":-9000000000000000000,"exp":%d,"jti":"x"}`, now+100)},
		{"negative exp", fmt.Sprintf(`{"user":{"id":"u"},"iat":%d,"exp":-9000000000000000000,"jti":"x"}`, now)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			obj, err := enc.Encrypt([]byte(tt.payload))
			if err != nil {
				t.Fatal(err)
			}
			tok, err := obj.CompactSerialize()
			if err != nil {
				t.Fatal(err)
			}
			if s, err := a.DecryptSession(tok); err == nil {
				t.Errorf("DecryptSession: got session (expires %v, created %v), want an error", s.ExpiresAt.UTC(), s.CreatedAt.UTC())
			}
			if _, ok := a.GetSession(requestWith([]*http.Cookie{{Name: "session", Value: tok}})); ok {
				t.Errorf("GetSession: got a session, want none")
			}
		})
	}
}

// A token whose createdAt lies after its iat cannot escape MaxLifetime:
// createdAt is clamped to iat.
func TestCreatedAtClampedToIssuedAt(t *testing.T) {
	clk := newClock()
	a := newAuth(t, clk, nil)
	key, _ := jwe.DeriveKey(testSecret, "session")
	now := clk.Now()
	tok := encryptRaw(t, key, jose.A256GCM, nil, map[string]any{
		"user": map[string]any{"id": "u_1"}, "jti": "abcdefghijklmnopqrstuv",
		"iat": now.Unix(), "exp": now.Add(time.Hour).Unix(),
		"createdAt": now.Add(365 * 24 * time.Hour).UnixMilli(),
	})
	s, err := a.DecryptSession(tok)
	if err != nil {
		t.Fatal(err)
	}
	if !s.CreatedAt.Equal(now) {
		t.Errorf("CreatedAt: got %v, want %v (the iat)", s.CreatedAt, now)
	}
}

// inspectToken opens tok as cfg would, without judging its claims
// (jwe.Inspect, the CLI's inspect): for tests that look at what a token
// carries. Only the token fields of cfg count.
func inspectToken[U any](cfg authsession.Config[U], tok string) (jwe.Info, error) {
	a, err := authsession.NextAuthSession(authsession.Config[authsession.User]{
		Secret: cfg.Secret, PreviousSecrets: cfg.PreviousSecrets, Format: cfg.Format,
		Cookie: cfg.Cookie, MaxCookieBytes: cfg.MaxCookieBytes,
	})
	if err != nil {
		return jwe.Info{}, err
	}
	scheme, _ := jwe.SchemeNamed(string(a.Config.Format))
	secrets := []string{string(a.Config.Secret)}
	for _, s := range a.Config.PreviousSecrets {
		secrets = append(secrets, string(s))
	}
	c, err := jwe.NewCodec(scheme, a.Config.Cookie.Name, secrets, a.Config.MaxCookieBytes)
	if err != nil {
		return jwe.Info{}, err
	}
	return jwe.Inspect(c, tok)
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
	key, err := jwe.DeriveKey(secret, cookieName)
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
	key, _ := jwe.DeriveKey(testSecret, "session")
	want := map[string]any{"alg": "dir", "enc": "A256GCM", "kid": jwe.KeyID(key)}
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
	curKey, _ := jwe.DeriveKey(testSecret, "session")
	if kid := tokenHeader(t, reissued[0].Value)["kid"]; kid != jwe.KeyID(curKey) {
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
	key, _ := jwe.DeriveKey(oldSecret, "session")
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
