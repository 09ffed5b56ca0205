package oidc

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync/atomic"
	"time"

	"golang.org/x/oauth2"

	"github.com/authsession/authsession"
)

// How a refresh is coordinated (see Token).
const (
	// refreshTimeout bounds one refresh: the wait for another instance's
	// refresh, then the grant.
	refreshTimeout = 20 * time.Second
	// lockTTL is how long the refresh lock outlives a holder that
	// vanished (a crashed instance) before another may take it.
	lockTTL = refreshTimeout + 10*time.Second
	// pollMin and pollMax bound the pause between two looks at the Store
	// while another instance refreshes.
	pollMin = 10 * time.Millisecond
	pollMax = 200 * time.Millisecond
)

// refreshed is a refresh's outcome as the requests waiting for it see it.
type refreshed struct {
	tokens tokenSet
	ended  bool         // the provider refused the refresh token
	mine   *atomic.Bool // this instance made the grant; the first to swap it in leads
}

// lead reports whether the caller is the one request of this instance
// that writes the new tokens into its cookie: the first to ask, in the
// instance that made the grant.
func (o *refreshed) lead() bool { return o.mine != nil && o.mine.CompareAndSwap(false, true) }

// Token returns a valid access token for the request's session (signed
// in with a provider of this RelyingParty), refreshing it with the refresh
// token when it expires within Config.RefreshMargin, and writing the
// rotated tokens into the session (through w, unless KeepTokensInStore
// keeps them in the Store). Call it before the response's header is
// written.
//
// Concurrent requests of one session cause one refresh grant at the
// provider, whichever instance sharing Config.Store serves them: within
// an instance they share one call; across instances the first takes a
// lock in the Store, and the others wait for its result, which the Store
// keeps for Config.RefreshGrace for requests still carrying the old
// refresh token. Only the request that made the grant rewrites its
// cookie.
//
// Errors: ErrNoSession without an OpenID Connect session; ErrSessionEnded
// when the provider refused the refresh token (revoked, expired) or a
// back-channel logout ended the session — the session is then deleted,
// once; ErrNoRefreshToken when the token expires and there is no refresh
// token; ErrProviderUnavailable or ErrStore when the refresh could not be
// made, unless the current access token is still valid, which is then
// returned (the refresh is tried again on the next call).
func (rp *RelyingParty[U]) Token(w http.ResponseWriter, r *http.Request) (*oauth2.Token, error) {
	s, info, p, ok := rp.current(r)
	if !ok {
		return nil, ErrNoSession
	}
	ctx := r.Context()
	cur, found, err := rp.sessionTokens(ctx, &s, &info)
	if err != nil {
		return nil, err
	}
	if !found {
		rp.endSession(w, r, info.Ref)
		return nil, fmt.Errorf("%w: its tokens are gone from the store", ErrSessionEnded)
	}
	now := rp.now()
	if cur.Expiry == 0 || now.Add(rp.cfg.RefreshMargin).UnixMilli() < cur.Expiry {
		return cur.oauth2(), nil
	}
	valid := now.UnixMilli() < cur.Expiry
	if cur.RefreshToken == "" {
		if valid {
			return cur.oauth2(), nil
		}
		return nil, ErrNoRefreshToken
	}
	out, err := rp.refresh(ctx, p, info.Ref, cur)
	switch {
	case err == nil && out.ended:
		rp.endSession(w, r, info.Ref)
		return nil, ErrSessionEnded
	case err != nil && valid:
		rp.log.LogAttrs(ctx, slog.LevelWarn, "oidc: token refresh failed; the current access token is still valid", slog.String("error", err.Error()))
		return cur.oauth2(), nil
	case err != nil:
		return nil, err
	}
	if out.lead() && !info.Stored {
		rp.persist(w, r, info.Ref, &out.tokens)
	}
	return out.tokens.oauth2(), nil
}

// endSession deletes the request's session, which ended at the provider,
// once across the instances: the first request to claim the end of the
// session ref deletes it (one revocation in the AuthSession's store, one
// SignOut event); the others' cookies are dead with it. Without an
// AuthSession store nothing can revoke the session, and each request
// clears its own cookie.
func (rp *RelyingParty[U]) endSession(w http.ResponseWriter, r *http.Request, ref string) {
	if rp.auth.Config.Store != nil {
		first, err := rp.store.SetNew(r.Context(), goneKey(ref), []byte{1}, rp.lifetime)
		if err == nil && !first {
			return
		}
	}
	if err := rp.auth.DeleteSession(w, r); err != nil {
		rp.log.LogAttrs(r.Context(), slog.LevelWarn, "oidc: revoking an ended session failed", slog.String("error", err.Error()))
	}
}

// refresh returns the outcome of refreshing cur, the tokens of the
// session ref: one call per refresh token in this instance (single
// flight), which each caller waits for under its own context.
func (rp *RelyingParty[U]) refresh(ctx context.Context, p *provider, ref string, cur tokenSet) (*refreshed, error) {
	key := ref + " " + digest("rt", cur.RefreshToken)
	ch := rp.flight.DoChan(key, func() (any, error) {
		// Shared by every waiter: not cancelled with the first one.
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), refreshTimeout)
		defer cancel()
		return rp.coordinate(fctx, p, ref, cur)
	})
	select {
	case res := <-ch:
		if res.Err != nil {
			return nil, res.Err
		}
		return res.Val.(*refreshed), nil
	case <-ctx.Done():
		return nil, fmt.Errorf("%w: %w", ErrProviderUnavailable, ctx.Err())
	}
}

// coordinate makes sure one instance refreshes cur: it returns the
// result another instance published for cur's refresh token, else takes
// the session's lock in the Store and makes the grant, else waits for the
// lock's holder to publish, looking again with a growing pause.
func (rp *RelyingParty[U]) coordinate(ctx context.Context, p *provider, ref string, cur tokenSet) (*refreshed, error) {
	rk := resultKey(ref, digest("rt", cur.RefreshToken))
	lk, owner := lockKey(ref), []byte(randomString(16))
	pause := pollMin
	for {
		if out, ok, err := rp.result(ctx, rk); err != nil || ok {
			return out, err
		}
		locked, err := rp.store.SetNew(ctx, lk, owner, lockTTL)
		if err != nil {
			return nil, fmt.Errorf("%w: taking the refresh lock: %w", ErrStore, err)
		}
		if locked {
			defer rp.store.Delete(context.WithoutCancel(ctx), lk, owner)
			// A result published between the first look and the lock.
			if out, ok, err := rp.result(ctx, rk); err != nil || ok {
				return out, err
			}
			return rp.grant(ctx, p, ref, cur, rk)
		}
		t := time.NewTimer(pause)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("%w: waiting for another instance's refresh: %w", ErrProviderUnavailable, ctx.Err())
		}
		pause = min(2*pause, pollMax)
	}
}

// grant refreshes cur at the provider, under the lock, unless the session
// was ended meanwhile (a back-channel logout) or, with the tokens in the
// Store, another refresh already replaced them. It publishes the outcome
// under rk for RefreshGrace: the new tokens (written to the Store first
// when they are kept there), or the end of the session when the provider
// refused the refresh token.
func (rp *RelyingParty[U]) grant(ctx context.Context, p *provider, ref string, cur tokenSet, rk string) (*refreshed, error) {
	if _, ended, err := rp.store.Get(ctx, endedKey(ref)); err != nil || ended {
		if err != nil {
			return nil, fmt.Errorf("%w: reading the session's end: %w", ErrStore, err)
		}
		return rp.end(ctx, ref, rk), nil
	}
	stored := rp.cfg.KeepTokensInStore
	if stored {
		now, found, err := rp.getTokens(ctx, ref)
		switch {
		case err != nil:
			return nil, err
		case !found:
			return rp.end(ctx, ref, rk), nil
		case now.RefreshToken != cur.RefreshToken:
			return &refreshed{tokens: now}, nil
		}
	}
	d, err := p.discover(ctx)
	if err != nil {
		return nil, err
	}
	tok, err := d.oauth.TokenSource(p.ctx(ctx), &oauth2.Token{RefreshToken: cur.RefreshToken}).Token()
	if err != nil {
		if grantCode(err) != codeProviderError {
			return nil, grantError(err)
		}
		rp.log.LogAttrs(ctx, slog.LevelInfo, "oidc: the provider refused the refresh token; ending the session", slog.String("error", grantError(err).Error()))
		return rp.end(ctx, ref, rk), nil
	}
	ts := newTokenSet(tok, rp.refreshedIDToken(ctx, d, cur.IDToken, tok), rp.now())
	out := &refreshed{tokens: ts, mine: new(atomic.Bool)}
	if stored {
		if err := rp.putTokens(ctx, ref, &ts); err != nil {
			rp.log.LogAttrs(ctx, slog.LevelWarn, "oidc: storing refreshed tokens failed", slog.String("error", err.Error()))
		}
	}
	rp.publish(ctx, rk, out)
	return out, nil
}

// end is the outcome of a refresh that ends the session ref: its tokens
// leave the Store, and the end is published under rk for the requests
// waiting for it.
func (rp *RelyingParty[U]) end(ctx context.Context, ref, rk string) *refreshed {
	if rp.cfg.KeepTokensInStore {
		if err := rp.store.Delete(ctx, tokensKey(ref), nil); err != nil {
			rp.log.LogAttrs(ctx, slog.LevelWarn, "oidc: deleting an ended session's tokens failed", slog.String("error", err.Error()))
		}
	}
	out := &refreshed{ended: true, mine: new(atomic.Bool)}
	rp.publish(ctx, rk, out)
	return out
}

// refreshedIDToken is the ID token to keep after a refresh: the new one
// when the provider sent one that verifies and names the same user as
// the old one (OpenID Connect Core 12.2), else the old one.
func (rp *RelyingParty[U]) refreshedIDToken(ctx context.Context, d *discovered, old string, tok *oauth2.Token) string {
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return old
	}
	it, err := d.verifier.Verify(ctx, raw)
	if err != nil || old != "" && it.Subject != unverifiedSubject(old) {
		rp.log.LogAttrs(ctx, slog.LevelWarn, "oidc: the refreshed ID token was not accepted; keeping the previous one")
		return old
	}
	return raw
}

// storedResult is a published refresh outcome.
type storedResult struct {
	Tokens tokenSet `json:"t"`
	Ended  bool     `json:"e,omitempty"`
}

// publish seals out under rk for RefreshGrace. A failure is logged: the
// requests waiting for it then time out, and later ones with the old
// refresh token end the session.
func (rp *RelyingParty[U]) publish(ctx context.Context, rk string, out *refreshed) {
	b, _ := json.Marshal(storedResult{Tokens: out.tokens, Ended: out.ended})
	if err := rp.store.Set(ctx, rk, rp.seal.seal(b, rk), rp.cfg.RefreshGrace); err != nil {
		rp.log.LogAttrs(ctx, slog.LevelWarn, "oidc: publishing a refresh result failed", slog.String("error", err.Error()))
	}
}

// result returns the outcome published under rk, if any.
func (rp *RelyingParty[U]) result(ctx context.Context, rk string) (*refreshed, bool, error) {
	b, ok, err := rp.store.Get(ctx, rk)
	if err != nil {
		return nil, false, fmt.Errorf("%w: reading a refresh result: %w", ErrStore, err)
	}
	if !ok {
		return nil, false, nil
	}
	var sr storedResult
	p, err := rp.seal.open(b, rk)
	if err != nil || json.Unmarshal(p, &sr) != nil {
		return nil, false, nil
	}
	return &refreshed{tokens: sr.Tokens, ended: sr.Ended}, true, nil
}

// persist writes refreshed tokens into the request's session cookie,
// provided it is still the session ref. A failure is logged: the request
// is still served with the new tokens, and the next requests get them
// from the published result while it lasts.
func (rp *RelyingParty[U]) persist(w http.ResponseWriter, r *http.Request, ref string, ts *tokenSet) {
	_, err := rp.auth.UpdateSession(w, r, func(s *authsession.Session[U]) error {
		info, ok := authsession.Get[sessionInfo](s.Data, dataKey)
		if !ok || info.Ref != ref {
			return errors.New("the session changed")
		}
		s.AccessToken, s.RefreshToken = ts.AccessToken, ts.RefreshToken
		info.Expiry, info.IDToken = ts.Expiry, ts.IDToken
		return s.Data.Set(dataKey, info)
	})
	if err != nil {
		rp.log.LogAttrs(r.Context(), slog.LevelWarn, "oidc: writing refreshed tokens into the session failed", slog.String("error", err.Error()))
	}
}
