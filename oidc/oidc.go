package oidc

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/authsession/authsession"
	"golang.org/x/sync/singleflight"
)

// RelyingParty signs users in with OpenID Connect providers into an
// [authsession.AuthSession] and keeps their provider tokens fresh. Build
// it with [New] and mount it at Config.BasePath:
//
//	mux.Handle("/auth/", rp)
//
// It is immutable and safe for concurrent use.
type RelyingParty[U any] struct {
	auth      *authsession.AuthSession[U]
	cfg       Config[U]
	providers map[string]*provider
	names     []string
	mapUser   func(context.Context, Identity) (U, error)
	seal      *sealer
	store     Store
	flight    singleflight.Group
	log       *slog.Logger
	now       func() time.Time
	csrf      *http.CrossOriginProtection
	cookie    stateCookie
	home      string
	lifetime  time.Duration // the longest a session lives: what its records in Store need
}

// New returns a RelyingParty signing users in to auth with cfg's
// providers. Every configuration mistake is reported here, wrapping
// ErrConfig and naming the field. New makes no network request.
func New[U any](auth *authsession.AuthSession[U], cfg Config[U]) (*RelyingParty[U], error) {
	if auth == nil {
		return nil, fmt.Errorf("%w: auth is nil", ErrConfig)
	}
	if err := resolve(auth, &cfg); err != nil {
		return nil, err
	}
	mapUser, err := userMapper(cfg.MapUser)
	if err != nil {
		return nil, err
	}
	ac := auth.Config
	seal, err := newSealer(ac.Secret, ac.PreviousSecrets)
	if err != nil {
		return nil, fmt.Errorf("%w: deriving the state key: %w", ErrConfig, err)
	}
	rp := &RelyingParty[U]{
		auth:      auth,
		cfg:       cfg,
		providers: map[string]*provider{},
		mapUser:   mapUser,
		seal:      seal,
		store:     cfg.Store,
		log:       cfg.Logger,
		now:       ac.Now,
		csrf:      http.NewCrossOriginProtection(),
		cookie:    newStateCookie(ac.Cookie.Insecure),
		home:      ac.HomePath,
		lifetime:  ac.MaxLifetime + ac.Leeway,
	}
	for _, p := range cfg.Providers {
		rp.providers[p.Name] = newProvider(p, cfg.HTTPClient, ac.Now)
		rp.names = append(rp.names, p.Name)
	}
	return rp, nil
}

// resolve applies cfg's defaults and checks every field.
func resolve[U any](auth *authsession.AuthSession[U], cfg *Config[U]) error {
	ac := auth.Config
	switch {
	case ac.Format != authsession.FormatDefault:
		return fmt.Errorf("%w: the AuthSession's Format is %v: OpenID Connect sessions need the default format, whose sessions carry data", ErrConfig, ac.Format)
	case ac.ExposeData && !cfg.KeepTokensInStore:
		return fmt.Errorf("%w: the AuthSession's ExposeData would send the ID token to browser JavaScript: set KeepTokensInStore", ErrConfig)
	case cfg.BackChannelLogout && ac.Store == nil:
		return fmt.Errorf("%w: BackChannelLogout needs the AuthSession's Config.Store to revoke sessions", ErrConfig)
	case len(cfg.Providers) == 0:
		return fmt.Errorf("%w: Providers is empty", ErrConfig)
	case cfg.RefreshMargin < 0 || cfg.RefreshGrace < 0:
		return fmt.Errorf("%w: RefreshMargin and RefreshGrace must not be negative", ErrConfig)
	}
	if cfg.BasePath == "" {
		cfg.BasePath = DefaultBasePath
	}
	if cfg.BasePath == "/" || strings.HasSuffix(cfg.BasePath, "/") || !authsession.IsLocalPath(cfg.BasePath) || strings.ContainsAny(cfg.BasePath, "?#%") {
		return fmt.Errorf("%w: BasePath %q must be a plain local path without a trailing slash, such as %q", ErrConfig, cfg.BasePath, DefaultBasePath)
	}
	cfg.RefreshMargin = cmp.Or(cfg.RefreshMargin, DefaultRefreshMargin)
	cfg.RefreshGrace = cmp.Or(cfg.RefreshGrace, DefaultRefreshGrace)
	if cfg.Store == nil {
		cfg.Store = NewMemoryStore(MemoryStoreOptions{Now: ac.Now})
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: DefaultHTTPTimeout}
	}
	if cfg.Logger == nil {
		cfg.Logger = ac.Logger
	}
	seen := map[string]bool{}
	cfg.Providers = slices.Clone(cfg.Providers)
	for i := range cfg.Providers {
		p := &cfg.Providers[i]
		if err := resolveProvider(p, cfg.BasePath); err != nil {
			return fmt.Errorf("%w: Providers[%d] (%q): %w", ErrConfig, i, p.Name, err)
		}
		if seen[p.Name] {
			return fmt.Errorf("%w: Providers[%d]: the name %q is used twice", ErrConfig, i, p.Name)
		}
		seen[p.Name] = true
	}
	return nil
}

// resolveProvider applies p's defaults and checks it.
func resolveProvider(p *Provider, base string) error {
	if !validName(p.Name) {
		return errors.New("the Name must be 1 to 32 characters among a-z, 0-9, \"-\" and \"_\"")
	}
	if err := checkURL(p.Issuer, false); err != nil {
		return fmt.Errorf("the Issuer %q: %w", p.Issuer, err)
	}
	if p.ClientID == "" {
		return errors.New("the ClientID is empty")
	}
	if p.RedirectURL != "" {
		if err := checkURL(p.RedirectURL, false); err != nil {
			return fmt.Errorf("RedirectURL: %w", err)
		}
		if u, _ := url.Parse(p.RedirectURL); u.Path != base+"/callback" {
			return fmt.Errorf("RedirectURL's path is %q: it must be BasePath + \"/callback\" (%q), which the handler serves", u.Path, base+"/callback")
		}
	}
	if p.PostLogoutRedirectURL != "" {
		if err := checkURL(p.PostLogoutRedirectURL, true); err != nil {
			return fmt.Errorf("PostLogoutRedirectURL: %w", err)
		}
	}
	if len(p.Scopes) == 0 {
		p.Scopes = []string{"openid", "profile", "email", "offline_access"}
	}
	if !slices.Contains(p.Scopes, "openid") {
		p.Scopes = append([]string{"openid"}, p.Scopes...)
	}
	p.Scopes = slices.Clone(p.Scopes)
	return nil
}

func validName(s string) bool {
	if len(s) == 0 || len(s) > 32 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// checkURL checks an absolute URL of a provider or of this application:
// https, or http to a loopback host (development); with anyHTTP, http to
// any host.
func checkURL(s string, anyHTTP bool) error {
	u, err := url.Parse(s)
	switch {
	case s == "":
		return errors.New("empty")
	case err != nil:
		return errors.New("not a URL")
	case u.Host == "" || u.User != nil || u.Fragment != "":
		return errors.New("must be an absolute URL with a host, no user info and no fragment")
	case u.Scheme == "https":
		return nil
	case u.Scheme == "http" && (anyHTTP || isLoopback(u.Hostname())):
		return nil
	}
	return errors.New("must use https (http only for localhost)")
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Discover fetches every provider's discovery document and keys now
// (New fetches none), for an application that wants to fail at start-up
// rather than at the first sign-in. Errors wrap ErrProviderUnavailable.
func (rp *RelyingParty[U]) Discover(ctx context.Context) error {
	var errs []error
	for _, name := range rp.names {
		if _, err := rp.providers[name].discover(ctx); err != nil {
			errs = append(errs, fmt.Errorf("provider %q: %w", name, err))
		}
	}
	return errors.Join(errs...)
}

// SignInPath returns the path that starts a sign-in with the named
// provider, returning to callbackURL (a local path; others are replaced
// by the home path) afterwards: the href of a "Sign in with …" link.
func (rp *RelyingParty[U]) SignInPath(provider, callbackURL string) string {
	p := rp.cfg.BasePath + "/signin/" + url.PathEscape(provider)
	if callbackURL != "" {
		p += "?callbackUrl=" + url.QueryEscape(callbackURL)
	}
	return p
}

// SignOutPath is the path a sign-out form posts to.
func (rp *RelyingParty[U]) SignOutPath() string { return rp.cfg.BasePath + "/signout" }

// Providers returns the names of the configured providers, in
// configuration order.
func (rp *RelyingParty[U]) Providers() []string { return slices.Clone(rp.names) }

// ServeHTTP serves the sign-in, callback, sign-out and back-channel
// logout endpoints under Config.BasePath, and a 404 for every other path.
// Mount it on the full path, without stripping the prefix:
// mux.Handle("/auth/", rp). Routes under BasePath must be reachable
// without a session: give the guard an authsession.Hybrid("/auth/*")
// rule.
func (rp *RelyingParty[U]) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rest, ok := strings.CutPrefix(r.URL.Path, rp.cfg.BasePath+"/")
	if !ok {
		rp.fail(w, r, codeNotFound, nil)
		return
	}
	action, name, _ := strings.Cut(rest, "/")
	switch {
	case action == "signin" && name != "":
		rp.allow(w, r, rp.signIn, name, http.MethodGet, http.MethodHead)
	case action == "callback" && name == "" && !strings.Contains(rest, "/"):
		rp.allow(w, r, func(w http.ResponseWriter, r *http.Request, _ string) { rp.callback(w, r) }, "", http.MethodGet)
	case action == "signout" && !strings.Contains(rest, "/"):
		rp.allow(w, r, func(w http.ResponseWriter, r *http.Request, _ string) { rp.signOut(w, r) }, "", http.MethodPost)
	case action == "backchannel-logout" && name != "" && rp.cfg.BackChannelLogout:
		rp.allow(w, r, rp.backChannelLogout, name, http.MethodPost)
	default:
		rp.fail(w, r, codeNotFound, nil)
	}
}

// allow calls h(w, r, name) for a request of one of methods, and answers
// 405 otherwise.
func (rp *RelyingParty[U]) allow(w http.ResponseWriter, r *http.Request, h func(http.ResponseWriter, *http.Request, string), name string, methods ...string) {
	if !slices.Contains(methods, r.Method) {
		w.Header().Set("Allow", strings.Join(methods, ", "))
		rp.fail(w, r, codeMethod, nil)
		return
	}
	h(w, r, name)
}
