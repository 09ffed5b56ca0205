package authsession

import (
	"crypto/sha256"
	"crypto/sha512"
	"encoding/json"
	"fmt"
	"hash"
	"time"
)

// This file is all format knowledge: the token formats, what each means
// for the codec (formatSpec), how a session maps onto each format's claims
// and back, and the one check of the standard claims that every format's
// tokens pass after the mapping (checkClaims).

// TokenFormat selects the wire format of the session token: the default
// authsession format (see the README's "Token format") or that of a Node.js
// authentication library, so that a Go service can read and write the
// session cookie of a Next.js front end.
type TokenFormat int

const (
	// FormatDefault is authsession's own format: JWE dir + A256GCM, key
	// HKDF-SHA256(secret, salt = cookie name, info = HKDFInfo), kid = the
	// SHA-256 JWK thumbprint, payload = the session JSON plus iat, exp, jti.
	FormatDefault TokenFormat = iota

	// FormatAuthJS is the session cookie of Auth.js v5 (@auth/core,
	// next-auth v5): JWE dir + A256CBC-HS512, 64-byte key
	// HKDF-SHA256(secret, salt = cookie name,
	// info = "Auth.js Generated Encryption Key (<cookie name>)"), kid = the
	// SHA-512 JWK thumbprint, payload = the Auth.js JWT claims (name, email,
	// picture, sub, iat, exp, jti).
	FormatAuthJS

	// FormatNextAuthV4 is the session cookie of NextAuth.js v4 (next-auth@4):
	// JWE dir + A256GCM, 32-byte key HKDF-SHA256(secret, empty salt,
	// info = "NextAuth.js Generated Encryption Key"), no kid, payload = the
	// NextAuth.js JWT claims. The key does not depend on the cookie name.
	FormatNextAuthV4
)

// HKDF info strings of the foreign formats.
const (
	// AuthJSHKDFInfoPrefix is followed by the salt (the cookie name) in
	// parentheses.
	AuthJSHKDFInfoPrefix = "Auth.js Generated Encryption Key "
	// NextAuthV4HKDFInfo is used with an empty salt.
	NextAuthV4HKDFInfo = "NextAuth.js Generated Encryption Key"
)

// Default cookie names of the foreign formats. As in Auth.js and NextAuth.js,
// a Secure cookie carries the "__Secure-" prefix.
const (
	AuthJSCookieName     = "authjs.session-token"
	NextAuthV4CookieName = "next-auth.session-token"
)

var formatNames = [...]string{
	FormatDefault:    "default",
	FormatAuthJS:     "authjs",
	FormatNextAuthV4: "nextauth-v4",
}

func (f TokenFormat) valid() bool { return f >= 0 && int(f) < len(formatNames) }

// String returns the format's name: "default", "authjs" or "nextauth-v4".
func (f TokenFormat) String() string {
	if !f.valid() {
		return fmt.Sprintf("TokenFormat(%d)", int(f))
	}
	return formatNames[f]
}

// MarshalText returns the format's name.
func (f TokenFormat) MarshalText() ([]byte, error) {
	if !f.valid() {
		return nil, fmt.Errorf("%w: unknown token format %d", ErrConfig, int(f))
	}
	return []byte(formatNames[f]), nil
}

// UnmarshalText parses a format name as returned by String.
func (f *TokenFormat) UnmarshalText(b []byte) error {
	for i, n := range formatNames {
		if string(b) == n {
			*f = TokenFormat(i)
			return nil
		}
	}
	return fmt.Errorf("%w: unknown token format %q (want default, authjs or nextauth-v4)", ErrConfig, b)
}

// defaultCookieName is the format's cookie name, or "" to keep the package
// default.
func (f TokenFormat) defaultCookieName(insecure bool) string {
	var name string
	switch f {
	case FormatAuthJS:
		name = AuthJSCookieName
	case FormatNextAuthV4:
		name = NextAuthV4CookieName
	default:
		return ""
	}
	if !insecure {
		name = "__Secure-" + name
	}
	return name
}

// formatSpec is what a TokenFormat means for the codec (key derivation,
// content encryption, key id) and for the claims mapping. The go-jose
// types stay in jwt.go: enc is the JWE "enc" name.
type formatSpec struct {
	enc    string // "A256GCM" or "A256CBC-HS512"
	keyLen int
	// salt and info return the HKDF salt and info for a cookie name.
	salt, info func(cookieName string) string
	// kidHash is the thumbprint hash of the "kid" header; nil writes no kid.
	kidHash func() hash.Hash
	// foreign selects the Auth.js / NextAuth.js claims mapping instead of
	// the session JSON. Those formats take the user id from "sub" and do
	// not require it on the tokens they read.
	foreign bool
}

func (f TokenFormat) spec() formatSpec {
	switch f {
	case FormatAuthJS:
		return formatSpec{
			enc: "A256CBC-HS512", keyLen: 64,
			salt:    func(name string) string { return name },
			info:    func(name string) string { return AuthJSHKDFInfoPrefix + "(" + name + ")" },
			kidHash: sha512.New, foreign: true,
		}
	case FormatNextAuthV4:
		return formatSpec{
			enc: "A256GCM", keyLen: 32,
			salt:    func(string) string { return "" },
			info:    func(string) string { return NextAuthV4HKDFInfo },
			foreign: true,
		}
	default:
		return formatSpec{
			enc: "A256GCM", keyLen: 32,
			salt:    func(name string) string { return name },
			info:    func(string) string { return HKDFInfo },
			kidHash: sha256.New,
		}
	}
}

// maxForeignTime bounds iat, exp and nbf (seconds) so that their
// millisecond forms cannot overflow.
const maxForeignTime = 1 << 40

// checkClaims is the one check of the standard claims, for every format,
// applied after the format's claims are mapped (decodeClaims) and, by the
// token layer, before a token is issued: iat, exp and nbf within range
// (their millisecond forms cannot overflow), golang-jwt's validation (exp
// required and not passed, iat and nbf not in the future, with
// Config.Leeway: codec.validate), a jti, and, in the default format, a
// user id for user types that have one ([UserIDer]; the foreign formats
// take it from an optional "sub"). It does not check the session's own
// lifetime (ExpiresAt, MaxLifetime): the token layer does, for cached and
// decoded sessions alike. Errors wrap ErrInvalidToken or ErrTokenExpired.
func checkClaims[U any](f *formatSpec, c *codec, reg *registered, s *Session[U]) error {
	for _, t := range [...]float64{reg.IssuedAt, reg.Expiry, reg.NotBefore} {
		if t < 0 || t > maxForeignTime {
			return fmt.Errorf("%w: time claims out of range", ErrInvalidToken)
		}
	}
	if err := c.validate(reg); err != nil {
		return err
	}
	if reg.JTI == "" {
		return fmt.Errorf("%w: missing jti", ErrInvalidToken)
	}
	if !f.foreign && missingUserID(s.User) {
		return fmt.Errorf("%w: session without a user id", ErrInvalidToken)
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

// encodeClaims returns the payload of s in format f, issued at iat, and
// the registered claims it carries.
func encodeClaims[U any](f *formatSpec, s *Session[U], iat time.Time) ([]byte, registered, error) {
	reg := registered{IssuedAt: float64(iat.Unix()), Expiry: float64(s.ExpiresAt.UnixMilli() / 1000), JTI: s.ID}
	var payload []byte
	var err error
	if f.foreign {
		payload, err = encodeForeignClaims(s, iat.Unix(), s.ExpiresAt.UnixMilli()/1000)
	} else {
		payload, err = json.Marshal(&tokenClaims[U]{
			sessionJSON: s.toJSON(),
			IssuedAt:    iat.Unix(),
			Expiry:      s.ExpiresAt.UnixMilli() / 1000,
			JTI:         s.ID,
			Gen:         int64(s.gen),
		})
	}
	if err != nil {
		return nil, reg, fmt.Errorf("authsession: encoding session: %w", err)
	}
	return payload, reg, nil
}

// decodeClaims maps a decrypted payload of format f onto a session and
// its registered claims. It checks only the payload's shape: checkClaims
// checks the claims, for every format. Errors wrap ErrInvalidToken.
func decodeClaims[U any](f *formatSpec, plaintext []byte) (Session[U], registered, error) {
	if f.foreign {
		return decodeForeignClaims[U](plaintext)
	}
	return decodeSessionClaims[U](plaintext)
}

// carriedTimes returns the expiry and creation times that a session
// encoded at iat (Unix seconds) reads back with: the session JSON keeps
// milliseconds, with the creation time no later than iat; the foreign
// formats keep exp in seconds and have no creation time but iat. The token
// layer checks a session's lifetime on these before issuing it.
func (f *formatSpec) carriedTimes(expires, created time.Time, iat int64) (time.Time, time.Time) {
	if f.foreign {
		return time.Unix(expires.UnixMilli()/1000, 0), time.Unix(iat, 0)
	}
	expires, created = time.UnixMilli(expires.UnixMilli()), time.UnixMilli(created.UnixMilli())
	if created.UnixMilli() > iat*1000+999 {
		created = time.Unix(iat, 0)
	}
	return expires, created
}

// tokenClaims is the payload of the default format: the session JSON plus
// registered claims, and with a store the session's generation ("gen",
// generations.go; absent is 0).
type tokenClaims[U any] struct {
	sessionJSON[U]
	IssuedAt  int64  `json:"iat"`
	Expiry    int64  `json:"exp"`
	NotBefore int64  `json:"nbf,omitempty"`
	JTI       string `json:"jti"`
	Gen       int64  `json:"gen,omitempty"`
}

// decodeSessionClaims maps a default-format payload onto a session. Times
// the session JSON lacks come from iat and exp; an expiresAt past exp and
// a createdAt past iat are clamped to them, so the validated claims bound
// the session (a cached verdict lasts until ExpiresAt, MaxLifetime counts
// from CreatedAt).
func decodeSessionClaims[U any](plaintext []byte) (Session[U], registered, error) {
	var claims tokenClaims[U]
	if err := json.Unmarshal(plaintext, &claims); err != nil {
		return Session[U]{}, registered{}, fmt.Errorf("%w: malformed claims", ErrInvalidToken)
	}
	reg := registered{
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
		return Session[U]{}, registered{}, fmt.Errorf("%w: negative generation", ErrInvalidToken)
	}
	s := claims.sessionJSON.toSession(claims.JTI)
	s.gen = uint64(claims.Gen)
	return s, reg, nil
}

// Claims of the foreign formats that map onto session fields rather than
// onto the user object.
const (
	claimSub          = "sub"
	claimPicture      = "picture"
	claimAccessToken  = "accessToken"
	claimRefreshToken = "refreshToken"
)

// isRegisteredTimeClaim reports whether k is one of the claims the codec
// writes itself.
func isRegisteredTimeClaim(k string) bool {
	switch k {
	case "iat", "exp", "nbf", "jti":
		return true
	}
	return false
}

// encodeForeignClaims returns the Auth.js / NextAuth.js JWT payload for s:
// the user object's fields as claims with id renamed to sub and image to
// picture, the access and refresh tokens as accessToken and refreshToken,
// and iat, exp and jti.
func encodeForeignClaims[U any](s *Session[U], iat, exp int64) ([]byte, error) {
	ub, err := json.Marshal(s.User)
	if err != nil {
		return nil, err
	}
	var user map[string]json.RawMessage
	if err := json.Unmarshal(ub, &user); err != nil {
		return nil, fmt.Errorf("the user must encode to a JSON object: %w", err)
	}
	claims := make(map[string]any, len(user)+5)
	for k, v := range user {
		switch {
		case k == "id":
			if string(v) != `""` && string(v) != "null" {
				claims[claimSub] = v
			}
		case k == "image":
			claims[claimPicture] = v
		case isRegisteredTimeClaim(k), k == claimSub, k == claimPicture, k == claimAccessToken, k == claimRefreshToken:
			// Reserved: a user field of that name would be read back as
			// something else.
		default:
			claims[k] = v
		}
	}
	if s.AccessToken != "" {
		claims[claimAccessToken] = s.AccessToken
	}
	if s.RefreshToken != "" {
		claims[claimRefreshToken] = s.RefreshToken
	}
	claims["iat"] = iat
	claims["exp"] = exp
	claims["jti"] = s.ID
	return json.Marshal(claims) // map keys are sorted: deterministic
}

// decodeForeignClaims maps an Auth.js / NextAuth.js JWT payload onto a
// session: sub becomes the user's id, picture its image, every other
// non-registered claim (name, email, custom ones) a user field of the same
// name; accessToken and refreshToken become the session's tokens. The
// tokens carry no creation time, so CreatedAt and LastActivity are the
// issue time. Times out of range map to the zero time; checkClaims refuses
// them.
func decodeForeignClaims[U any](plaintext []byte) (Session[U], registered, error) {
	var zero Session[U]
	var reg registered
	var claims map[string]json.RawMessage
	if json.Unmarshal(plaintext, &reg) != nil || json.Unmarshal(plaintext, &claims) != nil {
		return zero, reg, fmt.Errorf("%w: malformed claims", ErrInvalidToken)
	}
	s := Session[U]{
		ID:        reg.JTI,
		ExpiresAt: foreignTime(reg.Expiry),
		CreatedAt: foreignTime(reg.IssuedAt),
	}
	s.LastActivity = s.CreatedAt
	user := make(map[string]json.RawMessage, len(claims))
	for k, v := range claims {
		switch {
		case isRegisteredTimeClaim(k), k == "id", k == "image":
			// id and image come only from sub and picture.
		case k == claimSub:
			user["id"] = v
		case k == claimPicture:
			user["image"] = v
		case k == claimAccessToken, k == claimRefreshToken:
			var tok string
			if json.Unmarshal(v, &tok) != nil {
				return zero, reg, fmt.Errorf("%w: malformed %s claim", ErrInvalidToken, k)
			}
			if k == claimAccessToken {
				s.AccessToken = tok
			} else {
				s.RefreshToken = tok
			}
		default:
			user[k] = v
		}
	}
	ub, err := json.Marshal(user)
	if err != nil {
		return zero, reg, fmt.Errorf("%w: malformed claims", ErrInvalidToken)
	}
	if err := json.Unmarshal(ub, &s.User); err != nil {
		return zero, reg, fmt.Errorf("%w: claims do not fit the user type", ErrInvalidToken)
	}
	return s, reg, nil
}

// foreignTime is a foreign format's time claim (seconds, maybe with a
// fraction, which is dropped) as a time, or the zero time when it is out of
// range.
func foreignTime(sec float64) time.Time {
	if sec < 0 || sec > maxForeignTime {
		return time.Time{}
	}
	return time.Unix(int64(sec), 0)
}
