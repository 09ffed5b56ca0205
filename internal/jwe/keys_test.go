package jwe

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"hash"
	"testing"
)

const testSecret = "test-secret-0123456789-abcdefghijklmnop"

func hmacSHA256(key, data []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write(data)
	return m.Sum(nil)
}

// hkdfByHand is HKDF-SHA256 per RFC 5869, for up to 64 bytes of output.
func hkdfByHand(secret, salt, info string, n int) []byte {
	prk := hmacSHA256([]byte(salt), []byte(secret))
	t1 := hmacSHA256(prk, append([]byte(info), 1))
	t2 := hmacSHA256(prk, append(append(append([]byte{}, t1...), info...), 2))
	return append(t1, t2...)[:n]
}

// jwkThumbprint is the RFC 7638 thumbprint of a symmetric key: the hash
// over the required members in lexicographic order (encoding/json sorts
// map keys).
func jwkThumbprint(key []byte, h func() hash.Hash) string {
	jwk, _ := json.Marshal(map[string]string{"kty": "oct", "k": base64.RawURLEncoding.EncodeToString(key)})
	d := h()
	d.Write(jwk)
	return base64.RawURLEncoding.EncodeToString(d.Sum(nil))
}

// TestSchemes derives each format's key by hand, as docs/token-format.md documents
// it and as Auth.js and NextAuth.js derive theirs.
func TestSchemes(t *testing.T) {
	tests := []struct {
		name      string
		salt      string
		info      string
		n         int
		kid       func() hash.Hash
		otherName bool // the key depends on the cookie name
	}{
		{"default", "sid", HKDFInfo, 32, sha256.New, true},
		{"authjs", "sid", AuthJSHKDFInfoPrefix + "(sid)", 64, sha512.New, true},
		{"nextauth-v4", "", NextAuthV4HKDFInfo, 32, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, ok := SchemeNamed(tt.name)
			if !ok {
				t.Fatal("unknown scheme")
			}
			k, err := s.DeriveKey(testSecret, "sid")
			if err != nil {
				t.Fatal(err)
			}
			if want := hkdfByHand(testSecret, tt.salt, tt.info, tt.n); !bytes.Equal(k.Bytes, want) {
				t.Errorf("key: got %x, want %x", k.Bytes, want)
			}
			wantKid := ""
			if tt.kid != nil {
				wantKid = jwkThumbprint(k.Bytes, tt.kid)
			}
			if k.ID != wantKid {
				t.Errorf("kid: got %q, want %q", k.ID, wantKid)
			}
			if got := s.SameKey("sid", "__Secure-sid"); got == tt.otherName {
				t.Errorf("SameKey across cookie names: got %v, want %v", got, !tt.otherName)
			}
		})
	}
	if _, ok := SchemeNamed("jose"); ok {
		t.Error(`SchemeNamed("jose"): got a scheme`)
	}
}

// TestDeriveKeyAndKeyID: the default scheme's key and kid, as the
// benchmarks and the interop tests build them.
func TestDeriveKeyAndKeyID(t *testing.T) {
	key, err := DeriveKey(testSecret, "session")
	if err != nil {
		t.Fatal(err)
	}
	if want := hkdfByHand(testSecret, "session", HKDFInfo, 32); !bytes.Equal(key, want) {
		t.Errorf("DeriveKey: got %x, want %x", key, want)
	}
	if got, want := KeyID(key), jwkThumbprint(key, sha256.New); got != want {
		t.Errorf("KeyID: got %s, want %s", got, want)
	}
}
