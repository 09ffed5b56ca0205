// Package seal is the type-free sealing under authsession's engine, for
// what is not a session token: the server storage's cookie (a session's
// owner and id), an anonymous visitor's session in cookie storage, and the
// session data a store keeps in server storage. Each is AES-256-GCM under
// a key derived from a session secret and the cookie name (previous
// secrets still open), with a random nonce, and bound by its additional
// data to what it seals: a cookie value cannot be replayed as stored data,
// nor stored data as another session's. It knows nothing of sessions.
package seal

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"strings"
)

// A sealed value is one key byte (the first byte of the key's SHA-256, to
// pick the key) followed by the nonce, the ciphertext and the tag. In a
// cookie it is base64url without padding: it has no ".", which tells it
// from a JWE session token.

// sealInfo is the HKDF info of the sealing keys: not the session token's,
// so the two keys are independent.
const sealInfo = "authsession sealed values v1"

// Purpose says what a sealed value is for; it is part of its additional
// data, so a value sealed for one purpose never opens for another.
type Purpose byte

// Purposes of sealed values.
const (
	PurposeID   Purpose = 's' // server storage cookie: owner and session id
	PurposeAnon Purpose = 'a' // cookie storage: an anonymous session
	PurposeData Purpose = 'd' // server storage: the session a store keeps
)

// Overhead is what sealing adds to a plaintext: the key byte, a 96-bit
// nonce and a 128-bit tag.
const Overhead = 1 + 12 + 16

type sealKey struct {
	id   byte
	aead cipher.AEAD // AES-256-GCM with random nonces
}

// Sealer seals and opens values under the current secret's key, and
// opens them under previous secrets' keys too. It is immutable and safe
// for concurrent use.
type Sealer struct {
	keys []sealKey // keys[0]: the current secret's
}

// New derives the keys of secrets (secrets[0] is the current one) for the
// cookie name. An error names the secret by its index in secrets.
func New(cookieName string, secrets [][]byte) (*Sealer, error) {
	s := &Sealer{}
	for i, sec := range secrets {
		key, err := hkdf.Key(sha256.New, sec, []byte(cookieName), sealInfo, 32)
		if err != nil {
			return nil, fmt.Errorf("secret %d: deriving the sealing key: %w", i, err)
		}
		block, err := aes.NewCipher(key)
		if err != nil {
			return nil, fmt.Errorf("secret %d: creating the cipher: %w", i, err)
		}
		aead, err := cipher.NewGCMWithRandomNonce(block)
		if err != nil {
			return nil, fmt.Errorf("secret %d: creating the cipher: %w", i, err)
		}
		sum := sha256.Sum256(key)
		s.keys = append(s.keys, sealKey{id: sum[0], aead: aead})
	}
	return s, nil
}

// additional returns the additional data of a value of purpose bound to
// context.
func additional(purpose Purpose, context string) []byte {
	ad := make([]byte, 0, 2+len(context))
	return append(append(ad, 1, byte(purpose)), context...)
}

// Seal appends plaintext sealed for purpose and context to dst.
func (s *Sealer) Seal(dst []byte, purpose Purpose, context string, plaintext []byte) []byte {
	k := s.keys[0]
	dst = append(dst, k.id)
	return k.aead.Seal(dst, nil, plaintext, additional(purpose, context))
}

// Open returns the plaintext of sealed, or false when no key opens it for
// purpose and context (tampered with, foreign, truncated).
func (s *Sealer) Open(purpose Purpose, context string, sealed []byte) ([]byte, bool) {
	if len(sealed) < Overhead {
		return nil, false
	}
	ad := additional(purpose, context)
	for _, k := range s.keys {
		if k.id != sealed[0] {
			continue
		}
		if p, err := k.aead.Open(nil, nil, sealed[1:], ad); err == nil {
			return p, true
		}
	}
	return nil, false
}

// SealString is Seal for a cookie: base64url without padding.
func (s *Sealer) SealString(purpose Purpose, context string, plaintext []byte) string {
	return base64.RawURLEncoding.EncodeToString(s.Seal(nil, purpose, context, plaintext))
}

// OpenString is Open for a cookie value.
func (s *Sealer) OpenString(purpose Purpose, context, value string) ([]byte, bool) {
	b, err := base64.RawURLEncoding.DecodeString(value)
	if err != nil {
		return nil, false
	}
	return s.Open(purpose, context, b)
}

// idAlphabet is the alphabet of session ids and owners, in the order of
// its 6-bit values (base64url's).
const idAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

// PackID appends s, a string of idAlphabet of at most 255 characters, as
// its length and its characters at 6 bits each: a 128-character id takes
// 97 bytes, so the server storage's cookie stays under 200 characters.
func PackID(dst []byte, s string) []byte {
	dst = append(dst, byte(len(s)))
	var acc uint32
	bits := 0
	for i := 0; i < len(s); i++ {
		acc = acc<<6 | uint32(strings.IndexByte(idAlphabet, s[i])&0x3f)
		if bits += 6; bits >= 8 {
			bits -= 8
			dst = append(dst, byte(acc>>bits))
		}
	}
	if bits > 0 {
		dst = append(dst, byte(acc<<(8-bits)))
	}
	return dst
}

// UnpackID reads a string packed by PackID from b and returns it and the
// rest of b, or false when b is too short.
func UnpackID(b []byte) (string, []byte, bool) {
	if len(b) == 0 {
		return "", nil, false
	}
	n := int(b[0])
	size := (n*6 + 7) / 8
	if len(b) < 1+size {
		return "", nil, false
	}
	out := make([]byte, n)
	var acc uint32
	bits, j := 0, 1
	for i := range out {
		for bits < 6 {
			acc = acc<<8 | uint32(b[j])
			j++
			bits += 8
		}
		bits -= 6
		out[i] = idAlphabet[(acc>>bits)&0x3f]
	}
	return string(out), b[1+size:], true
}
