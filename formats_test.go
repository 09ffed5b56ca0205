package authsession_test

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/authsession/authsession"
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
		{"unknown format", authsession.TokenFormat(7), authsession.CookieConfig{}, "", authsession.ErrConfig},
		{"negative format", authsession.TokenFormat(-1), authsession.CookieConfig{}, "", authsession.ErrConfig},
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

func TestTokenFormatText(t *testing.T) {
	for _, f := range []authsession.TokenFormat{authsession.FormatDefault, authsession.FormatAuthJS, authsession.FormatNextAuthV4} {
		b, err := f.MarshalText()
		if err != nil {
			t.Fatalf("%v: MarshalText: %v", f, err)
		}
		var got authsession.TokenFormat
		if err := got.UnmarshalText(b); err != nil || got != f {
			t.Errorf("round trip of %s: got %v, %v, want %v", b, got, err, f)
		}
	}
	for _, in := range []string{"", "AuthJS", "jose", "nextauth"} {
		var f authsession.TokenFormat
		if err := f.UnmarshalText([]byte(in)); !errors.Is(err, authsession.ErrConfig) {
			t.Errorf("UnmarshalText(%q): got %v, want ErrConfig", in, err)
		}
	}
	if got, want := authsession.TokenFormat(9).String(), "TokenFormat(9)"; got != want {
		t.Errorf("String: got %q, want %q", got, want)
	}
	if _, err := authsession.TokenFormat(9).MarshalText(); err == nil {
		t.Error("MarshalText(9): got nil error, want one")
	}
}

// TestFormatRoundTrip encrypts and decrypts a session in every format:
// every field comes back, the creation time included (the foreign formats
// carry it in CreatedAtClaim, at second precision).
func TestFormatRoundTrip(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	created := t0.Add(-48 * time.Hour)
	in := authsession.Session[authsession.User]{
		ID: "sid-1", User: userAnn, AccessToken: "at", RefreshToken: "rt",
		CreatedAt: created, LastActivity: t0, ExpiresAt: t0.Add(time.Hour),
	}
	for _, f := range []authsession.TokenFormat{authsession.FormatDefault, authsession.FormatAuthJS, authsession.FormatNextAuthV4} {
		t.Run(f.String(), func(t *testing.T) {
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

func TestInspectTokenErrors(t *testing.T) {
	v := readVectors(t)["default-authsession"]
	tests := []struct {
		name  string
		cfg   authsession.Config[authsession.User]
		token string
		want  error
	}{
		{"short secret", authsession.Config[authsession.User]{Secret: "short"}, v.Token, authsession.ErrConfig},
		{"empty token", authsession.Config[authsession.User]{Secret: secretA}, "", authsession.ErrInvalidToken},
		{"garbage", authsession.Config[authsession.User]{Secret: secretA}, "not-a-token", authsession.ErrInvalidToken},
		{"wrong secret", authsession.Config[authsession.User]{Secret: secretB}, v.Token, authsession.ErrInvalidToken},
		{"wrong format", authsession.Config[authsession.User]{Secret: secretA, Format: authsession.FormatAuthJS, Cookie: authsession.CookieConfig{Name: "session"}}, v.Token, authsession.ErrInvalidToken},
		{"oversized", authsession.Config[authsession.User]{Secret: secretA}, strings.Repeat("a", 20000), authsession.ErrInvalidToken},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := authsession.InspectToken(tt.cfg, tt.token)
			if !errors.Is(err, tt.want) {
				t.Errorf("got %v, want %v", err, tt.want)
			}
			if err != nil && tt.token != "" && strings.Contains(err.Error(), tt.token) {
				t.Error("error contains the token")
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
	key, err := authsession.DeriveKey(testSecret, "session")
	if err != nil {
		t.Fatal(err)
	}
	enc, err := jose.NewEncrypter(jose.A256GCM, jose.Recipient{Algorithm: jose.DIRECT, Key: key, KeyID: authsession.KeyID(key)}, nil)
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
	key, _ := authsession.DeriveKey(testSecret, "session")
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
