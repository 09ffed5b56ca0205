package authsession

import (
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"hash"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/golang-jwt/jwt/v5"
)

// HKDFInfo is the HKDF info string of the token encryption key (see the
// README's "Token format").
const HKDFInfo = "authsession session encryption key"

// maxHeaderBytes bounds the encoded protected header we are willing to parse.
const maxHeaderBytes = 512

var allowedKeyAlgs = []jose.KeyAlgorithm{jose.DIRECT}

// formatSpec is what a TokenFormat means for the codec: key derivation,
// content encryption, key id and claim mapping.
type formatSpec struct {
	enc    jose.ContentEncryption
	encs   []jose.ContentEncryption // the parse allow-list: exactly enc
	keyLen int
	// salt and info return the HKDF salt and info for a cookie name.
	salt, info func(cookieName string) string
	// kidHash is the thumbprint hash of the "kid" header; nil writes no kid.
	kidHash func() hash.Hash
	// foreign selects the claims mapping of formats.go instead of the
	// session JSON.
	foreign bool
}

func (f TokenFormat) spec() formatSpec {
	switch f {
	case FormatAuthJS:
		return formatSpec{
			enc: jose.A256CBC_HS512, encs: []jose.ContentEncryption{jose.A256CBC_HS512}, keyLen: 64,
			salt:    func(name string) string { return name },
			info:    func(name string) string { return AuthJSHKDFInfoPrefix + "(" + name + ")" },
			kidHash: sha512.New, foreign: true,
		}
	case FormatNextAuthV4:
		return formatSpec{
			enc: jose.A256GCM, encs: []jose.ContentEncryption{jose.A256GCM}, keyLen: 32,
			salt:    func(string) string { return "" },
			info:    func(string) string { return NextAuthV4HKDFInfo },
			foreign: true,
		}
	default:
		return formatSpec{
			enc: jose.A256GCM, encs: []jose.ContentEncryption{jose.A256GCM}, keyLen: 32,
			salt:    func(name string) string { return name },
			info:    func(string) string { return HKDFInfo },
			kidHash: sha256.New,
		}
	}
}

// deriveKey derives the format's content encryption key.
func (f *formatSpec) deriveKey(secret, cookieName string) ([]byte, error) {
	return hkdf.Key(sha256.New, []byte(secret), []byte(f.salt(cookieName)), f.info(cookieName), f.keyLen)
}

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

// codec encrypts and decrypts session tokens. It is immutable after
// construction and safe for concurrent use.
type codec[U any] struct {
	spec      formatSpec
	keys      []codecKey // keys[0] is the current key
	enc       jose.Encrypter
	validator *jwt.Validator
	maxBytes  int
}

func newCodec[U any](cfg *Config[U]) (*codec[U], error) {
	c := &codec[U]{spec: cfg.Format.spec(), maxBytes: cfg.MaxCookieBytes}
	secrets := append([]Secret{cfg.Secret}, cfg.PreviousSecrets...)
	for i, s := range secrets {
		key, err := c.spec.deriveKey(string(s), cfg.Cookie.Name)
		if err != nil {
			return nil, fmt.Errorf("%w: deriving key %d: %w", ErrConfig, i, err)
		}
		ck := codecKey{key: key}
		if c.spec.kidHash != nil {
			ck.kid = thumbprint(key, c.spec.kidHash)
		}
		c.keys = append(c.keys, ck)
	}
	enc, err := jose.NewEncrypter(c.spec.enc,
		jose.Recipient{Algorithm: jose.DIRECT, Key: c.keys[0].key, KeyID: c.keys[0].kid}, nil)
	if err != nil {
		return nil, fmt.Errorf("%w: creating encrypter: %w", ErrConfig, err)
	}
	c.enc = enc
	c.validator = jwt.NewValidator(
		jwt.WithLeeway(cfg.Leeway),
		jwt.WithTimeFunc(cfg.Now),
		jwt.WithIssuedAt(),
		jwt.WithExpirationRequired(),
	)
	return c, nil
}

// tokenClaims is the token payload: the session JSON plus registered claims.
type tokenClaims[U any] struct {
	sessionJSON[U]
	IssuedAt  int64  `json:"iat"`
	Expiry    int64  `json:"exp"`
	NotBefore int64  `json:"nbf,omitempty"`
	JTI       string `json:"jti"`
}

func numericDate(sec int64) *jwt.NumericDate {
	if sec == 0 {
		return nil
	}
	return jwt.NewNumericDate(time.Unix(sec, 0))
}

func (c *tokenClaims[U]) GetExpirationTime() (*jwt.NumericDate, error) {
	return numericDate(c.Expiry), nil
}
func (c *tokenClaims[U]) GetIssuedAt() (*jwt.NumericDate, error) {
	return numericDate(c.IssuedAt), nil
}
func (c *tokenClaims[U]) GetNotBefore() (*jwt.NumericDate, error) {
	return numericDate(c.NotBefore), nil
}
func (c *tokenClaims[U]) GetIssuer() (string, error)             { return "", nil }
func (c *tokenClaims[U]) GetSubject() (string, error)            { return "", nil }
func (c *tokenClaims[U]) GetAudience() (jwt.ClaimStrings, error) { return nil, nil }

// foreignRegistered are the registered claims of the Auth.js and NextAuth.js
// formats. JSON numbers may have fractions there; they are truncated.
type foreignRegistered struct {
	IssuedAt  float64 `json:"iat"`
	Expiry    float64 `json:"exp"`
	NotBefore float64 `json:"nbf"`
	JTI       string  `json:"jti"`
}

func (c *foreignRegistered) GetExpirationTime() (*jwt.NumericDate, error) {
	return numericDate(int64(c.Expiry)), nil
}
func (c *foreignRegistered) GetIssuedAt() (*jwt.NumericDate, error) {
	return numericDate(int64(c.IssuedAt)), nil
}
func (c *foreignRegistered) GetNotBefore() (*jwt.NumericDate, error) {
	return numericDate(int64(c.NotBefore)), nil
}
func (c *foreignRegistered) GetIssuer() (string, error)             { return "", nil }
func (c *foreignRegistered) GetSubject() (string, error)            { return "", nil }
func (c *foreignRegistered) GetAudience() (jwt.ClaimStrings, error) { return nil, nil }

// newSessionID returns 128 random bits, base64url-encoded.
func newSessionID() string {
	var b [16]byte
	rand.Read(b[:]) // never returns an error (crypto/rand, Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// encrypt serialises s as a token under the current key. iat is issuedAt.
func (c *codec[U]) encrypt(s *Session[U], issuedAt time.Time) (string, error) {
	var payload []byte
	var err error
	if c.spec.foreign {
		payload, err = encodeForeignClaims(s, issuedAt.Unix(), s.ExpiresAt.UnixMilli()/1000)
	} else {
		payload, err = json.Marshal(&tokenClaims[U]{
			sessionJSON: s.toJSON(),
			IssuedAt:    issuedAt.Unix(),
			Expiry:      s.ExpiresAt.UnixMilli() / 1000,
			JTI:         s.ID,
		})
	}
	if err != nil {
		return "", fmt.Errorf("authsession: encoding session: %w", err)
	}
	obj, err := c.enc.Encrypt(payload)
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
func (c *codec[U]) open(token string) ([]byte, int, error) {
	if len(token) == 0 || len(token) > c.maxBytes {
		return nil, -1, fmt.Errorf("%w: length %d out of range", ErrInvalidToken, len(token))
	}
	if err := checkShape(token); err != nil {
		return nil, -1, err
	}
	kid, err := checkHeader(token, string(c.spec.enc))
	if err != nil {
		return nil, -1, err
	}
	obj, err := jose.ParseEncryptedCompact(token, allowedKeyAlgs, c.spec.encs)
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

// decrypt parses, decrypts and validates a token. It returns the index of
// the key that opened it (0 = current secret). Errors wrap ErrInvalidToken
// or ErrTokenExpired and never contain the token.
func (c *codec[U]) decrypt(token string) (Session[U], int, error) {
	var zero Session[U]
	plaintext, idx, err := c.open(token)
	if err != nil {
		return zero, -1, err
	}
	if c.spec.foreign {
		var reg foreignRegistered
		if err := json.Unmarshal(plaintext, &reg); err != nil {
			return zero, -1, fmt.Errorf("%w: malformed claims", ErrInvalidToken)
		}
		if reg.IssuedAt < 0 || reg.IssuedAt > maxForeignTime || reg.Expiry < 0 || reg.Expiry > maxForeignTime ||
			reg.NotBefore < 0 || reg.NotBefore > maxForeignTime {
			return zero, -1, fmt.Errorf("%w: time claims out of range", ErrInvalidToken)
		}
		if err := c.validator.Validate(&reg); err != nil {
			return zero, -1, fmt.Errorf("%w: %w", ErrTokenExpired, err)
		}
		if reg.JTI == "" {
			return zero, -1, fmt.Errorf("%w: missing jti", ErrInvalidToken)
		}
		s, err := decodeForeignClaims[U](plaintext, reg.IssuedAt, reg.Expiry, reg.JTI)
		if err != nil {
			return zero, -1, err
		}
		return s, idx, nil
	}
	var claims tokenClaims[U]
	if err := json.Unmarshal(plaintext, &claims); err != nil {
		return zero, -1, fmt.Errorf("%w: malformed claims", ErrInvalidToken)
	}
	// Bound the registered times as the foreign formats do: their
	// millisecond forms below must not overflow.
	if claims.IssuedAt < 0 || claims.IssuedAt > maxForeignTime || claims.Expiry < 0 || claims.Expiry > maxForeignTime ||
		claims.NotBefore < 0 || claims.NotBefore > maxForeignTime {
		return zero, -1, fmt.Errorf("%w: time claims out of range", ErrInvalidToken)
	}
	if err := c.validator.Validate(&claims); err != nil {
		return zero, -1, fmt.Errorf("%w: %w", ErrTokenExpired, err)
	}
	if claims.JTI == "" {
		return zero, -1, fmt.Errorf("%w: missing jti", ErrInvalidToken)
	}
	if claims.ExpiresAt == 0 {
		claims.ExpiresAt = claims.Expiry * 1000
	}
	if claims.CreatedAt == 0 {
		claims.CreatedAt = claims.IssuedAt * 1000
	}
	if claims.LastActivity == 0 {
		claims.LastActivity = claims.IssuedAt * 1000
	}
	// exp is what was validated: never trust an expiresAt past it (a
	// cached verdict lasts until ExpiresAt). Within the same second the
	// milliseconds are kept.
	if claims.ExpiresAt > claims.Expiry*1000+999 {
		claims.ExpiresAt = claims.Expiry * 1000
	}
	// A session is created no later than it is issued: a createdAt after
	// iat would let it escape MaxLifetime.
	if claims.IssuedAt != 0 && claims.CreatedAt > claims.IssuedAt*1000+999 {
		claims.CreatedAt = claims.IssuedAt * 1000
	}
	if u, ok := any(claims.User).(UserIDer); ok && u.UserID() == "" {
		return zero, -1, fmt.Errorf("%w: session without a user id", ErrInvalidToken)
	}
	return claims.sessionJSON.toSession(claims.JTI), idx, nil
}

// checkShape refuses malleable encodings before any parsing: a compact JWE
// of exactly five segments whose encrypted-key segment is empty (RFC 7516
// section 5.1: it must be for "dir"), and whose base64url segments are
// canonical (no non-zero unused trailing bits). go-jose decodes leniently,
// so without this two different strings could decrypt to one session.
func checkShape(token string) error {
	seg, n := 0, 0
	for i := 0; i <= len(token); i++ {
		if i < len(token) && token[i] != '.' {
			continue
		}
		if n == 1 && i != seg {
			return fmt.Errorf("%w: non-empty encrypted key with alg dir", ErrInvalidToken)
		}
		if !canonicalBase64Tail(token[seg:i]) {
			return fmt.Errorf("%w: non-canonical base64url", ErrInvalidToken)
		}
		n++
		seg = i + 1
	}
	if n != 5 {
		return fmt.Errorf("%w: not a compact JWE", ErrInvalidToken)
	}
	return nil
}

// canonicalBase64Tail reports whether the unpadded base64url segment s
// has a valid length and no bits set in its last character beyond the
// encoded bytes.
func canonicalBase64Tail(s string) bool {
	if len(s) == 0 {
		return true
	}
	var unused uint
	switch len(s) % 4 {
	case 0:
		return true
	case 1:
		return false
	case 2:
		unused = 4
	case 3:
		unused = 2
	}
	c := s[len(s)-1]
	var v byte
	switch {
	case c >= 'A' && c <= 'Z':
		v = c - 'A'
	case c >= 'a' && c <= 'z':
		v = c - 'a' + 26
	case c >= '0' && c <= '9':
		v = c - '0' + 52
	case c == '-':
		v = 62
	case c == '_':
		v = 63
	default:
		return false // go-jose rejects it too; refuse early
	}
	return v&(1<<unused-1) == 0
}

// TokenInfo is what [InspectToken] found in a token.
type TokenInfo struct {
	// Header is the JWE protected header.
	Header map[string]any
	// Claims is the decrypted payload, as it was in the token.
	Claims json.RawMessage
	// KeyIndex is the secret that decrypted the token: 0 is Config.Secret,
	// n is Config.PreviousSecrets[n-1].
	KeyIndex int
	// KeyID is the kid of that secret's key; "" for FormatNextAuthV4,
	// whose tokens carry none.
	KeyID string
	// IssuedAt and ExpiresAt are the iat and exp claims (zero if absent).
	IssuedAt, ExpiresAt time.Time
}

// InspectToken decrypts token with cfg's secrets, cookie name and format
// and returns its header and claims WITHOUT validating them: expired tokens
// and tokens issued in the future are returned too. It is meant for
// diagnostic tools such as cmd/authsession; never use it to authenticate a
// request (use DecryptSession). Errors wrap ErrConfig or ErrInvalidToken and
// never contain the token or a secret.
func InspectToken[U any](cfg Config[U], token string) (TokenInfo, error) {
	cfg, err := cfg.resolve()
	if err != nil {
		return TokenInfo{}, err
	}
	c, err := newCodec(&cfg)
	if err != nil {
		return TokenInfo{}, err
	}
	plaintext, idx, err := c.open(token)
	if err != nil {
		return TokenInfo{}, err
	}
	info := TokenInfo{Claims: plaintext, KeyIndex: idx, KeyID: c.keys[idx].kid}
	head, _, _ := strings.Cut(token, ".")
	raw, err := base64.RawURLEncoding.DecodeString(head)
	if err != nil || json.Unmarshal(raw, &info.Header) != nil {
		return TokenInfo{}, fmt.Errorf("%w: malformed header", ErrInvalidToken)
	}
	var reg foreignRegistered
	if err := json.Unmarshal(plaintext, &reg); err != nil {
		return TokenInfo{}, fmt.Errorf("%w: malformed claims", ErrInvalidToken)
	}
	if reg.IssuedAt > 0 && reg.IssuedAt < maxForeignTime {
		info.IssuedAt = time.Unix(int64(reg.IssuedAt), 0)
	}
	if reg.Expiry > 0 && reg.Expiry < maxForeignTime {
		info.ExpiresAt = time.Unix(int64(reg.Expiry), 0)
	}
	return info, nil
}
