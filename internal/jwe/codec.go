package jwe

import (
	"crypto/cipher"
	"fmt"

	"github.com/go-jose/go-jose/v4"
)

// This file is the JWE codec: sealing a payload under the current key and
// opening a token under any of the keys, "dir" key agreement only.

var allowedKeyAlgs = []jose.KeyAlgorithm{jose.DIRECT}

// codecKey is a key with, for A256GCM, its AEAD (openGCM).
type codecKey struct {
	Key
	aead cipher.AEAD
}

// Codec seals payloads into compact JWE tokens and opens them, under the
// keys of one scheme and cookie name. It knows nothing of what a payload
// means. It is immutable after construction and safe for concurrent use.
type Codec struct {
	enc       string     // the content encryption, Scheme.Enc
	keys      []codecKey // keys[0] is the current key
	encrypter jose.Encrypter
	maxBytes  int
	// gcm: enc is A256GCM, opened directly (openGCM).
	gcm bool
	// The base64url lengths of enc's IV and tag segments (checkForm).
	ivChars, tagChars int
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
	for i, secret := range secrets {
		k, err := s.DeriveKey(secret, cookieName)
		if err != nil {
			return nil, fmt.Errorf("secret %d: %w", i, err)
		}
		ck := codecKey{Key: k}
		if c.gcm {
			if ck.aead, err = newGCM(k.Bytes); err != nil {
				return nil, fmt.Errorf("secret %d: creating the cipher: %w", i, err)
			}
		}
		c.keys = append(c.keys, ck)
	}
	enc, err := jose.NewEncrypter(jose.ContentEncryption(s.Enc),
		jose.Recipient{Algorithm: jose.DIRECT, Key: c.keys[0].Bytes, KeyID: c.keys[0].ID}, nil)
	if err != nil {
		return nil, fmt.Errorf("creating the encrypter: %w", err)
	}
	c.encrypter = enc
	return c, nil
}

// Seal encrypts payload under the current key.
func (c *Codec) Seal(payload []byte) (string, error) {
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
	d, kid, err := c.checkForm(token)
	if err != nil {
		return nil, -1, err
	}
	if c.gcm {
		return c.openGCM(token, d, kid)
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
