package jwe

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"strings"
)

// This file seals and opens dir + A256GCM tokens directly. A compact JWE
// of this kind is an AES-256-GCM ciphertext whose nonce is the IV
// segment, whose additional data is the ASCII protected-header segment
// (RFC 7516 section 5.2, step 14) and whose key is the one the "dir" key
// agreement names. go-jose reads and writes the other encryption and is
// the reference both directions are tested against: the writer must give
// go-jose's token byte for byte for the same nonce (TestSealMatchesJose,
// FuzzSealDifferential), the reader go-jose's verdict and plaintext on
// every input (FuzzOpenDifferential, TestOpenDifferential).

// nonceSize and tagSize are A256GCM's IV and tag lengths in bytes.
const (
	nonceSize = 12
	tagSize   = 16
)

// maxPooledSeal bounds the ciphertext buffers kept for reuse: a larger
// one (a payload far over any cookie limit) is left to the collector.
const maxPooledSeal = 64 << 10

// newGCM returns the AES-256-GCM AEAD of a 32-byte key: 12-byte nonces,
// 16-byte tags. It is built once per key and is safe for concurrent use.
func newGCM(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// sealScratch is the working memory of one seal, pooled (Codec.sealed):
// the nonce and a buffer for the ciphertext and tag.
type sealScratch struct {
	nonce  [nonceSize]byte
	sealed []byte
}

// sealGCM seals payload under the current key with a fresh random 96-bit
// nonce from crypto/rand, the source go-jose draws its nonces from.
func (c *Codec) sealGCM(payload []byte) string {
	sc := c.sealed.Get().(*sealScratch)
	rand.Read(sc.nonce[:]) // never returns an error (crypto/rand, Go 1.24+)
	tok := c.sealWith(payload, sc)
	if cap(sc.sealed) <= maxPooledSeal {
		c.sealed.Put(sc)
	}
	return tok
}

// sealWith writes the token of payload under the current key and the
// nonce in sc: the key's header segment, the empty encrypted key, then
// nonce, ciphertext and tag in base64url, joined by dots as go-jose's
// CompactSerialize joins them. The token's bytes are its only allocation
// once sc's buffer has grown to the payloads sealed.
func (c *Codec) sealWith(payload []byte, sc *sealScratch) string {
	enc := base64.RawURLEncoding
	k := &c.keys[0]
	sc.sealed = k.aead.Seal(sc.sealed[:0], sc.nonce[:], payload, k.aad)
	ct, tag := sc.sealed[:len(payload)], sc.sealed[len(payload):]
	var b strings.Builder
	b.Grow(len(k.header) + 2 + enc.EncodedLen(nonceSize) + 1 + enc.EncodedLen(len(ct)) + 1 + enc.EncodedLen(tagSize))
	b.WriteString(k.header)
	b.WriteString("..")
	writeBase64(&b, sc.nonce[:])
	b.WriteByte('.')
	writeBase64(&b, ct)
	b.WriteByte('.')
	writeBase64(&b, tag)
	return b.String()
}

// writeBase64 appends p to b in unpadded base64url, through a buffer on
// the stack: whole 3-byte groups at a time, so the pieces join into the
// encoding of the whole.
func writeBase64(b *strings.Builder, p []byte) {
	const group = 3 * 256
	var buf [4 * 256]byte
	for len(p) > 0 {
		n := min(len(p), group)
		m := base64.RawURLEncoding.EncodedLen(n)
		base64.RawURLEncoding.Encode(buf[:m], p[:n])
		b.Write(buf[:m])
		p = p[n:]
	}
}

// openGCM decrypts a token that passed checkForm, so its IV segment is
// 16 characters (12 bytes: a shorter or longer nonce would make the AEAD
// panic) and its tag 22 (16 bytes), trying the keys whose kid matches
// (every key when the token has none), as openJose does. The nonce, the
// additional data and the ciphertext with its tag share one buffer, *buf
// when it is large enough (else a new one, left in *buf); the plaintext
// is written over the ciphertext when a kid names the key, and into its
// own region of the buffer when every key may be tried, because a failed
// Open clears its output and the next key needs the ciphertext intact.
func (c *Codec) openGCM(buf *[]byte, token string, d dots, kid string) ([]byte, int, error) {
	enc := base64.RawURLEncoding
	header, ivSeg := token[:d[0]], token[d[1]+1:d[2]]
	ctSeg, tagSeg := token[d[2]+1:d[3]], token[d[3]+1:]
	ctLen := enc.DecodedLen(len(ctSeg))
	n := nonceSize + len(header) + ctLen + tagSize
	if kid == "" {
		n += ctLen
	}
	if cap(*buf) < n {
		*buf = make([]byte, n)
	}
	b := (*buf)[:n]
	iv := b[:nonceSize]
	aad := b[nonceSize : nonceSize+copy(b[nonceSize:], header)]
	sealed := b[nonceSize+len(aad) : nonceSize+len(aad)+ctLen+tagSize]
	out := sealed[:0]
	if kid == "" {
		out = b[nonceSize+len(aad)+ctLen+tagSize:][:0]
	}
	if n, err := enc.Decode(iv, []byte(ivSeg)); err != nil || n != len(iv) {
		return nil, -1, errMalformedJWE
	}
	if n, err := enc.Decode(sealed, []byte(ctSeg)); err != nil || n != ctLen {
		return nil, -1, errMalformedJWE
	}
	if n, err := enc.Decode(sealed[ctLen:], []byte(tagSeg)); err != nil || n != tagSize {
		return nil, -1, errMalformedJWE
	}
	tried := false
	for i := range c.keys {
		k := &c.keys[i]
		if kid != "" && k.ID != kid {
			continue
		}
		tried = true
		if plaintext, err := k.aead.Open(out, iv, sealed, aad); err == nil {
			return plaintext, i, nil
		}
		if kid != "" {
			// The keys with this kid are one key (the kid is its
			// thumbprint): the others fail alike, and in place the
			// ciphertext is gone.
			break
		}
	}
	return nil, -1, noKeyError(kid, tried)
}
