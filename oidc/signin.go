package oidc

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"net/url"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/authsession/authsession"
)

// signIn starts a sign-in with the named provider: it seals a fresh
// state, nonce and PKCE verifier into the state cookie and redirects the
// browser to the provider's authorization endpoint. The callbackUrl query
// parameter, where the browser lands after the sign-in, must be a local
// path (authsession.IsLocalPath); anything else is replaced by the home
// path, so a link cannot make the sign-in end on another site.
func (rp *RelyingParty[U]) signIn(w http.ResponseWriter, r *http.Request, name string) {
	p, ok := rp.providers[name]
	if !ok {
		rp.fail(w, r, codeUnknownProvider, nil)
		return
	}
	d, err := p.discover(r.Context())
	if err != nil {
		rp.fail(w, r, codeUnavailable, err)
		return
	}
	st := signInState{
		Provider: name,
		State:    randomString(32),
		Nonce:    randomString(32),
		Verifier: oauth2.GenerateVerifier(),
		Redirect: rp.redirectURL(p, r),
		Callback: rp.localTarget(r.URL.Query().Get("callbackUrl")),
		Expires:  rp.now().Add(SignInTimeout).Unix(),
	}
	oc := d.oauth
	oc.RedirectURL = st.Redirect
	loc := oc.AuthCodeURL(st.State, gooidc.Nonce(st.Nonce), oauth2.S256ChallengeOption(st.Verifier))
	rp.cookie.set(w, rp.seal, &st)
	redirect(w, loc, http.StatusFound)
}

// redirectURL is the provider's RedirectURL, or the request's origin +
// BasePath + "/callback".
func (rp *RelyingParty[U]) redirectURL(p *provider, r *http.Request) string {
	if p.cfg.RedirectURL != "" {
		return p.cfg.RedirectURL
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return (&url.URL{Scheme: scheme, Host: r.Host, Path: rp.cfg.BasePath + "/callback"}).String()
}

// localTarget returns target, re-escaped, when it is a local path, else
// the home path.
func (rp *RelyingParty[U]) localTarget(target string) string {
	if target == "" || !authsession.IsLocalPath(target) {
		return rp.home
	}
	u, err := url.Parse(target)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" {
		return rp.home
	}
	if loc := u.String(); authsession.IsLocalPath(loc) {
		return loc
	}
	return rp.home
}

// callback completes a sign-in: it checks the answer against the state
// cookie (which it always clears), redeems the code with the PKCE
// verifier, verifies the ID token and its nonce, maps the claims to a user
// and creates the session, then redirects to the sign-in's callbackUrl.
// Whatever fails, no session is created.
func (rp *RelyingParty[U]) callback(w http.ResponseWriter, r *http.Request) {
	rp.cookie.clear(w)
	st, p, d, c, err := rp.checkCallback(r)
	if err != nil {
		rp.fail(w, r, c, err)
		return
	}
	oc := d.oauth
	oc.RedirectURL = st.Redirect
	ctx := p.ctx(r.Context())
	tok, err := oc.Exchange(ctx, r.URL.Query().Get("code"), oauth2.VerifierOption(st.Verifier))
	if err != nil {
		rp.fail(w, r, grantCode(err), fmt.Errorf("code exchange: %w", grantError(err)))
		return
	}
	id, err := rp.verify(r, p, d, tok, st.Nonce)
	if err != nil {
		c := codeInvalidIDToken
		if errors.Is(err, ErrProviderUnavailable) {
			c = codeUnavailable
		}
		rp.fail(w, r, c, err)
		return
	}
	if c, err := rp.startSession(w, r, id, tok); err != nil {
		rp.fail(w, r, c, err)
		return
	}
	redirect(w, rp.localTarget(st.Callback), http.StatusSeeOther)
}

// checkCallback checks a callback request before anything is redeemed: a
// state cookie that opens, the same state in the query (compared in
// constant time), a configured provider, a state not used before, the
// issuer the provider names in the answer (RFC 9207: a mix-up defence;
// required when its metadata says it sends one), and then the provider's
// error or a code. It returns the code to answer with when it fails.
func (rp *RelyingParty[U]) checkCallback(r *http.Request) (signInState, *provider, *discovered, code, error) {
	q := r.URL.Query()
	st, ok := rp.cookie.read(r, rp.seal, rp.now())
	if !ok {
		return st, nil, nil, codeInvalidState, fmt.Errorf("%w: no valid state cookie", ErrState)
	}
	if got := q.Get("state"); subtle.ConstantTimeCompare([]byte(got), []byte(st.State)) != 1 {
		return st, nil, nil, codeInvalidState, fmt.Errorf("%w: the state parameter differs from the cookie's", ErrState)
	}
	p, ok := rp.providers[st.Provider]
	if !ok {
		return st, nil, nil, codeInvalidState, fmt.Errorf("%w: provider %q is not configured", ErrState, st.Provider)
	}
	d, err := p.discover(r.Context())
	if err != nil {
		return st, nil, nil, codeUnavailable, err
	}
	if iss, ok := q["iss"]; ok && (len(iss) != 1 || iss[0] != p.cfg.Issuer) || !ok && d.issParam {
		return st, nil, nil, codeInvalidState, fmt.Errorf("%w: the answer's issuer is not %q's", ErrState, st.Provider)
	}
	used, err := rp.store.SetNew(r.Context(), stateKey(st.State), []byte{1}, SignInTimeout)
	if err != nil {
		return st, nil, nil, codeStoreFailed, fmt.Errorf("%w: recording the state: %w", ErrStore, err)
	}
	if !used {
		return st, nil, nil, codeInvalidState, fmt.Errorf("%w: the state was already used", ErrState)
	}
	if e := q.Get("error"); e != "" {
		return st, nil, nil, codeProviderError, fmt.Errorf("%w: %.64q", ErrProvider, e)
	}
	if q.Get("code") == "" {
		return st, nil, nil, codeInvalidCallback, fmt.Errorf("%w: no code", ErrProvider)
	}
	return st, p, d, "", nil
}

// grantCode is the response to a failed grant: the provider refused it
// (an OAuth error response), or could not be asked.
func grantCode(err error) code {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) && re.Response != nil && re.Response.StatusCode < 500 && re.ErrorCode != "" {
		return codeProviderError
	}
	return codeUnavailable
}

// grantError is err without what it may carry from the response body:
// the OAuth error code and the HTTP status, wrapping ErrProvider for a
// refusal, else ErrProviderUnavailable.
func grantError(err error) error {
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) {
		return fmt.Errorf("%w: %w", ErrProviderUnavailable, err)
	}
	status := 0
	if re.Response != nil {
		status = re.Response.StatusCode
	}
	if grantCode(err) == codeProviderError {
		return fmt.Errorf("%w: %.64q (HTTP %d)", ErrProvider, re.ErrorCode, status)
	}
	return fmt.Errorf("%w: token endpoint answered HTTP %d", ErrProviderUnavailable, status)
}
