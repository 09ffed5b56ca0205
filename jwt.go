package authsession

import (
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"hash"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/golang-jwt/jwt/v5"
)

// This file is the cryptography under the token layer (tokens.go), and
// the only file that imports go-jose and golang-jwt: key derivation, the
// JWE seal and open of a payload (alg "dir"), and golang-jwt's validation
// of the registered claims. What a payload means is formats.go's; which
// tokens are accepted is decided by the token layer.

// HKDFInfo is the HKDF info string of the token encryption key (see the
// README's "Token format").
const HKDFInfo = "authsession session encryption key"

var allowedKeyAlgs = []jose.KeyAlgorithm{jose.DIRECT}

// DeriveKey returns the 32-byte A256GCM key for secret and cookie name:
// HKDF-SHA256(IKM=secret, salt=cookieName, info=HKDFInfo).
func DeriveKey(secret, cookieName string) ([]byte, error) {
	return hkdf.Key(sha256.New, []byte(secret), []byte(cookieName), HKDFInfo, 32)
}

// KeyID returns the RFC 7638 JWK thumbprint (SHA-256, base64url without
// padding) of a symmetric key, used as the token's "kid" header.
func KeyID(key []byte) string { return thumbprint(key, sha256.New) }

// thumbprint is the RFC 7638 thumbprint of the symmetric JWK of key under h.
func thumbprint(key []byte, h func() hash.Hash) string {
	// Members in lexicographic order, no whitespace: {"k":"…","kty":"oct"}.
	d := h()
	d.Write([]byte(`{"k":"` + base64.RawURLEncoding.EncodeToString(key) + `","kty":"oct"}`))
	return base64.RawURLEncoding.EncodeToString(d.Sum(nil))
}

type codecKey struct {
	kid string
	key []byte
}

// codec seals payloads into compact JWE tokens and opens them, under the
// keys of a format, and validates registered claims. It knows nothing of
// sessions. It is immutable after construction and safe for concurrent
// use.
type codec struct {
	enc       string     // the content encryption, formatSpec.enc
	keys      []codecKey // keys[0] is the current key
	encrypter jose.Encrypter
	validator *jwt.Validator
	maxBytes  int
}

// newCodec derives the keys of format f for secrets (secrets[0] is the
// current one) and cookieName. Tokens longer than maxBytes are refused
// unread; leeway and now configure the claims validation.
func newCodec(f formatSpec, cookieName string, secrets []Secret, maxBytes int, leeway time.Duration, now func() time.Time) (*codec, error) {
	c := &codec{enc: f.enc, maxBytes: maxBytes}
	for i, s := range secrets {
		key, err := hkdf.Key(sha256.New, []byte(s), []byte(f.salt(cookieName)), f.info(cookieName), f.keyLen)
		if err != nil {
			return nil, configError(secretField(i), "deriving the key: %v", err)
		}
		ck := codecKey{key: key}
		if f.kidHash != nil {
			ck.kid = thumbprint(key, f.kidHash)
		}
		c.keys = append(c.keys, ck)
	}
	enc, err := jose.NewEncrypter(jose.ContentEncryption(f.enc),
		jose.Recipient{Algorithm: jose.DIRECT, Key: c.keys[0].key, KeyID: c.keys[0].kid}, nil)
	if err != nil {
		return nil, configError("Format", "creating the encrypter: %v", err)
	}
	c.encrypter = enc
	opts := []jwt.ParserOption{jwt.WithLeeway(leeway), jwt.WithTimeFunc(now), jwt.WithExpirationRequired()}
	if !f.foreign {
		// Auth.js and NextAuth.js do not check iat (jose without
		// maxTokenAge): neither do their formats here.
		opts = append(opts, jwt.WithIssuedAt())
	}
	c.validator = jwt.NewValidator(opts...)
	return c, nil
}

// secretField names secret i of newCodec's list in configuration errors.
func secretField(i int) string {
	if i == 0 {
		return "Secret"
	}
	return fmt.Sprintf("PreviousSecrets[%d]", i-1)
}

// seal encrypts payload under the current key.
func (c *codec) seal(payload []byte) (string, error) {
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

// open parses and decrypts a token without looking at its claims. It
// returns the plaintext and the index of the key that opened it (0 = the
// current secret). Errors wrap ErrInvalidToken and never contain the token.
func (c *codec) open(token string) ([]byte, int, error) {
	if len(token) == 0 || len(token) > c.maxBytes {
		return nil, -1, fmt.Errorf("%w: length %d out of range", ErrInvalidToken, len(token))
	}
	if err := checkShape(token); err != nil {
		return nil, -1, err
	}
	kid, err := checkHeader(token, c.enc)
	if err != nil {
		return nil, -1, err
	}
	obj, err := jose.ParseEncryptedCompact(token, allowedKeyAlgs, []jose.ContentEncryption{jose.ContentEncryption(c.enc)})
	if err != nil {
		return nil, -1, fmt.Errorf("%w: malformed JWE", ErrInvalidToken)
	}
	var plaintext []byte
	for i := range c.keys {
		if kid != "" && c.keys[i].kid != kid {
			continue
		}
		if plaintext, err = obj.Decrypt(c.keys[i].key); err == nil {
			return plaintext, i, nil
		}
	}
	if kid != "" && err == nil {
		return nil, -1, fmt.Errorf("%w: unknown key id", ErrInvalidToken)
	}
	return nil, -1, fmt.Errorf("%w: decryption failed", ErrInvalidToken)
}

// registered are the registered claims of every format, as the format's
// mapping found them (formats.go). JSON numbers may have fractions in the
// foreign formats; they are truncated once checkClaims has bounded them.
type registered struct {
	IssuedAt  float64 `json:"iat"`
	Expiry    float64 `json:"exp"`
	NotBefore float64 `json:"nbf"`
	JTI       string  `json:"jti"`
	// Subject is the foreign formats' user id, their "sub" claim when it
	// is a string (set by their mapping, formats.go); unused by the
	// default format, whose user id is in the session JSON.
	Subject string `json:"-"`

	// The times as golang-jwt reads them, filled by its getters: kept
	// here so that validating allocates no date.
	iat, exp, nbf jwt.NumericDate
}

// validate is golang-jwt's check of reg: exp present and not passed, nbf
// and (in the default format) iat not in the future, each with
// Config.Leeway. The caller has bounded the times (checkClaims). Errors
// wrap ErrTokenExpired.
func (c *codec) validate(reg *registered) error {
	if err := c.validator.Validate(reg); err != nil {
		return fmt.Errorf("%w: %w", ErrTokenExpired, err)
	}
	return nil
}

// date sets d to sec (truncated) and returns it, or nil for 0 (absent).
func date(d *jwt.NumericDate, sec float64) *jwt.NumericDate {
	if int64(sec) == 0 {
		return nil
	}
	d.Time = time.Unix(int64(sec), 0)
	return d
}

func (c *registered) GetExpirationTime() (*jwt.NumericDate, error) {
	return date(&c.exp, c.Expiry), nil
}
func (c *registered) GetIssuedAt() (*jwt.NumericDate, error) {
	return date(&c.iat, c.IssuedAt), nil
}
func (c *registered) GetNotBefore() (*jwt.NumericDate, error) {
	return date(&c.nbf, c.NotBefore), nil
}
func (c *registered) GetIssuer() (string, error)             { return "", nil }
func (c *registered) GetSubject() (string, error)            { return "", nil }
func (c *registered) GetAudience() (jwt.ClaimStrings, error) { return nil, nil }
