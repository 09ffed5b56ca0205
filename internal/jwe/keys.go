package jwe

import (
	"crypto/hkdf"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"fmt"
	"hash"
)

// HKDF info strings of the three token formats (see
// docs/token-format.md and docs/nextjs.md).
const (
	// HKDFInfo is the default format's: the salt is the cookie name.
	HKDFInfo = "authsession session encryption key"
	// AuthJSHKDFInfoPrefix is Auth.js v5's, followed by the salt (the
	// cookie name) in parentheses.
	AuthJSHKDFInfoPrefix = "Auth.js Generated Encryption Key "
	// NextAuthV4HKDFInfo is NextAuth.js v4's, used with an empty salt.
	NextAuthV4HKDFInfo = "NextAuth.js Generated Encryption Key"
)

// Scheme is how a token format derives its keys and which content
// encryption its tokens use.
type Scheme struct {
	// Enc is the JWE "enc": "A256GCM" or "A256CBC-HS512".
	Enc string
	// KeyLen is the key's length in bytes.
	KeyLen int
	// Salt and Info return the HKDF salt and info for a cookie name.
	Salt, Info func(cookieName string) string
	// KidHash is the hash of the key's JWK thumbprint, the "kid" header;
	// nil writes no kid.
	KidHash func() hash.Hash
}

// DefaultScheme is the default format's: A256GCM, a 32-byte key
// HKDF-SHA256(secret, salt = cookie name, info = HKDFInfo), kid = the
// key's SHA-256 JWK thumbprint.
func DefaultScheme() Scheme {
	return Scheme{
		Enc: "A256GCM", KeyLen: 32,
		Salt:    func(name string) string { return name },
		Info:    func(string) string { return HKDFInfo },
		KidHash: sha256.New,
	}
}

// AuthJSScheme is Auth.js v5's: A256CBC-HS512, a 64-byte key
// HKDF-SHA256(secret, salt = cookie name,
// info = "Auth.js Generated Encryption Key (<cookie name>)"), kid = the
// key's SHA-512 JWK thumbprint.
func AuthJSScheme() Scheme {
	return Scheme{
		Enc: "A256CBC-HS512", KeyLen: 64,
		Salt:    func(name string) string { return name },
		Info:    func(name string) string { return AuthJSHKDFInfoPrefix + "(" + name + ")" },
		KidHash: sha512.New,
	}
}

// NextAuthV4Scheme is NextAuth.js v4's: A256GCM, a 32-byte key
// HKDF-SHA256(secret, empty salt, info = NextAuthV4HKDFInfo), no kid. The
// key does not depend on the cookie name.
func NextAuthV4Scheme() Scheme {
	return Scheme{
		Enc: "A256GCM", KeyLen: 32,
		Salt: func(string) string { return "" },
		Info: func(string) string { return NextAuthV4HKDFInfo },
	}
}

// SchemeNamed returns the scheme of a token format by the name its
// authsession.TokenFormat prints: "default", "authjs" or "nextauth-v4".
func SchemeNamed(format string) (Scheme, bool) {
	switch format {
	case "default":
		return DefaultScheme(), true
	case "authjs":
		return AuthJSScheme(), true
	case "nextauth-v4":
		return NextAuthV4Scheme(), true
	}
	return Scheme{}, false
}

// SameKey reports whether s derives the same key for both cookie names.
func (s Scheme) SameKey(name, other string) bool {
	return s.Salt(name) == s.Salt(other) && s.Info(name) == s.Info(other)
}

// Key is one derived key and its kid ("" when the scheme writes none).
type Key struct {
	ID    string
	Bytes []byte
}

// DeriveKey returns the key of secret under cookieName.
func (s Scheme) DeriveKey(secret, cookieName string) (Key, error) {
	b, err := hkdf.Key(sha256.New, []byte(secret), []byte(s.Salt(cookieName)), s.Info(cookieName), s.KeyLen)
	if err != nil {
		return Key{}, fmt.Errorf("deriving the key: %w", err)
	}
	k := Key{Bytes: b}
	if s.KidHash != nil {
		k.ID = thumbprint(b, s.KidHash)
	}
	return k, nil
}

// DeriveKey returns the default format's 32-byte A256GCM key for secret
// and cookie name: HKDF-SHA256(IKM=secret, salt=cookieName,
// info=HKDFInfo).
func DeriveKey(secret, cookieName string) ([]byte, error) {
	k, err := DefaultScheme().DeriveKey(secret, cookieName)
	return k.Bytes, err
}

// KeyID returns the RFC 7638 JWK thumbprint (SHA-256, base64url without
// padding) of a symmetric key: the default format's "kid" header.
func KeyID(key []byte) string { return thumbprint(key, sha256.New) }

// thumbprint is the RFC 7638 thumbprint of the symmetric JWK of key under h.
func thumbprint(key []byte, h func() hash.Hash) string {
	// Members in lexicographic order, no whitespace: {"k":"…","kty":"oct"}.
	d := h()
	d.Write([]byte(`{"k":"` + base64.RawURLEncoding.EncodeToString(key) + `","kty":"oct"}`))
	return base64.RawURLEncoding.EncodeToString(d.Sum(nil))
}
