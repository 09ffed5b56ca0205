package jwe

import (
	"errors"
	"strings"
	"testing"

	"github.com/go-jose/go-jose/v4"
)

// testCodec is a codec of scheme s under a current and a previous secret.
func testCodec(t *testing.T, s Scheme) *Codec {
	t.Helper()
	c, err := NewCodec(s, "session", []string{testSecret, "previous-secret-0123456789-abcdefghij"}, 4096)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestSealOpen: what Seal writes Open reads back under the current key,
// in every scheme, and go-jose alone reads it too with the documented
// key and header.
func TestSealOpen(t *testing.T) {
	payload := []byte(`{"jti":"j1"}`)
	for _, name := range []string{"default", "authjs", "nextauth-v4"} {
		t.Run(name, func(t *testing.T) {
			s, _ := SchemeNamed(name)
			c := testCodec(t, s)
			tok, err := c.Seal(payload)
			if err != nil {
				t.Fatal(err)
			}
			got, idx, err := c.Open(tok)
			if err != nil || idx != 0 || string(got) != string(payload) {
				t.Fatalf("Open: got %q, key %d, %v", got, idx, err)
			}
			obj, err := jose.ParseEncryptedCompact(tok, allowedKeyAlgs, []jose.ContentEncryption{jose.ContentEncryption(s.Enc)})
			if err != nil {
				t.Fatal(err)
			}
			if obj.Header.KeyID != c.keys[0].ID {
				t.Errorf("kid: got %q, want %q", obj.Header.KeyID, c.keys[0].ID)
			}
			if raw, err := obj.Decrypt(c.keys[0].Bytes); err != nil || string(raw) != string(payload) {
				t.Errorf("go-jose: got %q, %v", raw, err)
			}
		})
	}
}

// TestOpenKeys: a token under the previous secret opens with its index;
// one without kid is tried under every key; an unknown kid and a foreign
// key are refused with errors that do not contain the token.
func TestOpenKeys(t *testing.T) {
	c := testCodec(t, DefaultScheme())
	prev, err := NewCodec(DefaultScheme(), "session", []string{"previous-secret-0123456789-abcdefghij"}, 4096)
	if err != nil {
		t.Fatal(err)
	}
	old, _ := prev.Seal([]byte(`{}`))
	if _, idx, err := c.Open(old); err != nil || idx != 1 {
		t.Errorf("previous secret: got key %d, %v; want 1", idx, err)
	}
	noKid, err := NewCodec(NextAuthV4Scheme(), "session", []string{"previous-secret-0123456789-abcdefghij"}, 4096)
	if err != nil {
		t.Fatal(err)
	}
	tok, _ := noKid.Seal([]byte(`{}`))
	v4 := testCodec(t, NextAuthV4Scheme())
	if _, idx, err := v4.Open(tok); err != nil || idx != 1 {
		t.Errorf("no kid: got key %d, %v; want 1", idx, err)
	}
	other, err := NewCodec(DefaultScheme(), "other", []string{testSecret}, 4096)
	if err != nil {
		t.Fatal(err)
	}
	foreign, _ := other.Seal([]byte(`{}`))
	authjs := testCodec(t, AuthJSScheme())
	for _, tt := range []struct {
		name string
		c    *Codec
		tok  string
		want error
	}{
		{"unknown kid", c, foreign, errUnknownKid},
		{"other key, no kid", c, sealRaw(other.keys[0].Bytes, `{"alg":"dir","enc":"A256GCM"}`, make([]byte, 12), []byte(`{}`), 0), errDecryption},
		{"other enc", authjs, old, errHeaderAlg},
		{"empty", c, "", ErrInvalidToken},
		{"oversized", c, strings.Repeat("a", 4097), ErrInvalidToken},
		{"not a token", c, "not-a-token", errNotCompact},
	} {
		_, _, err := tt.c.Open(tt.tok)
		if !errors.Is(err, tt.want) || !errors.Is(err, ErrInvalidToken) {
			t.Errorf("%s: got %v, want %v", tt.name, err, tt.want)
		}
		if err != nil && len(tt.tok) > 8 && strings.Contains(err.Error(), tt.tok) {
			t.Errorf("%s: the error contains the token", tt.name)
		}
	}
}

func TestNewCodecErrors(t *testing.T) {
	if _, err := NewCodec(Scheme{Enc: "A128GCM", KeyLen: 16}, "s", []string{testSecret}, 4096); err == nil {
		t.Error("unsupported enc: got nil error")
	}
	if _, err := NewCodec(DefaultScheme(), "s", nil, 4096); err == nil {
		t.Error("no secret: got nil error")
	}
	bad := DefaultScheme()
	bad.KeyLen = 255*32 + 1 // more than HKDF-SHA256 can derive
	if _, err := NewCodec(bad, "s", []string{testSecret}, 4096); err == nil || !strings.Contains(err.Error(), "secret 0") {
		t.Errorf("key derivation failure: got %v, want an error naming secret 0", err)
	}
}
