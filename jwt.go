package authsession

import (
	"crypto/cipher"
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
	kid  string
	key  []byte
	aead cipher.AEAD // AES-256-GCM under key, for openGCM; nil for other encryptions
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

// newCodec derives the keys of format f for secrets (secrets[0] is the
// current one) and cookieName. Tokens longer than maxBytes are refused
// unread; leeway and now configure the claims validation.
func newCodec(f formatSpec, cookieName string, secrets []Secret, maxBytes int, leeway time.Duration, now func() time.Time) (*codec, error) {
	chars, ok := segmentChars[f.enc]
	if !ok {
		return nil, configError("Format", "unsupported content encryption %q", f.enc)
	}
	c := &codec{enc: f.enc, maxBytes: maxBytes, gcm: f.enc == "A256GCM", ivChars: chars[0], tagChars: chars[1]}
	for i, s := range secrets {
		key, err := hkdf.Key(sha256.New, []byte(s), []byte(f.salt(cookieName)), f.info(cookieName), f.keyLen)
		if err != nil {
			return nil, configError(secretField(i), "deriving the key: %v", err)
		}
		ck := codecKey{key: key}
		if f.kidHash != nil {
			ck.kid = thumbprint(key, f.kidHash)
		}
		if c.gcm {
			if ck.aead, err = newGCM(key); err != nil {
				return nil, configError(secretField(i), "creating the cipher: %v", err)
			}
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
//
// The strict checks run first (checkForm). Then A256GCM tokens are opened
// directly with the key's cached AEAD (openGCM); other encryptions go
// through go-jose (openJose), which also remains the reference reader of
// A256GCM: FuzzOpenDifferential shows that both accept and refuse the
// same tokens, with the same plaintext and key.
func (c *codec) open(token string) ([]byte, int, error) {
	d, kid, err := c.checkForm(token)
	if err != nil {
		return nil, -1, err
	}
	if c.gcm {
		return c.openGCM(token, d, kid)
	}
	return c.openJose(token, kid)
}

// openReference is open through go-jose whatever the encryption: the
// reference that the direct A256GCM reader is tested against.
func (c *codec) openReference(token string) ([]byte, int, error) {
	_, kid, err := c.checkForm(token)
	if err != nil {
		return nil, -1, err
	}
	return c.openJose(token, kid)
}

// checkForm is every check of a token's form before any cryptography:
// its length, its shape (checkShape), its header (checkHeader: alg dir,
// the format's enc) and the lengths of its IV and tag, which must be
// exactly the encryption's. go-jose takes a longer tag segment and moves
// its first bytes to the ciphertext, so without the last check one token
// could be re-split into others that decrypt alike. It returns the dots'
// offsets and the header's kid.
func (c *codec) checkForm(token string) (dots, string, error) {
	if len(token) == 0 || len(token) > c.maxBytes {
		return dots{}, "", fmt.Errorf("%w: length %d out of range", ErrInvalidToken, len(token))
	}
	d, err := checkShape(token)
	if err != nil {
		return d, "", err
	}
	kid, err := checkHeader(token, c.enc)
	if err != nil {
		return d, "", err
	}
	if d[2]-d[1]-1 != c.ivChars || len(token)-d[3]-1 != c.tagChars {
		return d, "", errSegmentLength
	}
	return d, kid, nil
}

var errSegmentLength = fmt.Errorf("%w: IV or tag of the wrong length", ErrInvalidToken)

// openJose decrypts a token that passed checkForm with go-jose, trying the
// keys whose kid matches (every key when the token has none).
func (c *codec) openJose(token, kid string) ([]byte, int, error) {
	obj, err := jose.ParseEncryptedCompact(token, allowedKeyAlgs, []jose.ContentEncryption{jose.ContentEncryption(c.enc)})
	if err != nil {
		return nil, -1, errMalformedJWE
	}
	var plaintext []byte
	tried := false
	for i := range c.keys {
		if kid != "" && c.keys[i].kid != kid {
			continue
		}
		tried = true
		if plaintext, err = obj.Decrypt(c.keys[i].key); err == nil {
			return plaintext, i, nil
		}
	}
	return nil, -1, noKeyError(kid, tried)
}

// noKeyError is open's error when no key opened the token: an unknown kid
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
