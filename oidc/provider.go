package oidc

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"time"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// provider is one configured provider and, once fetched, its discovery
// document: fetched at the first request that needs it, kept for the
// life of the RelyingParty. A failed fetch is retried, but at most once
// per discoveryRetry, so a provider that is down is not hammered by every
// request.
type provider struct {
	cfg    Provider
	client *http.Client
	now    func() time.Time

	mu       sync.Mutex
	disc     *discovered
	failedAt time.Time
	lastErr  error
}

// discovered is what the discovery document says, ready to use.
type discovered struct {
	oauth      oauth2.Config // without RedirectURL, which each request sets
	verifier   *gooidc.IDTokenVerifier
	userInfo   func(ctx context.Context, tok *oauth2.Token) (*gooidc.UserInfo, error)
	endSession string
	issParam   bool // authorization_response_iss_parameter_supported
}

// discoveryRetry is the shortest time between two discovery attempts.
const discoveryRetry = time.Second

// metadata is the part of the discovery document go-oidc does not expose.
type metadata struct {
	EndSession  string   `json:"end_session_endpoint"`
	IssParam    bool     `json:"authorization_response_iss_parameter_supported"`
	AuthMethods []string `json:"token_endpoint_auth_methods_supported"`
	Challenges  []string `json:"code_challenge_methods_supported"`
}

func newProvider(cfg Provider, client *http.Client, now func() time.Time) *provider {
	return &provider{cfg: cfg, client: client, now: now}
}

// ctx returns ctx carrying the provider's HTTP client, for go-oidc and
// x/oauth2.
func (p *provider) ctx(ctx context.Context) context.Context {
	return gooidc.ClientContext(ctx, p.client)
}

// discover returns the discovery document, fetching it when it is not
// yet known. Errors wrap ErrProviderUnavailable.
func (p *provider) discover(ctx context.Context) (*discovered, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.disc != nil {
		return p.disc, nil
	}
	if !p.failedAt.IsZero() && p.now().Sub(p.failedAt) < discoveryRetry {
		return nil, p.lastErr
	}
	// Not cancelled with the request that happened to come first: the
	// document serves every request.
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), DefaultHTTPTimeout)
	defer cancel()
	d, err := p.fetch(fctx)
	if err != nil {
		p.failedAt, p.lastErr = p.now(), fmt.Errorf("%w: discovery: %w", ErrProviderUnavailable, err)
		return nil, p.lastErr
	}
	p.disc = d
	return d, nil
}

func (p *provider) fetch(ctx context.Context) (*discovered, error) {
	// go-oidc keeps the client of this context (not its deadline or
	// cancellation) for fetching the keys later.
	gp, err := gooidc.NewProvider(p.ctx(ctx), p.cfg.Issuer)
	if err != nil {
		return nil, err
	}
	var md metadata
	if err := gp.Claims(&md); err != nil {
		return nil, err
	}
	if len(md.Challenges) > 0 && !slices.Contains(md.Challenges, "S256") {
		return nil, errors.New("the provider does not support PKCE with S256")
	}
	ep := gp.Endpoint()
	if ep.AuthURL == "" || ep.TokenURL == "" {
		return nil, errors.New("the discovery document has no authorization or token endpoint")
	}
	ep.AuthStyle = oauth2.AuthStyleInHeader
	if len(md.AuthMethods) > 0 && !slices.Contains(md.AuthMethods, "client_secret_basic") && slices.Contains(md.AuthMethods, "client_secret_post") {
		ep.AuthStyle = oauth2.AuthStyleInParams
	}
	d := &discovered{
		oauth: oauth2.Config{
			ClientID:     p.cfg.ClientID,
			ClientSecret: string(p.cfg.ClientSecret),
			Endpoint:     ep,
			Scopes:       p.cfg.Scopes,
		},
		verifier:   gp.Verifier(&gooidc.Config{ClientID: p.cfg.ClientID, Now: p.now}),
		endSession: md.EndSession,
		issParam:   md.IssParam,
	}
	if gp.UserInfoEndpoint() != "" && !p.cfg.SkipUserInfo {
		d.userInfo = func(ctx context.Context, tok *oauth2.Token) (*gooidc.UserInfo, error) {
			return gp.UserInfo(p.ctx(ctx), oauth2.StaticTokenSource(tok))
		}
	}
	return d, nil
}
