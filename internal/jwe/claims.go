package jwe

import (
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// This file is the registered claims of a token and golang-jwt's
// validation of them: the one check of the standard claims that every
// format's tokens pass once the format has mapped its payload.

// Claims are the registered claims of a token, as a format's mapping
// found them. JSON numbers may have fractions in the foreign formats; the
// caller truncates them once it has bounded them.
type Claims struct {
	IssuedAt  float64 `json:"iat"`
	Expiry    float64 `json:"exp"`
	NotBefore float64 `json:"nbf"`
	JTI       string  `json:"jti"`
	// Subject is the foreign formats' user id, their "sub" claim when it
	// is a string (set by their mapping); unused by the default format,
	// whose user id is in the session JSON.
	Subject string `json:"-"`

	// The times as golang-jwt reads them, filled by its getters: kept
	// here so that validating allocates no date.
	iat, exp, nbf jwt.NumericDate
}

// Validator is golang-jwt's check of the registered claims under one
// configuration. It is immutable and safe for concurrent use.
type Validator struct {
	v *jwt.Validator
}

// NewValidator returns the check of exp (required, not passed), nbf and,
// with checkIssuedAt, iat (not in the future), each with leeway, at the
// time now returns. Auth.js and NextAuth.js do not check iat (jose
// without maxTokenAge): their formats pass false.
func NewValidator(leeway time.Duration, now func() time.Time, checkIssuedAt bool) Validator {
	opts := []jwt.ParserOption{jwt.WithLeeway(leeway), jwt.WithTimeFunc(now), jwt.WithExpirationRequired()}
	if checkIssuedAt {
		opts = append(opts, jwt.WithIssuedAt())
	}
	return Validator{v: jwt.NewValidator(opts...)}
}

// Validate checks c. The caller has bounded the times. Errors wrap
// ErrTokenExpired.
func (v Validator) Validate(c *Claims) error {
	if err := v.v.Validate(c); err != nil {
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

// GetExpirationTime, GetIssuedAt, GetNotBefore, GetIssuer, GetSubject and
// GetAudience make Claims a jwt.Claims for the validator.
func (c *Claims) GetExpirationTime() (*jwt.NumericDate, error) {
	return date(&c.exp, c.Expiry), nil
}
func (c *Claims) GetIssuedAt() (*jwt.NumericDate, error) {
	return date(&c.iat, c.IssuedAt), nil
}
func (c *Claims) GetNotBefore() (*jwt.NumericDate, error) {
	return date(&c.nbf, c.NotBefore), nil
}
func (c *Claims) GetIssuer() (string, error)             { return "", nil }
func (c *Claims) GetSubject() (string, error)            { return "", nil }
func (c *Claims) GetAudience() (jwt.ClaimStrings, error) { return nil, nil }
