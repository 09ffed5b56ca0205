package oidc

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/authsession/authsession"
)

// Default values applied by [New] to zero fields of [Config] and
// [Provider].
const (
	DefaultBasePath      = "/auth"
	DefaultRefreshMargin = time.Minute
	DefaultRefreshGrace  = time.Minute
	DefaultHTTPTimeout   = 10 * time.Second

	// SignInTimeout is how long a sign-in may take, from the redirect to
	// the provider to the callback: the life of the state cookie.
	SignInTimeout = 10 * time.Minute
)

// Provider configures one OpenID provider.
type Provider struct {
	// Name names the provider in URLs (BasePath/signin/Name) and in
	// sessions: 1 to 32 characters among a-z, 0-9, "-" and "_".
	// Required, unique.
	Name string

	// Issuer is the provider's issuer URL, exactly as its discovery
	// document (Issuer/.well-known/openid-configuration) states it,
	// trailing slash included. Required; https unless the host is a
	// loopback one (localhost, 127.0.0.1, ::1). The document is fetched
	// at the first request that needs it, not by New, so an application
	// starts while its provider is down; RelyingParty.Discover fetches it
	// at once.
	Issuer string

	// ClientID and ClientSecret are the client's credentials at the
	// provider. ClientID is required; an empty ClientSecret makes a public
	// client (PKCE only).
	ClientID     string
	ClientSecret authsession.Secret

	// Scopes asked for. Default "openid", "profile", "email" and
	// "offline_access": the ID token, the user's name and picture, the
	// email address, and a refresh token. "openid" is added when missing. Without "offline_access" most providers issue no refresh
	// token, and RelyingParty.Token cannot renew an access token.
	Scopes []string

	// RedirectURL is the callback URL registered at the provider, ending
	// in BasePath/callback. Default: the request's own origin (its Host,
	// https when it came over TLS) + BasePath + "/callback". Set it when
	// the application sits behind a proxy that changes the host or the
	// scheme.
	RedirectURL string

	// PostLogoutRedirectURL, if set, is sent as post_logout_redirect_uri
	// on sign-out: where the provider sends the browser after ending its
	// session. It must be registered at the provider. Default none: the
	// provider shows its own page.
	PostLogoutRedirectURL string

	// SkipUserInfo leaves out the call to the provider's userinfo endpoint
	// at sign-in, whose claims otherwise complete the ID token's (many
	// providers put the email and the name only there).
	SkipUserInfo bool
}

// Config configures [New]. The zero value of every field selects the
// default documented on it; Providers is required.
type Config[U any] struct {
	// Providers are the OpenID providers to sign in with; at least one.
	Providers []Provider

	// BasePath is where the handler is mounted, without a trailing slash:
	// it serves BasePath/signin/{provider}, BasePath/callback,
	// BasePath/signout and, with BackChannelLogout,
	// BasePath/backchannel-logout/{provider}. Default "/auth".
	BasePath string

	// MapUser turns the provider's claims into the application's user,
	// at sign-in. It may look the user up, create them, or refuse them
	// with an error (wrap ErrAccessDenied): the visitor then gets a 403
	// and no session. Required unless U is authsession.User, whose
	// default takes the ID "provider:subject", the email, the name and
	// the picture.
	MapUser func(ctx context.Context, id Identity) (U, error)

	// RefreshMargin is how long before the access token expires
	// RelyingParty.Token refreshes it. Default one minute.
	RefreshMargin time.Duration

	// RefreshGrace is how long a refresh's result is kept for requests
	// that still carry the refresh token it replaced (sent before the
	// new cookie arrived): they get the new tokens instead of spending
	// the old refresh token again. Default one minute. It must exceed the
	// time a browser can take to receive a response.
	RefreshGrace time.Duration

	// KeepTokensInStore keeps the provider's tokens (access, refresh and
	// ID token) in Store, encrypted, instead of the session cookie, which
	// then carries only a reference to them: cookies stay small whatever
	// the size of the provider's tokens, and a refresh never rewrites the
	// cookie. With several instances, Store must be shared. Default false:
	// the tokens travel in the encrypted session cookie.
	KeepTokensInStore bool

	// Store is the state shared between the instances of the application
	// (see [Store]). Default: a [MemoryStore], right for one instance
	// only: with several, use a shared one (the redisstore module's
	// OIDCStore), or concurrent requests of one session on two instances
	// may both spend its refresh token.
	Store Store

	// BackChannelLogout serves BasePath/backchannel-logout/{provider},
	// where the provider posts logout tokens: the sessions it names (by
	// its session id "sid", else all of the user "sub") are revoked. It
	// needs the AuthSession's Config.Store, so that the sessions can be
	// revoked, and records at each sign-in which session belongs to which
	// provider session. Default false.
	BackChannelLogout bool

	// HTTPClient makes the requests to the providers. Default: a client
	// with a DefaultHTTPTimeout timeout.
	HTTPClient *http.Client

	// Logger receives warnings (a provider unavailable, a store failure)
	// and debug-level reasons for refused callbacks. It never receives
	// tokens, codes, states or secrets. Default: the AuthSession's logger.
	Logger *slog.Logger
}
