package authsession

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// This file is InspectToken: a token opened for diagnosis, past the token
// layer's rules.

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
	rc, err := cfg.resolve()
	if err != nil {
		return TokenInfo{}, err
	}
	c, err := codecFor(&rc.cfg)
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
	var reg registered
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
