package authsession

import (
	"encoding/json"
	"fmt"
	"time"
)

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

// maxForeignTime bounds iat and exp (seconds) so that their millisecond
// forms cannot overflow.
const maxForeignTime = 1 << 40

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

// decodeForeignClaims maps an Auth.js / NextAuth.js JWT payload whose
// registered claims were already validated onto a session: sub becomes the
// user's id, picture its image, every other non-registered claim (name,
// email, custom ones) a user field of the same name; accessToken and
// refreshToken become the session's tokens. The tokens carry no creation
// time, so CreatedAt and LastActivity are the issue time.
func decodeForeignClaims[U any](plaintext []byte, iat, exp float64, jti string) (Session[U], error) {
	var zero Session[U]
	if iat < 0 || iat > maxForeignTime || exp <= 0 || exp > maxForeignTime {
		return zero, fmt.Errorf("%w: time claims out of range", ErrInvalidToken)
	}
	var claims map[string]json.RawMessage
	if err := json.Unmarshal(plaintext, &claims); err != nil {
		return zero, fmt.Errorf("%w: malformed claims", ErrInvalidToken)
	}
	s := Session[U]{
		ID:        jti,
		ExpiresAt: time.Unix(int64(exp), 0),
		CreatedAt: time.Unix(int64(iat), 0),
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
				return zero, fmt.Errorf("%w: malformed %s claim", ErrInvalidToken, k)
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
		return zero, fmt.Errorf("%w: malformed claims", ErrInvalidToken)
	}
	if err := json.Unmarshal(ub, &s.User); err != nil {
		return zero, fmt.Errorf("%w: claims do not fit the user type", ErrInvalidToken)
	}
	return s, nil
}
