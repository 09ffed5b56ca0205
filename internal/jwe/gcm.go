package jwe

import (
	"crypto/aes"
	"crypto/cipher"
	"encoding/base64"
)

// This file opens dir + A256GCM tokens directly: after the strict checks
// (Codec.checkForm), a compact JWE of this kind is an AES-256-GCM
// ciphertext whose nonce is the IV segment, whose additional data is the
// ASCII protected-header segment (RFC 7516 section 5.2, step 14) and whose
// key is the one the "dir" key agreement names. go-jose still writes every
// token and reads the other encryptions; it is the reference this reader
// is tested against (FuzzOpenDifferential, TestOpenDifferential).

// newGCM returns the AES-256-GCM AEAD of a 32-byte key: 12-byte nonces,
// 16-byte tags. It is built once per key and is safe for concurrent use.
func newGCM(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// openGCM decrypts a token that passed checkForm, so its IV segment is
// 16 characters (12 bytes: a shorter or longer nonce would make the AEAD
// panic) and its tag 22 (16 bytes), trying the keys whose kid matches
// (every key when the token has none), as openJose does. The nonce, the
// additional data, the ciphertext with its tag and the plaintext share one
// allocation; the plaintext has its own region of it because a failed
// Open clears its output, and the next key needs the ciphertext intact.
func (c *Codec) openGCM(token string, d dots, kid string) ([]byte, int, error) {
	enc := base64.RawURLEncoding
	header, ivSeg := token[:d[0]], token[d[1]+1:d[2]]
	ctSeg, tagSeg := token[d[2]+1:d[3]], token[d[3]+1:]
	ctLen := enc.DecodedLen(len(ctSeg))
	// One allocation: nonce, additional data, ciphertext and tag, output.
	buf := make([]byte, 12+len(header)+2*ctLen+16)
	iv := buf[:12]
	aad := buf[12 : 12+copy(buf[12:], header)]
	sealed := buf[12+len(aad) : 12+len(aad)+ctLen+16]
	out := buf[12+len(aad)+ctLen+16:]
	if n, err := enc.Decode(iv, []byte(ivSeg)); err != nil || n != len(iv) {
		return nil, -1, errMalformedJWE
	}
	if n, err := enc.Decode(sealed, []byte(ctSeg)); err != nil || n != ctLen {
		return nil, -1, errMalformedJWE
	}
	if n, err := enc.Decode(sealed[ctLen:], []byte(tagSeg)); err != nil || n != 16 {
		return nil, -1, errMalformedJWE
	}
	tried := false
	for i := range c.keys {
		k := &c.keys[i]
		if kid != "" && k.ID != kid {
			continue
		}
		tried = true
		if plaintext, err := k.aead.Open(out[:0], iv, sealed, aad); err == nil {
			return plaintext, i, nil
		}
	}
	return nil, -1, noKeyError(kid, tried)
}
