package oidc

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"golang.org/x/oauth2"

	"github.com/authsession/authsession"
)

// dataKey is the session Data key under which an OpenID Connect session
// keeps its sessionInfo.
const dataKey = "oidc"

// sessionInfo is what a session signed in here carries in its Data: the
// provider, a random reference naming the session's entries in the Store
// (stable for the session's life, whatever its id), and — unless the
// tokens are kept in the Store — the access token's expiry and the ID
// token (the id_token_hint of the sign-out). The access and refresh tokens
// travel in the session's AccessToken and RefreshToken.
type sessionInfo struct {
	Provider string `json:"p"`
	Ref      string `json:"r"`
	Stored   bool   `json:"s,omitempty"`
	Expiry   int64  `json:"x,omitempty"` // Unix milliseconds; 0: unknown
	IDToken  string `json:"i,omitempty"`
}

// tokenSet is a session's provider tokens, as the Store keeps them
// (sealed) and as a refresh hands them to the requests waiting for it.
type tokenSet struct {
	AccessToken  string `json:"a"`
	TokenType    string `json:"t,omitempty"`
	RefreshToken string `json:"f,omitempty"`
	IDToken      string `json:"i,omitempty"`
	Expiry       int64  `json:"x,omitempty"` // Unix milliseconds; 0: unknown
}

// newTokenSet is tok's tokens and idToken, with the access token's
// expiry counted on the RelyingParty's clock from expires_in (x/oauth2
// counts on the system clock), or taken from tok.Expiry without one.
func newTokenSet(tok *oauth2.Token, idToken string, now time.Time) tokenSet {
	ts := tokenSet{AccessToken: tok.AccessToken, TokenType: tok.TokenType, RefreshToken: tok.RefreshToken, IDToken: idToken}
	switch {
	case tok.ExpiresIn > 0:
		ts.Expiry = now.Add(time.Duration(tok.ExpiresIn) * time.Second).UnixMilli()
	case !tok.Expiry.IsZero():
		ts.Expiry = tok.Expiry.UnixMilli()
	}
	return ts
}

// oauth2 returns the tokens as an *oauth2.Token.
func (ts *tokenSet) oauth2() *oauth2.Token {
	t := &oauth2.Token{AccessToken: ts.AccessToken, TokenType: ts.TokenType, RefreshToken: ts.RefreshToken}
	if ts.Expiry != 0 {
		t.Expiry = time.UnixMilli(ts.Expiry)
	}
	return t
}

// startSession maps id to the application's user and creates the
// session with tok: in the cookie, or in the Store behind a reference
// (KeepTokensInStore); with BackChannelLogout it then records which
// session the provider's sid and sub name. It returns the code to answer
// with when it fails.
func (rp *RelyingParty[U]) startSession(w http.ResponseWriter, r *http.Request, id Identity, tok *oauth2.Token) (code, error) {
	user, err := rp.mapUser(r.Context(), id)
	if err != nil {
		return codeAccessDenied, fmt.Errorf("%w: MapUser: %w", ErrAccessDenied, err)
	}
	idToken, _ := tok.Extra("id_token").(string)
	ts := newTokenSet(tok, idToken, rp.now())
	info := sessionInfo{Provider: id.Provider, Ref: randomString(16)}
	var opts []authsession.SessionOption
	if rp.cfg.KeepTokensInStore {
		info.Stored = true
		if err := rp.putTokens(r.Context(), info.Ref, &ts); err != nil {
			return codeStoreFailed, err
		}
	} else {
		info.Expiry, info.IDToken = ts.Expiry, ts.IDToken
		opts = append(opts, authsession.WithTokens(ts.AccessToken, ts.RefreshToken))
	}
	s, err := rp.auth.CreateSession(w, r, user, append(opts, authsession.WithData(dataKey, info))...)
	if err != nil {
		if info.Stored {
			rp.store.Delete(context.WithoutCancel(r.Context()), tokensKey(info.Ref), nil)
		}
		if errors.Is(err, authsession.ErrStore) {
			return codeStoreFailed, err
		}
		return codeSessionFailed, err
	}
	if rp.cfg.BackChannelLogout {
		if err := rp.link(r.Context(), id, info.Ref, s.User, s.ID); err != nil {
			// The session stands; only a back-channel logout would miss it.
			rp.log.LogAttrs(r.Context(), slog.LevelWarn, "oidc: recording the session for back-channel logout failed", slog.String("error", err.Error()))
		}
	}
	return "", nil
}

// putTokens seals ts into the Store under the session reference ref.
func (rp *RelyingParty[U]) putTokens(ctx context.Context, ref string, ts *tokenSet) error {
	b, _ := json.Marshal(ts)
	key := tokensKey(ref)
	if err := rp.store.Set(ctx, key, rp.seal.seal(b, key), rp.lifetime); err != nil {
		return fmt.Errorf("%w: storing the tokens: %w", ErrStore, err)
	}
	return nil
}

// getTokens returns the tokens sealed under ref; found is false when
// there are none (signed out, ended by a back-channel logout, expired) or
// they do not open.
func (rp *RelyingParty[U]) getTokens(ctx context.Context, ref string) (ts tokenSet, found bool, err error) {
	key := tokensKey(ref)
	b, ok, err := rp.store.Get(ctx, key)
	if err != nil {
		return ts, false, fmt.Errorf("%w: reading the tokens: %w", ErrStore, err)
	}
	if !ok {
		return ts, false, nil
	}
	p, err := rp.seal.open(b, key)
	if err != nil || json.Unmarshal(p, &ts) != nil {
		return tokenSet{}, false, nil
	}
	return ts, true, nil
}

// current is the request's OpenID Connect session: the session, its
// sessionInfo and its provider. ok is false for a request without a
// session, or with one signed in otherwise or with a provider no longer
// configured.
func (rp *RelyingParty[U]) current(r *http.Request) (s authsession.Session[U], info sessionInfo, p *provider, ok bool) {
	s, ok = rp.auth.GetSession(r)
	if !ok {
		return s, info, nil, false
	}
	info, ok = authsession.Get[sessionInfo](s.Data, dataKey)
	if !ok || info.Ref == "" {
		return s, info, nil, false
	}
	p, ok = rp.providers[info.Provider]
	return s, info, p, ok
}

// sessionTokens returns the tokens of the request's session: from the
// cookie, or from the Store. found is false when the Store holds none.
func (rp *RelyingParty[U]) sessionTokens(ctx context.Context, s *authsession.Session[U], info *sessionInfo) (tokenSet, bool, error) {
	if info.Stored {
		return rp.getTokens(ctx, info.Ref)
	}
	return tokenSet{AccessToken: s.AccessToken, RefreshToken: s.RefreshToken, IDToken: info.IDToken, Expiry: info.Expiry, TokenType: "Bearer"}, true, nil
}
