package jwe

import (
	"crypto/cipher"
	"fmt"
	"strings"
	"sync"

	"github.com/go-jose/go-jose/v4"
)

// This file is the JWE codec: sealing a payload under the current key and
// opening a token under any of the keys, "dir" key agreement only.

var allowedKeyAlgs = []jose.KeyAlgorithm{jose.DIRECT}

// codecKey is a key with, for A256GCM, its AEAD and the protected-header
// segment go-jose writes for it (sealGCM, checkForm).
type codecKey struct {
	Key
	aead cipher.AEAD
	// header is the base64url protected header of the key's tokens, as
	// go-jose writes it: {"alg":"dir","enc":"A256GCM","kid":"…"} (no kid
	// in a scheme without one). aad is the same bytes, the additional data
	// of every token the key seals.
	header string
	aad    []byte
}

// Codec seals payloads into compact JWE tokens and opens them, under the
// keys of one scheme and cookie name. It knows nothing of what a payload
// means. It is immutable after construction and safe for concurrent use.
type Codec struct {
	enc       string         // the content encryption, Scheme.Enc
	keys      []codecKey     // keys[0] is the current key
	encrypter jose.Encrypter // the current key's: the reference writer
	maxBytes  int
	// gcm: enc is A256GCM, sealed and opened directly (sealGCM, openGCM).
	gcm bool
	// The base64url lengths of enc's IV and tag segments (checkForm).
	ivChars, tagChars int
	// sealed holds *sealScratch, the working memory of sealGCM.
	sealed sync.Pool
}

// segmentChars are the base64url lengths of the IV and the tag of each
// content encryption: 96-bit IV and 128-bit tag for A256GCM (RFC 7518
// section 5.3), 128-bit IV and 256-bit tag for A256CBC-HS512 (section
// 5.2.5).
var segmentChars = map[string][2]int{
	"A256GCM":       {16, 22},
	"A256CBC-HS512": {22, 43},
}

// NewCodec derives the keys of scheme s for secrets (secrets[0] is the
// current one, which seals; at least one) and cookieName. Tokens longer
// than maxBytes are refused unread. Its errors name the secret by index.
func NewCodec(s Scheme, cookieName string, secrets []string, maxBytes int) (*Codec, error) {
	chars, ok := segmentChars[s.Enc]
	if !ok || len(secrets) == 0 {
		return nil, fmt.Errorf("unsupported content encryption %q or no secret", s.Enc)
	}
	c := &Codec{enc: s.Enc, maxBytes: maxBytes, gcm: s.Enc == "A256GCM", ivChars: chars[0], tagChars: chars[1]}
	c.sealed.New = func() any { return new(sealScratch) }
	for i, secret := range secrets {
		k, err := s.DeriveKey(secret, cookieName)
		if err != nil {
			return nil, fmt.Errorf("secret %d: %w", i, err)
		}
		ck := codecKey{Key: k}
		if i == 0 || c.gcm {
			enc, err := jose.NewEncrypter(jose.ContentEncryption(s.Enc),
				jose.Recipient{Algorithm: jose.DIRECT, Key: k.Bytes, KeyID: k.ID}, nil)
			if err != nil {
				return nil, fmt.Errorf("secret %d: creating the encrypter: %w", i, err)
			}
			if i == 0 {
				c.encrypter = enc
			}
			if c.gcm {
				if ck.header, err = joseHeader(enc, s.Enc, k.ID); err != nil {
					return nil, fmt.Errorf("secret %d: %w", i, err)
				}
				ck.aad = []byte(ck.header)
				if ck.aead, err = newGCM(k.Bytes); err != nil {
					return nil, fmt.Errorf("secret %d: creating the cipher: %w", i, err)
				}
			}
		}
		c.keys = append(c.keys, ck)
	}
	return c, nil
}

// joseHeader returns the protected-header segment that go-jose writes
// with enc, which must pass the reader's checks with the given content
// encryption and kid: the header sealGCM writes, byte for byte.
func joseHeader(enc jose.Encrypter, wantEnc, kid string) (string, error) {
	obj, err := enc.Encrypt(nil)
	if err != nil {
		return "", fmt.Errorf("sealing with go-jose: %w", err)
	}
	tok, err := obj.CompactSerialize()
	if err != nil {
		return "", fmt.Errorf("serialising with go-jose: %w", err)
	}
	header := tok[:strings.IndexByte(tok, '.')]
	if got, err := checkHeader(tok, wantEnc); err != nil || got != kid {
		return "", fmt.Errorf("go-jose writes a header the reader refuses (kid %q, %v)", got, err)
	}
	return header, nil
}

// Seal encrypts payload under the current key; payload is neither kept
// nor changed. A256GCM tokens are written directly (sealGCM), byte for
// byte what go-jose writes with the same nonce (SealReference); the other
// encryption through go-jose.
func (c *Codec) Seal(payload []byte) (string, error) {
	if c.gcm {
		return c.sealGCM(payload), nil
	}
	return c.SealReference(payload)
}

// SealReference is Seal through go-jose whatever the encryption: the
// reference that the direct A256GCM writer is tested against.
func (c *Codec) SealReference(payload []byte) (string, error) {
	obj, err := c.encrypter.Encrypt(payload)
	if err != nil {
		return "", fmt.Errorf("authsession: encrypting session: %w", err)
	}
	tok, err := obj.CompactSerialize()
	if err != nil {
		return "", fmt.Errorf("authsession: serialising token: %w", err)
	}
	return tok, nil
}

// Open parses and decrypts a token without looking at its payload. It
// returns the plaintext and the index of the key that opened it (0 = the
// current secret). Errors wrap ErrInvalidToken and never contain the token.
//
// The strict checks run first (checkForm). Then A256GCM tokens are opened
// directly with the key's cached AEAD (openGCM); other encryptions go
// through go-jose (openJose), which also remains the reference reader of
// A256GCM: FuzzOpenDifferential shows that both accept and refuse the
// same tokens, with the same plaintext and key.
func (c *Codec) Open(token string) ([]byte, int, error) {
	var buf []byte
	return c.OpenInto(&buf, token)
}

// OpenInto is Open with *buf as the working memory of an A256GCM token
// when it is large enough: the plaintext is then in *buf's array, and a
// larger buffer, when one was needed, is left in *buf. The caller may
// reuse *buf once it is done with the plaintext (tokens in other
// encryptions are opened by go-jose into memory of their own).
func (c *Codec) OpenInto(buf *[]byte, token string) ([]byte, int, error) {
	d, kid, err := c.checkForm(token)
	if err != nil {
		return nil, -1, err
	}
	if c.gcm {
		return c.openGCM(buf, token, d, kid)
	}
	return c.openJose(token, kid)
}

// OpenReference is Open through go-jose whatever the encryption: the
// reference that the direct A256GCM reader is tested against.
func (c *Codec) OpenReference(token string) ([]byte, int, error) {
	_, kid, err := c.checkForm(token)
	if err != nil {
		return nil, -1, err
	}
	return c.openJose(token, kid)
}

// openJose decrypts a token that passed checkForm with go-jose, trying the
// keys whose kid matches (every key when the token has none).
func (c *Codec) openJose(token, kid string) ([]byte, int, error) {
	obj, err := jose.ParseEncryptedCompact(token, allowedKeyAlgs, []jose.ContentEncryption{jose.ContentEncryption(c.enc)})
	if err != nil {
		return nil, -1, errMalformedJWE
	}
	var plaintext []byte
	tried := false
	for i := range c.keys {
		if kid != "" && c.keys[i].ID != kid {
			continue
		}
		tried = true
		if plaintext, err = obj.Decrypt(c.keys[i].Bytes); err == nil {
			return plaintext, i, nil
		}
	}
	return nil, -1, noKeyError(kid, tried)
}

// noKeyError is Open's error when no key opened the token: an unknown kid
// when none matched, else a failed decryption.
func noKeyError(kid string, tried bool) error {
	if kid != "" && !tried {
		return errUnknownKid
	}
	return errDecryption
}

var (
	errMalformedJWE = fmt.Errorf("%w: malformed JWE", ErrInvalidToken)
	errUnknownKid   = fmt.Errorf("%w: unknown key id", ErrInvalidToken)
	errDecryption   = fmt.Errorf("%w: decryption failed", ErrInvalidToken)
)
