package oidc

import (
	"errors"
	"fmt"

	"github.com/authsession/authsession"
)

// Sentinel errors. Every error this package returns wraps one of these, so
// callers test with [errors.Is]; messages never contain a token, a secret
// or a state value.
var (
	// ErrConfig wraps every configuration error returned by [New]. It
	// wraps [authsession.ErrConfig] in turn.
	ErrConfig = fmt.Errorf("oidc: %w", authsession.ErrConfig)

	// ErrNoSession means the request has no session signed in through
	// OpenID Connect: none at all, or one signed in some other way, or one
	// of a provider no longer configured. It wraps
	// [authsession.ErrNoSession].
	ErrNoSession = fmt.Errorf("oidc: %w", authsession.ErrNoSession)

	// ErrSessionEnded means the provider refused to refresh the session's
	// tokens (the grant was revoked or expired, the user signed out at the
	// provider) or a back-channel logout ended it: the session was deleted
	// and the user must sign in again.
	ErrSessionEnded = errors.New("oidc: the session has ended at the provider")

	// ErrNoRefreshToken means the access token is about to expire and the
	// provider issued no refresh token to renew it (ask for the
	// offline_access scope). The session is kept.
	ErrNoRefreshToken = errors.New("oidc: no refresh token to renew the access token")

	// ErrProviderUnavailable means the provider could not be reached, or
	// answered with a server error or a malformed document. Nothing was
	// changed; try again later.
	ErrProviderUnavailable = errors.New("oidc: the provider is unavailable")

	// ErrState means a sign-in callback did not match a sign-in started in
	// this browser: no state cookie (expired, or another browser), another
	// state, another provider, or a state already used.
	ErrState = errors.New("oidc: the sign-in state does not match")

	// ErrProvider means the provider answered the sign-in with an error
	// (the user declined, the client is not allowed, the code was
	// refused).
	ErrProvider = errors.New("oidc: the provider refused the sign-in")

	// ErrIDToken means the provider's ID token (or its user info) failed
	// verification: signature, issuer, audience, expiry, nonce or access
	// token hash.
	ErrIDToken = errors.New("oidc: invalid ID token")

	// ErrAccessDenied means Config.MapUser refused the user. MapUser may
	// return it (wrapped) to say so; any other error from it is treated
	// the same way.
	ErrAccessDenied = errors.New("oidc: access denied")

	// ErrLogoutToken means a back-channel logout token failed
	// verification: signature, issuer, audience, expiry, events claim, a
	// nonce, or a token already used.
	ErrLogoutToken = errors.New("oidc: invalid logout token")

	// ErrStore means the [Store] failed.
	ErrStore = errors.New("oidc: store failure")
)
