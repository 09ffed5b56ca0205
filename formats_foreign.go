package authsession

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/authsession/authsession/internal/jwe"
	"github.com/authsession/authsession/internal/plainjson"
)

// This file is the claims mapping of the foreign formats (FormatAuthJS,
// FormatNextAuthV4): how a session becomes an Auth.js / NextAuth.js JWT
// payload and back. formats.go holds what is common to every format.

// createdAtClaim is the private claim in which FormatAuthJS and
// FormatNextAuthV4 tokens carry the session's creation (sign-in) time, in
// Unix seconds, so that Config.MaxLifetime counts from the sign-in on every
// instance, with the cache on or off. The Go side writes it on every token
// it issues; Auth.js and NextAuth.js keep it when they re-encode the token
// (their default jwt callback returns the token it is given). A token
// without it — one a Next.js app minted at sign-in — is taken to be created
// at its iat; a jwt callback that sets it at sign-in
// (token.authsession_created_at = Math.floor(Date.now() / 1000)) makes the
// limit absolute for those too.
const createdAtClaim = "authsession_created_at"

// Claims of the foreign formats that map onto session fields rather than
// onto the user object.
const (
	claimSub          = "sub"
	claimPicture      = "picture"
	claimAccessToken  = "accessToken"
	claimRefreshToken = "refreshToken"
)

// isReservedClaim reports whether k is a claim the codec writes itself or
// maps onto a session field: a user field of that name is not written,
// since it would be read back as something else.
func isReservedClaim(k string) bool {
	switch k {
	case "iat", "exp", "nbf", "jti", createdAtClaim,
		claimSub, claimPicture, claimAccessToken, claimRefreshToken:
		return true
	}
	return false
}

// foreignIssuedAt is the iat a foreign token for s carries: the session's
// last (re-)issue, so that exp - iat stays the lifetime the session was
// issued with when an update re-encodes it (these tokens have no other
// place for LastActivity), or now when s has none.
func foreignIssuedAt[U any](s *Session[U], now time.Time) int64 {
	if s.LastActivity.IsZero() {
		return now.Unix()
	}
	return s.LastActivity.Unix()
}

// foreignCreated is the creation time a foreign token issued at iat
// carries for created: whole seconds, no later than iat (as decoding
// clamps it), and iat itself when created is unset.
func foreignCreated(created time.Time, iat int64) int64 {
	if created.IsZero() || created.Unix() > iat {
		return iat
	}
	return created.Unix()
}

// encodeForeignClaims returns the Auth.js / NextAuth.js JWT payload for s:
// the user object's fields as claims with id renamed to sub and image to
// picture, the access and refresh tokens as accessToken and refreshToken,
// the creation time as createdAtClaim, and iat, exp and jti. The user id
// must be a non-empty string, returned as sub; otherwise the error wraps
// ErrNoUserID.
func encodeForeignClaims[U any](s *Session[U], iat, exp int64) (payload []byte, sub string, err error) {
	ub, err := json.Marshal(s.User)
	if err != nil {
		return nil, "", dataError("the user", err)
	}
	var user map[string]json.RawMessage
	if err := json.Unmarshal(ub, &user); err != nil {
		return nil, "", fmt.Errorf("%w: the user must encode to a JSON object: %w", ErrInvalidData, err)
	}
	if json.Unmarshal(user["id"], &sub) != nil || sub == "" {
		return nil, "", fmt.Errorf("%w: the sub claim needs a non-empty string id", ErrNoUserID)
	}
	claims := make(map[string]any, len(user)+6)
	for k, v := range user {
		switch {
		case k == "id":
			claims[claimSub] = v
		case k == "image":
			claims[claimPicture] = v
		case isReservedClaim(k):
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
	claims[createdAtClaim] = foreignCreated(s.CreatedAt, iat)
	claims["iat"] = iat
	claims["exp"] = exp
	claims["jti"] = s.ID
	payload, err = json.Marshal(claims) // map keys are sorted: deterministic
	return payload, sub, err
}

// foreignRegistered reads the registered claims of a foreign payload by
// their exact names, as jose does ("EXP" is not "exp"; encoding/json
// would match it), and the user id: sub when it is a string.
func foreignRegistered(claims map[string]json.RawMessage) (jwe.Claims, error) {
	var reg jwe.Claims
	for _, c := range [...]struct {
		name string
		dst  any
	}{{"iat", &reg.IssuedAt}, {"exp", &reg.Expiry}, {"nbf", &reg.NotBefore}, {"jti", &reg.JTI}} {
		if v, ok := claims[c.name]; ok && json.Unmarshal(v, c.dst) != nil {
			return reg, fmt.Errorf("%w: malformed %s claim", ErrInvalidToken, c.name)
		}
	}
	_ = json.Unmarshal(claims[claimSub], &reg.Subject) // absent or not a string: "" (no user id)
	return reg, nil
}

// decodeForeignClaims maps an Auth.js / NextAuth.js JWT payload onto a
// session: sub (a string; checkClaims requires it) becomes the user's id,
// picture its image, every other claim but the registered ones and
// createdAtClaim (name, email, custom ones) a user field of the same name;
// accessToken and refreshToken become the session's tokens. CreatedAt is
// createdAtClaim, no later than iat, or iat when the token has none;
// LastActivity is iat; ExpiresAt is exp. Times out of range map to the
// zero time; checkClaims refuses them. A payload nesting deeper than
// plainjson.MaxDepth is refused before encoding/json reads it.
func decodeForeignClaims[U any](plaintext []byte) (Session[U], jwe.Claims, error) {
	var zero Session[U]
	if !plainjson.WithinDepth(plaintext, plainjson.MaxDepth) {
		return zero, jwe.Claims{}, errTooDeep(ErrInvalidToken)
	}
	var claims map[string]json.RawMessage
	if json.Unmarshal(plaintext, &claims) != nil {
		return zero, jwe.Claims{}, fmt.Errorf("%w: malformed claims", ErrInvalidToken)
	}
	reg, err := foreignRegistered(claims)
	if err != nil {
		return zero, reg, err
	}
	s := Session[U]{ID: reg.JTI, ExpiresAt: foreignTime(reg.Expiry), LastActivity: foreignTime(reg.IssuedAt)}
	s.CreatedAt = s.LastActivity
	user := make(map[string]json.RawMessage, len(claims))
	for k, v := range claims {
		switch {
		case k == createdAtClaim:
			var created float64
			if json.Unmarshal(v, &created) != nil || created <= 0 || created > maxForeignTime {
				return zero, reg, fmt.Errorf("%w: malformed %s claim", ErrInvalidToken, k)
			}
			if created <= reg.IssuedAt {
				s.CreatedAt = time.Unix(int64(created), 0)
			}
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
		case isReservedClaim(k), k == "id", k == "image":
			// id and image come only from sub and picture.
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
