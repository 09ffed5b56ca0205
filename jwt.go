package authsession

import (
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/golang-jwt/jwt/v5"
)

// HKDFInfo is the HKDF info string of the token encryption key (see the
// README's "Token format").
const HKDFInfo = "authsession session encryption key"

// maxHeaderBytes bounds the encoded protected header we are willing to parse.
const maxHeaderBytes = 512

var (
	allowedKeyAlgs = []jose.KeyAlgorithm{jose.DIRECT}
	allowedEncs    = []jose.ContentEncryption{jose.A256GCM}
)

// DeriveKey returns the 32-byte A256GCM key for secret and cookie name:
// HKDF-SHA256(IKM=secret, salt=cookieName, info=HKDFInfo).
func DeriveKey(secret, cookieName string) ([]byte, error) {
	return hkdf.Key(sha256.New, []byte(secret), []byte(cookieName), HKDFInfo, 32)
}

// KeyID returns the RFC 7638 JWK thumbprint (SHA-256, base64url without
// padding) of a symmetric key, used as the token's "kid" header.
func KeyID(key []byte) string {
	// Members in lexicographic order, no whitespace: {"k":"…","kty":"oct"}.
	jwk := `{"k":"` + base64.RawURLEncoding.EncodeToString(key) + `","kty":"oct"}`
	sum := sha256.Sum256([]byte(jwk))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

type codecKey struct {
	kid string
	key []byte
}

// codec encrypts and decrypts session tokens. It is immutable after
// construction and safe for concurrent use.
type codec[U any] struct {
	keys      []codecKey // keys[0] is the current key
	enc       jose.Encrypter
	validator *jwt.Validator
	maxBytes  int
}

func newCodec[U any](cfg *Config[U]) (*codec[U], error) {
	c := &codec[U]{maxBytes: cfg.MaxCookieBytes}
	secrets := append([]Secret{cfg.Secret}, cfg.PreviousSecrets...)
	for i, s := range secrets {
		key, err := DeriveKey(string(s), cfg.Cookie.Name)
		if err != nil {
			return nil, fmt.Errorf("%w: deriving key %d: %w", ErrConfig, i, err)
		}
		c.keys = append(c.keys, codecKey{kid: KeyID(key), key: key})
	}
	enc, err := jose.NewEncrypter(jose.A256GCM,
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

// newSessionID returns 128 random bits, base64url-encoded.
func newSessionID() string {
	var b [16]byte
	rand.Read(b[:]) // never returns an error (crypto/rand, Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// encrypt serialises s as a token under the current key. iat is issuedAt.
func (c *codec[U]) encrypt(s *Session[U], issuedAt time.Time) (string, error) {
	claims := tokenClaims[U]{
		sessionJSON: s.toJSON(),
		IssuedAt:    issuedAt.Unix(),
		Expiry:      s.ExpiresAt.UnixMilli() / 1000,
		JTI:         s.ID,
	}
	payload, err := json.Marshal(&claims)
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

// decrypt parses, decrypts and validates a token. It returns the index of
// the key that opened it (0 = current secret). Errors wrap ErrInvalidToken
// or ErrTokenExpired and never contain the token.
func (c *codec[U]) decrypt(token string) (Session[U], int, error) {
	var zero Session[U]
	if len(token) == 0 || len(token) > c.maxBytes {
		return zero, -1, fmt.Errorf("%w: length %d out of range", ErrInvalidToken, len(token))
	}
	kid, err := checkHeader(token)
	if err != nil {
		return zero, -1, err
	}
	obj, err := jose.ParseEncryptedCompact(token, allowedKeyAlgs, allowedEncs)
	if err != nil {
		return zero, -1, fmt.Errorf("%w: malformed JWE", ErrInvalidToken)
	}
	var plaintext []byte
	idx := -1
	for i := range c.keys {
		if kid != "" && c.keys[i].kid != kid {
			continue
		}
		if plaintext, err = obj.Decrypt(c.keys[i].key); err == nil {
			idx = i
			break
		}
	}
	if idx < 0 {
		if kid != "" && err == nil {
			return zero, -1, fmt.Errorf("%w: unknown key id", ErrInvalidToken)
		}
		return zero, -1, fmt.Errorf("%w: decryption failed", ErrInvalidToken)
	}
	var claims tokenClaims[U]
	if err := json.Unmarshal(plaintext, &claims); err != nil {
		return zero, -1, fmt.Errorf("%w: malformed claims", ErrInvalidToken)
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
	return claims.sessionJSON.toSession(claims.JTI), idx, nil
}

// checkHeader enforces the strict protected header: only alg, enc, kid, typ
// and cty, with alg "dir" and enc "A256GCM" (go-jose re-checks both). It
// returns the kid. Headers such as zip, jku, jwk, x5u, x5c and crit are
// refused before any cryptography runs.
func checkHeader(token string) (string, error) {
	seg := token
	for i := 0; i < len(token); i++ {
		if token[i] == '.' {
			seg = token[:i]
			break
		}
	}
	if len(seg) == 0 || len(seg) > maxHeaderBytes || len(seg) == len(token) {
		return "", fmt.Errorf("%w: malformed header", ErrInvalidToken)
	}
	raw, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		return "", fmt.Errorf("%w: malformed header", ErrInvalidToken)
	}
	var h map[string]json.RawMessage
	if err := json.Unmarshal(raw, &h); err != nil {
		return "", fmt.Errorf("%w: malformed header", ErrInvalidToken)
	}
	var alg, enc, kid string
	for k, v := range h {
		var dst *string
		switch k {
		case "alg":
			dst = &alg
		case "enc":
			dst = &enc
		case "kid":
			dst = &kid
		case "typ", "cty":
			var s string
			if json.Unmarshal(v, &s) != nil {
				return "", fmt.Errorf("%w: malformed %s header", ErrInvalidToken, k)
			}
			continue
		default:
			return "", fmt.Errorf("%w: header parameter not allowed", ErrInvalidToken)
		}
		if json.Unmarshal(v, dst) != nil {
			return "", fmt.Errorf("%w: malformed %s header", ErrInvalidToken, k)
		}
	}
	if alg != string(jose.DIRECT) || enc != string(jose.A256GCM) {
		return "", fmt.Errorf("%w: algorithm not allowed", ErrInvalidToken)
	}
	return kid, nil
}
