package oidc

import (
	"context"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"strings"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/authsession/authsession"
)

// Identity is who the provider says signed in: the verified ID token's
// claims, completed by the userinfo endpoint's (unless
// Provider.SkipUserInfo). Config.MapUser turns it into the application's
// user.
type Identity struct {
	// Provider is the Provider.Name signed in with.
	Provider string
	// Issuer and Subject identify the user at the provider ("iss",
	// "sub"): together, a stable key for an account.
	Issuer  string
	Subject string

	// Email, EmailVerified, Name and Picture are the standard claims of
	// those names, when the provider sent them.
	Email         string
	EmailVerified bool
	Name          string
	Picture       string

	// SessionID is the provider's session id ("sid"), when it sent one.
	SessionID string

	claims map[string]json.RawMessage
}

// Claims decodes every claim (the ID token's, completed by the userinfo
// endpoint's) into v, a pointer to a struct or a map, as encoding/json
// does.
func (id Identity) Claims(v any) error {
	b, err := json.Marshal(id.claims)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

// verify checks the code exchange's answer and returns the identity it
// proves: an ID token that go-oidc verifies (signature under the
// provider's keys and algorithms, issuer, audience, expiry), carrying the
// sign-in's nonce, whose at_hash (when present) matches the access token;
// then the userinfo claims, whose subject must be the ID token's. Errors
// wrap ErrIDToken, or ErrProviderUnavailable when userinfo could not be
// fetched.
func (rp *RelyingParty[U]) verify(r *http.Request, p *provider, d *discovered, tok *oauth2.Token, nonce string) (Identity, error) {
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return Identity{}, fmt.Errorf("%w: the token response has no ID token", ErrIDToken)
	}
	ctx := p.ctx(r.Context())
	it, err := d.verifier.Verify(ctx, raw)
	if err != nil {
		return Identity{}, fmt.Errorf("%w: %w", ErrIDToken, err)
	}
	if subtle.ConstantTimeCompare([]byte(it.Nonce), []byte(nonce)) != 1 {
		return Identity{}, fmt.Errorf("%w: the nonce is not the sign-in's", ErrIDToken)
	}
	if it.AccessTokenHash != "" {
		if err := it.VerifyAccessToken(tok.AccessToken); err != nil {
			return Identity{}, fmt.Errorf("%w: %w", ErrIDToken, err)
		}
	}
	claims := map[string]json.RawMessage{}
	if err := it.Claims(&claims); err != nil {
		return Identity{}, fmt.Errorf("%w: %w", ErrIDToken, err)
	}
	if d.userInfo != nil {
		if err := mergeUserInfo(ctx, d, tok, it.Subject, claims); err != nil {
			return Identity{}, err
		}
	}
	return newIdentity(p.cfg.Name, it, claims), nil
}

// mergeUserInfo adds the userinfo endpoint's claims that the ID token
// lacks (the ID token's win).
func mergeUserInfo(ctx context.Context, d *discovered, tok *oauth2.Token, sub string, claims map[string]json.RawMessage) error {
	ui, err := d.userInfo(ctx, tok)
	if err != nil {
		return fmt.Errorf("%w: userinfo: %w", ErrProviderUnavailable, err)
	}
	if ui.Subject != sub {
		return fmt.Errorf("%w: the userinfo subject is not the ID token's", ErrIDToken)
	}
	extra := map[string]json.RawMessage{}
	if err := ui.Claims(&extra); err != nil {
		return fmt.Errorf("%w: userinfo: %w", ErrIDToken, err)
	}
	for k, v := range extra {
		if _, ok := claims[k]; !ok {
			claims[k] = v
		}
	}
	return nil
}

func newIdentity(provider string, it *gooidc.IDToken, claims map[string]json.RawMessage) Identity {
	id := Identity{Provider: provider, Issuer: it.Issuer, Subject: it.Subject, claims: maps.Clone(claims)}
	str := func(k string) string {
		var s string
		json.Unmarshal(claims[k], &s)
		return s
	}
	id.Email, id.Name, id.Picture, id.SessionID = str("email"), str("name"), str("picture"), str("sid")
	var verified any
	json.Unmarshal(claims["email_verified"], &verified)
	id.EmailVerified = verified == true || verified == "true"
	return id
}

// userMapper returns the MapUser to use: the configured one, or for
// authsession.User the default (ID "provider:subject", email, name,
// picture). Another user type without MapUser is a configuration error.
func userMapper[U any](m func(context.Context, Identity) (U, error)) (func(context.Context, Identity) (U, error), error) {
	if m != nil {
		return m, nil
	}
	var zero U
	if _, ok := any(zero).(authsession.User); !ok {
		return nil, fmt.Errorf("%w: MapUser is required for the user type %T", ErrConfig, zero)
	}
	return func(_ context.Context, id Identity) (U, error) {
		u := authsession.User{ID: id.Provider + ":" + id.Subject, Email: id.Email, Name: id.Name, Image: id.Picture}
		return any(u).(U), nil
	}, nil
}

// unverifiedSubject is the "sub" claim of a JWT whose signature was
// verified when it was stored (a session's ID token, which has since
// lived only in the encrypted cookie or the Store), or "".
func unverifiedSubject(jwt string) string {
	_, rest, _ := strings.Cut(jwt, ".")
	payload, _, _ := strings.Cut(rest, ".")
	b, err := base64.RawURLEncoding.DecodeString(payload)
	if err != nil {
		return ""
	}
	var c struct {
		Sub string `json:"sub"`
	}
	json.Unmarshal(b, &c)
	return c.Sub
}
