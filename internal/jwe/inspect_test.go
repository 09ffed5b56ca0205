package jwe

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/authsession/authsession/internal/plainjson"
)

// TestInspect: a token under the previous secret, long expired, is
// opened with its header, claims, key and times; nothing is validated.
func TestInspect(t *testing.T) {
	prev, err := NewCodec(DefaultScheme(), "session", []string{"previous-secret-0123456789-abcdefghij"}, 4096)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := prev.Seal([]byte(`{"user":{"id":"u_1"},"iat":1767225600,"exp":1767229200,"jti":"j1"}`))
	if err != nil {
		t.Fatal(err)
	}
	c := testCodec(t, DefaultScheme())
	info, err := Inspect(c, tok)
	if err != nil {
		t.Fatal(err)
	}
	if info.KeyIndex != 1 || info.KeyID != prev.keys[0].ID || info.Header["alg"] != "dir" || info.Header["enc"] != "A256GCM" {
		t.Errorf("got key %d %q, header %v", info.KeyIndex, info.KeyID, info.Header)
	}
	if !info.IssuedAt.Equal(time.Unix(1767225600, 0)) || !info.ExpiresAt.Equal(time.Unix(1767229200, 0)) || !strings.Contains(string(info.Claims), `"jti":"j1"`) {
		t.Errorf("got iat %v, exp %v, claims %s", info.IssuedAt, info.ExpiresAt, info.Claims)
	}
}

func TestInspectErrors(t *testing.T) {
	c := testCodec(t, DefaultScheme())
	seal := func(payload string) string {
		tok, err := c.Seal([]byte(payload))
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	other, err := NewCodec(DefaultScheme(), "session", []string{"another-secret-0123456789-abcdefghijk"}, 4096)
	if err != nil {
		t.Fatal(err)
	}
	wrongKey, _ := other.Seal([]byte(`{}`))
	deep := strings.Repeat("[", plainjson.MaxDepth) + strings.Repeat("]", plainjson.MaxDepth)
	tests := []struct {
		name   string
		token  string
		claims bool // decrypted, but the claims cannot be shown: ErrClaims
	}{
		{"empty token", "", false},
		{"garbage", "not-a-token", false},
		{"wrong secret", wrongKey, false},
		{"cut header", seal(`{}`)[:10] + "." + strings.Repeat("A", 40), false},
		{"oversized", strings.Repeat("a", 20000), false},
		{"claims not JSON", seal(`not json`), true},
		{"claims not an object", seal(`[1]`), true},
		{"claims nested too deep", seal(`{"x":` + deep + `}`), true},
		{"claims nested 1,000 levels", seal(`{"x":` + strings.Repeat("[", 1000) + strings.Repeat("]", 1000) + `}`), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Inspect(c, tt.token)
			if !errors.Is(err, ErrInvalidToken) || errors.Is(err, ErrClaims) != tt.claims {
				t.Errorf("got %v, want ErrInvalidToken (ErrClaims: %v)", err, tt.claims)
			}
			if err != nil && len(tt.token) > 8 && strings.Contains(err.Error(), tt.token) {
				t.Error("error contains the token")
			}
		})
	}
	if _, err := Inspect(c, seal(`{"x":`+deep[1:len(deep)-1]+`}`)); err != nil {
		t.Errorf("claims at the nesting limit: got %v, want them inspected", err)
	}
}
