package main

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"time"

	"github.com/authsession/authsession"
	"github.com/authsession/authsession/oidc"
)

// Sign in with OpenID Connect: with OIDC_ISSUER, OIDC_CLIENT_ID and
// OIDC_CLIENT_SECRET set, the login page shows a "Sign in with OpenID
// Connect" button (the oidc module, mounted at /auth/: the callback is
// /auth/callback), and the dashboard shows the name and email the
// provider gave for the user and the access token's remaining lifetime,
// refreshed a minute before it ends.

// oidcProvider is the provider's name in the demo's URLs
// (/auth/signin/oidc) and sessions.
const oidcProvider = "oidc"

// oidcOptions is the provider the environment names; no Issuer: none.
type oidcOptions struct {
	Issuer, ClientID, ClientSecret, RedirectURL string
}

// loadOIDC reads OIDC_ISSUER, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET and
// OIDC_REDIRECT_URL (default: the request's origin + /auth/callback).
func loadOIDC(getenv func(string) string) (oidcOptions, error) {
	o := oidcOptions{Issuer: getenv("OIDC_ISSUER"), ClientID: getenv("OIDC_CLIENT_ID"),
		ClientSecret: getenv("OIDC_CLIENT_SECRET"), RedirectURL: getenv("OIDC_REDIRECT_URL")}
	if o.Issuer == "" && (o.ClientID != "" || o.ClientSecret != "" || o.RedirectURL != "") {
		return o, errors.New("demo: OIDC_CLIENT_ID, OIDC_CLIENT_SECRET or OIDC_REDIRECT_URL is set without OIDC_ISSUER")
	}
	return o, nil
}

// startOIDC sets up the relying party when o names a provider.
func (a *app) startOIDC(o oidcOptions) error {
	if o.Issuer == "" {
		return nil
	}
	rp, err := oidc.New(a.auth, oidc.Config[user]{
		Providers: []oidc.Provider{{
			Name: oidcProvider, Issuer: o.Issuer, ClientID: o.ClientID,
			ClientSecret: authsession.Secret(o.ClientSecret), RedirectURL: o.RedirectURL,
		}},
		MapUser: oidcUser,
		Logger:  a.log,
	})
	if err != nil {
		return err
	}
	a.oidc = rp
	return nil
}

// oidcUser is the demo's user for a provider's identity: an ordinary user
// (never an admin: the provider does not say who administers the demo),
// named as the provider names them.
func oidcUser(_ context.Context, id oidc.Identity) (user, error) {
	name := id.Name
	if name == "" {
		name = id.Email
	}
	if !validName(name) {
		name = "OpenID Connect user"
	}
	return user{ID: "oidc:" + id.Subject, Name: name, Email: id.Email, Extra: map[string]any{
		"role": "user", "provider": providerHost(id.Issuer), "provider_name": id.Name,
	}}, nil
}

// providerHost is the host of the provider's issuer, for display.
func providerHost(issuer string) string {
	if u, err := url.Parse(issuer); err == nil && u.Host != "" {
		return u.Host
	}
	return issuer
}

// oidcSignIn is the login page's "Sign in with OpenID Connect" link, back
// to callback (or the dashboard); "" without a provider.
func (a *app) oidcSignIn(l locale, callback string) string {
	if a.oidc == nil {
		return ""
	}
	if callback == "" {
		callback = l.Link("/dashboard")
	}
	return a.oidc.SignInPath(oidcProvider, callback)
}

// oidcView is the dashboard's OpenID Connect card.
type oidcView struct {
	Provider, Name, Email string
	TokenLeft             time.Duration // the access token's remaining lifetime
	TokenError            bool          // it could not be renewed just now
	SignOut               string        // the form that signs out at the provider too
}

// oidcDashboard returns the card for a session signed in with the
// provider (nil for others), refreshing the access token when it nears its
// end: call it before the page is written. ended is true when the provider
// refused the refresh and the session was deleted.
func (a *app) oidcDashboard(w http.ResponseWriter, r *http.Request, s authsession.Session[user]) (v *oidcView, ended bool) {
	if a.oidc == nil || s.User.ExtraString("provider") == "" {
		return nil, false
	}
	// The name as the provider gave it (the display name may have changed since).
	v = &oidcView{Provider: s.User.ExtraString("provider"), Name: s.User.ExtraString("provider_name"), Email: s.User.Email, SignOut: a.oidc.SignOutPath()}
	tok, err := a.oidc.Token(w, r)
	switch {
	case errors.Is(err, oidc.ErrSessionEnded):
		return nil, true
	case errors.Is(err, oidc.ErrNoSession):
		return nil, false
	case err != nil:
		v.TokenError = true
	case !tok.Expiry.IsZero():
		v.TokenLeft = time.Until(tok.Expiry).Round(time.Second)
	}
	return v, false
}
