package jwe

import "errors"

// The token errors. The root package exports them under the same names
// (authsession.ErrInvalidToken, authsession.ErrTokenExpired), so callers
// test them with errors.Is there; every error of this package wraps one.
// Messages never contain a token or a key.
var (
	ErrInvalidToken = errors.New("authsession: invalid token")
	ErrTokenExpired = errors.New("authsession: token expired")
)
