package authsession

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"strings"
)

// This file is the engine's own sealing, for what is not a session
// token: the server storage's cookie (the session's id), an anonymous
// visitor's session in cookie storage, and the session data a store keeps
// in server storage. Each is AES-256-GCM under a key derived from the
// session secret and the cookie name (previous secrets still open), with a
// random nonce, and bound by its additional data to what it seals (a
// cookie value cannot be replayed as stored data, nor stored data as
// another session's).
//
// A sealed value is one key byte (the first byte of the key's SHA-256, to
// pick the key) followed by the nonce, the ciphertext and the tag. In a
// cookie it is base64url without padding: it has no ".", which tells it
// from a JWE session token.

// sealInfo is the HKDF info of the sealing keys: not the session token's,
// so the two keys are independent.
const sealInfo = "authsession sealed values v1"

// Purposes of sealed values, part of their additional data.
const (
	purposeID   byte = 's' // server storage cookie: owner and session id
	purposeAnon byte = 'a' // cookie storage: an anonymous session
	purposeData byte = 'd' // server storage: the session a store keeps
)

// sealOverhead is what sealing adds to a plaintext: the key byte, a
// 96-bit nonce and a 128-bit tag.
const sealOverhead = 1 + 12 + 16

type sealKey struct {
	id   byte
	aead cipher.AEAD // AES-256-GCM with random nonces
}

// sealer seals and opens values under the current secret's key, and
// opens them under previous secrets' keys too. It is immutable and safe
// for concurrent use.
type sealer struct {
	keys []sealKey // keys[0]: the current secret's
}

// newSealer derives the keys of secrets (secrets[0] is the current one)
// for the cookie name.
func newSealer(cookieName string, secrets []Secret) (*sealer, error) {
	s := &sealer{}
	for i, sec := range secrets {
		key, err := hkdf.Key(sha256.New, []byte(sec), []byte(cookieName), sealInfo, 32)
		if err != nil {
			return nil, configError(secretName(i), "deriving the sealing key: %v", err)
		}
		block, err := aes.NewCipher(key)
		if err != nil {
			return nil, configError(secretName(i), "creating the cipher: %v", err)
		}
		aead, err := cipher.NewGCMWithRandomNonce(block)
		if err != nil {
			return nil, configError(secretName(i), "creating the cipher: %v", err)
		}
		sum := sha256.Sum256(key)
		s.keys = append(s.keys, sealKey{id: sum[0], aead: aead})
	}
	return s, nil
}

// secretName names secret i of newSealer's list in configuration errors.
func secretName(i int) string {
	if i == 0 {
		return "Secret"
	}
	return fmt.Sprintf("PreviousSecrets[%d]", i-1)
}

// additional returns the additional data of a value of purpose bound to
// context.
func additional(purpose byte, context string) []byte {
	ad := make([]byte, 0, 2+len(context))
	return append(append(ad, 1, purpose), context...)
}

// seal appends plaintext sealed for purpose and context to dst.
func (s *sealer) seal(dst []byte, purpose byte, context string, plaintext []byte) []byte {
	k := s.keys[0]
	dst = append(dst, k.id)
	return k.aead.Seal(dst, nil, plaintext, additional(purpose, context))
}

// open returns the plaintext of sealed, or false when no key opens it for
// purpose and context (tampered with, foreign, truncated).
func (s *sealer) open(purpose byte, context string, sealed []byte) ([]byte, bool) {
	if len(sealed) < sealOverhead {
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

// sealString is seal for a cookie: base64url without padding.
func (s *sealer) sealString(purpose byte, context string, plaintext []byte) string {
	return base64.RawURLEncoding.EncodeToString(s.seal(nil, purpose, context, plaintext))
}

// openString is open for a cookie value.
func (s *sealer) openString(purpose byte, context, value string) ([]byte, bool) {
	b, err := base64.RawURLEncoding.DecodeString(value)
	if err != nil {
		return nil, false
	}
	return s.open(purpose, context, b)
}

// idAlphabet is the alphabet of session ids and owners, in the order of
// its 6-bit values (base64url's).
const idAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

// packID appends s, a string of idAlphabet of at most 255 characters, as
// its length and its characters at 6 bits each: a 128-character id takes
// 97 bytes, so the server storage's cookie stays under 200 characters.
func packID(dst []byte, s string) []byte {
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

// unpackID reads a string packed by packID from b and returns it and the
// rest of b, or false when b is too short.
func unpackID(b []byte) (string, []byte, bool) {
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
