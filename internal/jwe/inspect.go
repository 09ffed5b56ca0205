package jwe

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/authsession/authsession/internal/plainjson"
)

// This file opens a token for diagnosis, past the token layer's rules: the
// CLI's inspect command.

// Info is what Inspect found in a token.
type Info struct {
	// Header is the JWE protected header.
	Header map[string]any
	// Claims is the decrypted payload, as it was in the token.
	Claims json.RawMessage
	// KeyIndex is the secret that decrypted the token: 0 is the current
	// one, n the previous secret n.
	KeyIndex int
	// KeyID is the kid of that secret's key; "" for NextAuth.js v4's
	// scheme, whose tokens carry none.
	KeyID string
	// IssuedAt and ExpiresAt are the iat and exp claims (zero if absent or
	// out of range).
	IssuedAt, ExpiresAt time.Time
}

// maxTime bounds the iat and exp that Inspect turns into times.
const maxTime = 1 << 40

// ErrClaims means that Inspect decrypted a token whose header or claims
// it cannot show: not a JSON object, or nesting deeper than
// plainjson.MaxDepth levels.
var ErrClaims = fmt.Errorf("%w: unreadable claims", ErrInvalidToken)

// Inspect decrypts token with c and returns its header and claims WITHOUT
// validating them: expired tokens and tokens issued in the future are
// returned too. Never use it to authenticate a request. A payload that is
// not a JSON object nesting at most plainjson.MaxDepth levels is refused
// (ErrClaims). Errors wrap ErrInvalidToken and never contain the token.
func Inspect(c *Codec, token string) (Info, error) {
	plaintext, idx, err := c.Open(token)
	if err != nil {
		return Info{}, err
	}
	info := Info{Claims: plaintext, KeyIndex: idx, KeyID: c.keys[idx].ID}
	head, _, _ := strings.Cut(token, ".")
	raw, err := base64.RawURLEncoding.DecodeString(head)
	if err != nil || json.Unmarshal(raw, &info.Header) != nil {
		return Info{}, fmt.Errorf("%w: malformed header", ErrClaims)
	}
	if !plainjson.WithinDepth(plaintext, plainjson.MaxDepth) {
		return Info{}, fmt.Errorf("%w: they nest deeper than %d levels", ErrClaims, plainjson.MaxDepth)
	}
	var reg Claims
	if err := json.Unmarshal(plaintext, &reg); err != nil {
		return Info{}, fmt.Errorf("%w: not a JSON object", ErrClaims)
	}
	if reg.IssuedAt > 0 && reg.IssuedAt < maxTime {
		info.IssuedAt = time.Unix(int64(reg.IssuedAt), 0)
	}
	if reg.Expiry > 0 && reg.Expiry < maxTime {
		info.ExpiresAt = time.Unix(int64(reg.Expiry), 0)
	}
	return info, nil
}
