package oidc

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"

	"github.com/authsession/authsession"
)

// sealer encrypts the package's secrets at rest (the sign-in state cookie,
// tokens and refresh results in the Store) with AES-256-GCM, under keys
// derived from the session secret and its previous secrets by HKDF-SHA256
// with a purpose of their own, so they never coincide with the session
// key. The additional data binds each sealed value to where it is kept (a
// cookie name, a store key): a value moved elsewhere does not open.
type sealer struct {
	aeads []cipher.AEAD // the current secret's first
}

// hkdfInfo separates these keys from every other use of the secret.
const hkdfInfo = "authsession oidc state encryption key"

// errOpen is returned for every value that does not open, whatever the
// reason: callers treat them all as absent.
var errOpen = errors.New("oidc: sealed value does not open")

func newSealer(secret authsession.Secret, previous []authsession.Secret) (*sealer, error) {
	s := &sealer{}
	for _, sec := range append([]authsession.Secret{secret}, previous...) {
		key, err := hkdf.Key(sha256.New, []byte(sec), []byte("authsession oidc"), hkdfInfo, 32)
		if err != nil {
			return nil, err
		}
		block, err := aes.NewCipher(key)
		if err != nil {
			return nil, err
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, err
		}
		s.aeads = append(s.aeads, aead)
	}
	return s, nil
}

// seal encrypts plaintext for the place ad under the current key: a random
// nonce followed by the ciphertext.
func (s *sealer) seal(plaintext []byte, ad string) []byte {
	a := s.aeads[0]
	out := make([]byte, a.NonceSize(), a.NonceSize()+len(plaintext)+a.Overhead())
	rand.Read(out) // never fails (crypto/rand)
	return a.Seal(out, out, plaintext, []byte(ad))
}

// open decrypts a value sealed for ad under any of the keys.
func (s *sealer) open(sealed []byte, ad string) ([]byte, error) {
	for _, a := range s.aeads {
		if len(sealed) < a.NonceSize()+a.Overhead() {
			return nil, errOpen
		}
		n := a.NonceSize()
		if p, err := a.Open(nil, sealed[:n], sealed[n:], []byte(ad)); err == nil {
			return p, nil
		}
	}
	return nil, errOpen
}

// sealString is seal, base64url-encoded, for a cookie.
func (s *sealer) sealString(plaintext []byte, ad string) string {
	return base64.RawURLEncoding.EncodeToString(s.seal(plaintext, ad))
}

// openString is open for a sealString value.
func (s *sealer) openString(v, ad string) ([]byte, error) {
	b, err := base64.RawURLEncoding.DecodeString(v)
	if err != nil {
		return nil, errOpen
	}
	return s.open(b, ad)
}

// randomString returns n random bytes, base64url-encoded.
func randomString(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
