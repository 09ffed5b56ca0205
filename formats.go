package authsession

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/authsession/authsession/internal/jwe"
	"github.com/authsession/authsession/internal/plainjson"
)

// This file is all format knowledge: the token formats, what each means
// for the codec (formatSpec, over the key schemes of internal/jwe), how a
// session maps onto each format's claims and back, and the one check of
// the standard claims that every format's tokens pass after the mapping
// (checkClaims).

// TokenFormat selects the wire format of the session token: the default
// authsession format (see docs/token-format.md) or that of a Node.js
// authentication library, so that a Go service can read and write the
// session cookie of a Next.js front end. Its values are their names, so a
// format read from a flag, an environment variable or JSON is a
// conversion (TokenFormat("authjs")); NextAuthSession refuses any other.
type TokenFormat string

const (
	// FormatDefault is authsession's own format: JWE dir + A256GCM, key
	// HKDF-SHA256(secret, salt = cookie name,
	// info = "authsession session encryption key"), kid = the SHA-256 JWK
	// thumbprint, payload = the session JSON plus iat, exp, jti. The zero
	// value "" selects it too.
	FormatDefault TokenFormat = "default"

	// FormatAuthJS is the session cookie of Auth.js v5 (@auth/core,
	// next-auth v5): JWE dir + A256CBC-HS512, 64-byte key
	// HKDF-SHA256(secret, salt = cookie name,
	// info = "Auth.js Generated Encryption Key (<cookie name>)"), kid = the
	// SHA-512 JWK thumbprint, payload = the Auth.js JWT claims (name, email,
	// picture, sub, iat, exp, jti) and "authsession_created_at" (the
	// session's creation, see docs/nextjs.md). Cookies are split into chunks
	// of 3936 bytes, as Auth.js splits them.
	FormatAuthJS TokenFormat = "authjs"

	// FormatNextAuthV4 is the session cookie of NextAuth.js v4 (next-auth@4):
	// JWE dir + A256GCM, 32-byte key HKDF-SHA256(secret, empty salt,
	// info = "NextAuth.js Generated Encryption Key"), no kid, payload = the
	// NextAuth.js JWT claims and "authsession_created_at". The key does not
	// depend on the cookie name. Chunks are 3933 bytes, as NextAuth.js 4
	// writes them.
	FormatNextAuthV4 TokenFormat = "nextauth-v4"
)

// Default cookie names of the foreign formats. As in Auth.js and NextAuth.js,
// a Secure cookie carries the "__Secure-" prefix.
const (
	authJSCookieName     = "authjs.session-token"
	nextAuthV4CookieName = "next-auth.session-token"
)

// valid reports whether f is one of the formats (the zero value is
// resolved to FormatDefault before this is asked).
func (f TokenFormat) valid() bool {
	return f == FormatDefault || f == FormatAuthJS || f == FormatNextAuthV4
}

// defaultCookieName is the format's cookie name, or "" to keep the package
// default.
func (f TokenFormat) defaultCookieName(insecure bool) string {
	var name string
	switch f {
	case FormatAuthJS:
		name = authJSCookieName
	case FormatNextAuthV4:
		name = nextAuthV4CookieName
	default:
		return ""
	}
	if !insecure {
		name = "__Secure-" + name
	}
	return name
}

// formatSpec is what a TokenFormat means for the codec (its key scheme:
// derivation, content encryption, key id) and for the claims mapping.
type formatSpec struct {
	scheme jwe.Scheme
	// foreign selects the Auth.js / NextAuth.js claims mapping
	// (formats_foreign.go) instead of the session JSON, and their clock rules: no
	// check of iat, defaultForeignLeeway.
	foreign bool
	// chunkSize is the largest cookie value the format's own library
	// writes before it splits the token into chunks; 0 is the package's
	// (cookies.ChunkSize).
	chunkSize int
	// cookiePrefix names the format's auxiliary cookies
	// (<prefix>.csrf-token, <prefix>.callback-url); "" for none.
	cookiePrefix string
}

func (f TokenFormat) spec() formatSpec {
	switch f {
	case FormatAuthJS:
		return formatSpec{scheme: jwe.AuthJSScheme(), foreign: true, chunkSize: authJSChunkSize, cookiePrefix: "authjs"}
	case FormatNextAuthV4:
		return formatSpec{scheme: jwe.NextAuthV4Scheme(), foreign: true, chunkSize: nextAuthV4ChunkSize, cookiePrefix: "next-auth"}
	default:
		return formatSpec{scheme: jwe.DefaultScheme()}
	}
}

// auxCookies are the names of the format's auxiliary cookies, which a
// sign-out clears: the CSRF token and callback URL cookies, under the
// names Auth.js and NextAuth.js give them with and without secure cookies
// (lib/utils/cookie.js's defaultCookies).
func (f *formatSpec) auxCookies() []string {
	p := f.cookiePrefix
	if p == "" {
		return nil
	}
	return []string{p + ".csrf-token", hostPrefix + p + ".csrf-token", p + ".callback-url", securePrefix + p + ".callback-url"}
}

// Chunk sizes of the foreign formats: the cookie size Auth.js and
// NextAuth.js allow (4096 bytes) less their estimate of an empty cookie's
// attributes (160 bytes in @auth/core's lib/utils/cookie.js, 163 in
// next-auth 4's core/lib/cookie.js).
const (
	authJSChunkSize     = 4096 - 160
	nextAuthV4ChunkSize = 4096 - 163
)

// defaultForeignLeeway is the default Config.Leeway of FormatAuthJS and
// FormatNextAuthV4: the clockTolerance with which Auth.js and NextAuth.js
// decode their tokens (jose's jwtDecrypt, 15 seconds on exp and nbf; iat is
// not checked).
const defaultForeignLeeway = 15 * time.Second

// defaultLeeway is the format's default Config.Leeway.
func (f TokenFormat) defaultLeeway() time.Duration {
	if f.spec().foreign {
		return defaultForeignLeeway
	}
	return defaultLeeway
}

// refreshLifetime is how far a refresh at now extends a session last
// issued at last and expiring at expires. In the foreign formats it is the
// lifetime the token was issued with (exp - iat: the Next.js app's
// session.maxAge, or Config.Expiry for a token this library issued), so a
// re-issue keeps the front end's lifetime; in the default format, and for
// a foreign token without a positive one, Config.Expiry.
func (f *formatSpec) refreshLifetime(expires, last time.Time, expiry time.Duration) time.Duration {
	if d := expires.Sub(last); f.foreign && d > 0 {
		return d
	}
	return expiry
}

// maxForeignTime bounds iat, exp and nbf (seconds) so that their
// millisecond forms cannot overflow.
const maxForeignTime = 1 << 40

// checkClaims is the one check of the standard claims, for every format,
// applied after the format's claims are mapped (decodeClaims) and, by the
// token layer, before a token is issued: iat, exp and nbf within range
// (their millisecond forms cannot overflow), golang-jwt's validation (exp
// required and not passed, nbf and, in the default format, iat not in the
// future, with Config.Leeway: jwe.Validator), a jti, and a user id for
// user types that have one ([UserIDer]; the foreign formats require a
// non-empty "sub", whatever the user type, and an iat). It does not check
// the session's own lifetime (ExpiresAt, MaxLifetime): the token layer
// does, for cached and decoded sessions alike. Errors wrap
// ErrInvalidToken or ErrTokenExpired.
func checkClaims[U any](f *formatSpec, v jwe.Validator, reg *jwe.Claims, s *Session[U]) error {
	for _, t := range [...]float64{reg.IssuedAt, reg.Expiry, reg.NotBefore} {
		if t < 0 || t > maxForeignTime {
			return fmt.Errorf("%w: time claims out of range", ErrInvalidToken)
		}
	}
	if err := v.Validate(reg); err != nil {
		return err
	}
	if reg.JTI == "" {
		return fmt.Errorf("%w: missing jti", ErrInvalidToken)
	}
	if missingUserID(s.User) || f.foreign && reg.Subject == "" {
		return fmt.Errorf("%w: session without a user id", ErrInvalidToken)
	}
	if f.foreign && reg.IssuedAt == 0 {
		// Auth.js and NextAuth.js always write iat: the session's last
		// issue and, without createdAtClaim, its creation.
		return fmt.Errorf("%w: missing iat", ErrInvalidToken)
	}
	return nil
}

// missingUserID reports whether u is of a type with a user id (UserIDer)
// and that id is empty: such a session is never issued or accepted.
func missingUserID[U any](u U) bool {
	if u, ok := any(u).(User); ok { // the common case, without boxing u
		return u.ID == ""
	}
	id, ok := any(u).(UserIDer)
	return ok && id.UserID() == ""
}

// issuedAt is the iat of a token of s issued at now: now, or in the
// foreign formats the session's last (re-)issue (foreignIssuedAt).
func issuedAt[U any](f *formatSpec, s *Session[U], now time.Time) int64 {
	if f.foreign {
		return foreignIssuedAt(s, now)
	}
	return now.Unix()
}

// encodeClaims returns the payload of s in format f, issued at now, and
// the registered claims it carries. The default format's payload is
// appended to dst (a buffer for reuse: its contents are overwritten). A
// payload that the token reader would refuse, one nesting deeper than
// plainjson.MaxDepth, is refused here. Errors wrap ErrInvalidData, or
// ErrNoUserID for a foreign token without a string user id.
func encodeClaims[U any](dst []byte, f *formatSpec, s *Session[U], now time.Time) ([]byte, jwe.Claims, error) {
	iat, exp := issuedAt(f, s, now), s.ExpiresAt.UnixMilli()/1000
	reg := jwe.Claims{IssuedAt: float64(iat), Expiry: float64(exp), JTI: s.ID}
	var payload []byte
	var err error
	if f.foreign {
		payload, reg.Subject, err = encodeForeignClaims(s, iat, exp)
	} else {
		c := tokenClaims[U]{sessionJSON: s.toJSON(), IssuedAt: iat, Expiry: exp, JTI: s.ID, Gen: int64(s.gen)}
		payload, err = encodeSessionClaims(dst[:0], &c)
	}
	switch {
	case errors.Is(err, ErrNoUserID):
		return nil, reg, err
	case err != nil:
		// encoding/json's own refusal (a NaN, a channel, a failing
		// MarshalJSON) or a data key refused: the session cannot be
		// written.
		return nil, reg, dataError("encoding the session", err)
	case !plainjson.WithinDepth(payload, plainjson.MaxDepth):
		return nil, reg, errTooDeep(ErrInvalidData)
	}
	return payload, reg, nil
}

// errTooDeep is the error of a payload nesting deeper than
// plainjson.MaxDepth, wrapping sentinel.
func errTooDeep(sentinel error) error {
	return fmt.Errorf("%w: the session's JSON nests deeper than %d levels", sentinel, plainjson.MaxDepth)
}

// encodeSessionClaims is the default format's payload, appended to dst:
// the claims' appendJSON, byte for byte what json.Marshal writes
// (FuzzClaimsEncode); when that fails, encoding/json's own verdict and
// error. encoding/json gets a copy of the claims, so that c stays where
// the caller put it (on its stack).
func encodeSessionClaims[U any](dst []byte, c *tokenClaims[U]) ([]byte, error) {
	if b, err := c.appendJSON(slices.Grow(dst, c.sizeHint())); err == nil {
		return b, nil
	}
	raw := rawTokenClaims[U](*c)
	return json.Marshal(&raw)
}

// decodeClaims maps a decrypted payload of format f onto the zero session
// s and registered claims reg. It checks only the payload's shape:
// checkClaims checks the claims, for every format. Errors wrap
// ErrInvalidToken; s and reg may then hold part of the payload.
func decodeClaims[U any](f *formatSpec, plaintext []byte, s *Session[U], reg *jwe.Claims) error {
	if f.foreign {
		var err error
		*s, *reg, err = decodeForeignClaims[U](plaintext)
		return err
	}
	return decodeSessionClaims(plaintext, s, reg)
}

// carriedTimes returns the expiry, creation and last-issue times that s,
// encoded at now, reads back with, so that the token layer checks a
// session's lifetime on them before issuing it and caches what a decode
// would return. The session JSON keeps milliseconds, with the creation
// time no later than iat; the foreign formats keep seconds: exp,
// createdAtClaim (no later than iat) and iat, the last issue.
func carriedTimes[U any](f *formatSpec, s *Session[U], now time.Time) (expires, created, last time.Time) {
	iat := issuedAt(f, s, now)
	if f.foreign {
		return time.Unix(s.ExpiresAt.UnixMilli()/1000, 0), time.Unix(foreignCreated(s.CreatedAt, iat), 0), time.Unix(iat, 0)
	}
	expires, created, last = time.UnixMilli(s.ExpiresAt.UnixMilli()), time.UnixMilli(s.CreatedAt.UnixMilli()), time.UnixMilli(s.LastActivity.UnixMilli())
	if created.UnixMilli() == 0 || created.UnixMilli() > iat*1000+999 {
		created = time.Unix(iat, 0)
	}
	if last.UnixMilli() == 0 {
		last = time.Unix(iat, 0)
	}
	return expires, created, last
}

// tokenClaims is the payload of the default format: the session JSON plus
// registered claims, and with a store the session's generation ("gen",
// engine_generations.go; absent is 0).
type tokenClaims[U any] struct {
	sessionJSON[U]
	IssuedAt  int64  `json:"iat"`
	Expiry    int64  `json:"exp"`
	NotBefore int64  `json:"nbf,omitempty"`
	JTI       string `json:"jti"`
	Gen       int64  `json:"gen,omitempty"`
}

// decodeSessionClaims maps a default-format payload onto the zero session
// s and claims reg. Times the session JSON lacks come from iat and exp; an
// expiresAt past exp and a createdAt past iat are clamped to them, so the
// validated claims bound the session (a cached verdict lasts until
// ExpiresAt, MaxLifetime counts from CreatedAt).
func decodeSessionClaims[U any](plaintext []byte, s *Session[U], reg *jwe.Claims) error {
	var claims tokenClaims[U]
	// Read directly rather than through json.Unmarshal, which would first
	// scan the whole payload to validate it: readClaims validates as it
	// reads, and with decodeJSON accepts exactly what encoding/json
	// accepts (FuzzClaimsJSON, formats_claimsjson_test.go), up to
	// plainjson.MaxDepth levels of nesting.
	if !claims.readClaims(plaintext) {
		if err := claims.decodeJSON(plaintext); errors.Is(err, errClaimsTooDeep) {
			return errTooDeep(ErrInvalidToken)
		} else if err != nil {
			return fmt.Errorf("%w: malformed claims", ErrInvalidToken)
		}
	}
	*reg = jwe.Claims{
		IssuedAt:  float64(claims.IssuedAt),
		Expiry:    float64(claims.Expiry),
		NotBefore: float64(claims.NotBefore),
		JTI:       claims.JTI,
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
	// Within the same second the milliseconds are kept.
	if claims.ExpiresAt > claims.Expiry*1000+999 {
		claims.ExpiresAt = claims.Expiry * 1000
	}
	if claims.IssuedAt != 0 && claims.CreatedAt > claims.IssuedAt*1000+999 {
		claims.CreatedAt = claims.IssuedAt * 1000
	}
	if claims.Gen < 0 {
		return fmt.Errorf("%w: negative generation", ErrInvalidToken)
	}
	*s = claims.sessionJSON.toSession(claims.JTI)
	s.gen = uint64(claims.Gen)
	return nil
}
