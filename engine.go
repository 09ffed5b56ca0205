package authsession

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/authsession/authsession/internal/cookies"
)

// This file holds the engine's session operations: reading a session from a
// request (load, the context fast path), issuing and clearing cookies, and
// the create / update / refresh / delete operations that AuthSession's
// fields, the guard, the handlers and the actions share.

func (e *engine[U]) now() time.Time { return e.cfg.Now() }

// nowMilli is the current time at the millisecond precision of the session
// JSON, so a session reads back exactly as it was written.
func (e *engine[U]) nowMilli() time.Time { return time.UnixMilli(e.cfg.Now().UnixMilli()) }

// sessionContext is context.WithValue(parent, key, &state) in a single
// allocation.
type sessionContext[U any] struct {
	context.Context
	key   *contextKey
	state requestState[U]
}

// Value returns the request state for the engine's key and for
// SessionFromContext's per-type key, and defers to the parent context for
// every other key.
func (c *sessionContext[U]) Value(key any) any {
	switch k := key.(type) {
	case *contextKey:
		if k == c.key {
			return &c.state
		}
	case typedKey[U]:
		return &c.state
	}
	return c.Context.Value(key)
}

// requestSession returns the request's session state for the guard and
// the per-handler middleware, and r carrying it; nil means no cookie (no
// session). Without a cookie it costs nothing. With one, a state already
// in the context (the guard ran first) is reused; otherwise the cookie is
// decoded, auto-refreshed (before the handler writes anything) and put in
// the context.
func (e *engine[U]) requestSession(w http.ResponseWriter, r *http.Request) (*http.Request, *requestState[U]) {
	tok, has := e.token(r)
	if !has {
		return r, nil
	}
	if st, ok := r.Context().Value(e.key).(*requestState[U]); ok {
		return r, st
	}
	s, ok := e.loadToken(r, tok)
	if ok {
		s, ok = e.autoRefresh(w, r, s)
	}
	// The context and the state are one allocation (sessionContext), the
	// request copy the other.
	ctx := &sessionContext[U]{Context: r.Context(), key: e.key, state: requestState[U]{s, ok}}
	return r.WithContext(ctx), &ctx.state
}

// signedIn reports whether st (from requestSession) holds a valid session.
func (st *requestState[U]) signedIn() bool { return st != nil && st.ok }

func (e *engine[U]) getSession(r *http.Request) (Session[U], bool) {
	if st, ok := r.Context().Value(e.key).(*requestState[U]); ok {
		return st.session, st.ok
	}
	return e.load(r)
}

func (e *engine[U]) isAuthenticated(r *http.Request) bool {
	_, ok := e.getSession(r)
	return ok
}

// token returns the request's session token, if any.
func (e *engine[U]) token(r *http.Request) (string, bool) {
	return cookies.Read(r.Header, e.cfg.Cookie.Name, e.cfg.MaxCookieBytes)
}

// load decodes the session from the request's cookie: cache or decryption,
// then the lifetime checks, the store and OnValidate.
func (e *engine[U]) load(r *http.Request) (Session[U], bool) {
	tok, ok := e.token(r)
	if !ok {
		return Session[U]{}, false
	}
	return e.loadToken(r, tok)
}

// loadToken is load for a token already read from r's cookies.
func (e *engine[U]) loadToken(r *http.Request, tok string) (Session[U], bool) {
	var zero Session[U]
	now := e.now()
	var s Session[U]
	hit := false
	if e.cache != nil {
		s, hit = e.cache.get(tok, now)
	}
	if !hit {
		var err error
		if s, _, err = e.codec.decrypt(tok); err != nil {
			e.log.LogAttrs(r.Context(), slog.LevelDebug, "authsession: rejected session cookie", slog.String("reason", err.Error()))
			return zero, false
		}
		if e.cache != nil {
			e.cache.put(tok, s, e.cacheExpiry(s))
		}
	}
	if e.isExpiredAt(s, now) {
		e.log.LogAttrs(r.Context(), slog.LevelDebug, "authsession: rejected session cookie", slog.String("reason", "session expired"))
		return zero, false
	}
	if !e.checkStore(r.Context(), &s) {
		return zero, false
	}
	if e.cfg.OnValidate != nil && !e.cfg.OnValidate(r.Context(), s) {
		e.log.LogAttrs(r.Context(), slog.LevelDebug, "authsession: rejected session cookie", slog.String("reason", "OnValidate returned false"))
		return zero, false
	}
	return s, true
}

// cacheExpiry is when a cached verdict for s must be dropped: the token's
// exp plus leeway, or the end of its maximum lifetime, whichever is first.
func (e *engine[U]) cacheExpiry(s Session[U]) time.Time {
	exp := time.Unix(s.ExpiresAt.Unix(), 0).Add(e.cfg.Leeway)
	if end := s.CreatedAt.Add(e.cfg.MaxLifetime); end.Before(exp) {
		exp = end
	}
	return exp
}

func (e *engine[U]) isExpired(s Session[U]) bool { return e.isExpiredAt(s, e.now()) }

func (e *engine[U]) isExpiredAt(s Session[U], now time.Time) bool {
	return !now.Before(s.ExpiresAt.Add(e.cfg.Leeway)) || !now.Before(s.CreatedAt.Add(e.cfg.MaxLifetime))
}

func (e *engine[U]) shouldRefresh(s Session[U]) bool {
	now := e.now()
	return !e.isExpiredAt(s, now) &&
		now.Sub(s.LastActivity) >= e.cfg.RefreshThreshold &&
		s.ExpiresAt.Before(s.CreatedAt.Add(e.cfg.MaxLifetime))
}

// issue encrypts s, checks its size and writes the cookie.
func (e *engine[U]) issue(w http.ResponseWriter, r *http.Request, s *Session[U]) error {
	tok, err := e.seal(s)
	if err != nil {
		return err
	}
	e.write(w, r, s, tok)
	return nil
}

// seal returns the token for s, refusing a session without a user id and a
// token over Config.MaxCookieBytes. Nothing is written.
func (e *engine[U]) seal(s *Session[U]) (string, error) {
	if u, ok := any(s.User).(UserIDer); ok && u.UserID() == "" {
		return "", ErrNoUserID
	}
	return e.encryptChecked(s)
}

// write sets the cookie to tok, the token of s, and caches the verdict.
func (e *engine[U]) write(w http.ResponseWriter, r *http.Request, s *Session[U], tok string) {
	if old, ok := e.token(r); ok && e.cache != nil {
		e.cache.remove(old)
	}
	keepPrivate(w)
	cookies.Write(w, r.Header, e.cfg.Cookie.Name, tok, e.attrs, e.now(), s.ExpiresAt)
	if e.cache != nil {
		// Cache a private copy: s (and the user the caller passed in) stays
		// the caller's, and the cache must hold what the token says.
		if c, err := cloneSession(*s); err == nil {
			e.cache.put(tok, c, e.cacheExpiry(c))
		}
	}
}

func (e *engine[U]) createSession(w http.ResponseWriter, r *http.Request, user U, opts ...SessionOption) (Session[U], error) {
	var o sessionOptions
	for _, opt := range opts {
		opt(&o)
	}
	now := e.nowMilli()
	s := Session[U]{
		ID:           newSessionID(),
		User:         user,
		AccessToken:  o.accessToken,
		RefreshToken: o.refreshToken,
		CreatedAt:    now,
		LastActivity: now,
		ExpiresAt:    now.Add(e.cfg.Expiry),
	}
	// Seal (id and size checks) before recording anything in the store.
	tok, err := e.seal(&s)
	if err != nil {
		return Session[U]{}, err
	}
	if err := e.recordStore(r.Context(), r, &s); err != nil {
		return Session[U]{}, err
	}
	e.write(w, r, &s, tok)
	return s, nil
}

func (e *engine[U]) encryptChecked(s *Session[U]) (string, error) {
	tok, err := e.codec.encrypt(s, e.now())
	if err != nil {
		return "", err
	}
	if len(tok) > e.cfg.MaxCookieBytes {
		return "", fmt.Errorf("%w: token is %d bytes, limit %d (Config.MaxCookieBytes)", ErrSessionTooLarge, len(tok), e.cfg.MaxCookieBytes)
	}
	return tok, nil
}

func (e *engine[U]) updateSession(w http.ResponseWriter, r *http.Request, update func(*Session[U]) error) (Session[U], error) {
	cur, ok := e.getSession(r)
	if !ok {
		return Session[U]{}, ErrNoSession
	}
	next, err := cloneSession(cur)
	if err != nil {
		return Session[U]{}, err
	}
	if err := update(&next); err != nil {
		return Session[U]{}, err
	}
	next.ID, next.CreatedAt, next.ExpiresAt, next.LastActivity = cur.ID, cur.CreatedAt, cur.ExpiresAt, cur.LastActivity
	if err := e.issue(w, r, &next); err != nil {
		return Session[U]{}, err
	}
	return next, nil
}

// cloneSession deep-copies s through its JSON form, so an update never
// touches maps shared with the cache or another request.
func cloneSession[U any](s Session[U]) (Session[U], error) {
	b, err := json.Marshal(s)
	if err != nil {
		return Session[U]{}, fmt.Errorf("authsession: copying session: %w", err)
	}
	var c Session[U]
	if err := json.Unmarshal(b, &c); err != nil {
		return Session[U]{}, fmt.Errorf("authsession: copying session: %w", err)
	}
	c.ID, c.ExpiresAt, c.CreatedAt, c.LastActivity = s.ID, s.ExpiresAt, s.CreatedAt, s.LastActivity
	return c, nil
}

func (e *engine[U]) refreshSession(w http.ResponseWriter, r *http.Request) (Session[U], error) {
	s, ok := e.getSession(r)
	if !ok {
		return Session[U]{}, ErrNoSession
	}
	return e.refresh(w, r, s)
}

// refresh extends s and re-issues it. When the session cannot continue
// (maximum lifetime reached, OnRefresh refused it) the cookie is cleared.
func (e *engine[U]) refresh(w http.ResponseWriter, r *http.Request, s Session[U]) (Session[U], error) {
	now := e.nowMilli()
	end := s.CreatedAt.Add(e.cfg.MaxLifetime)
	if !now.Before(end) {
		e.clear(w, r, &s)
		return Session[U]{}, ErrMaxLifetime
	}
	if e.cfg.OnRefresh != nil {
		// OnRefresh may change the session it is given: hand it a private
		// copy, never maps shared with the cache or other requests.
		priv, err := cloneSession(s)
		if err != nil {
			return Session[U]{}, err
		}
		next, err := e.cfg.OnRefresh(r.Context(), priv)
		if err != nil {
			e.clear(w, r, &s)
			return Session[U]{}, fmt.Errorf("%w: OnRefresh: %w", ErrRejected, err)
		}
		next.ID, next.CreatedAt = s.ID, s.CreatedAt
		s = next
	}
	s.LastActivity = now
	s.ExpiresAt = now.Add(e.cfg.Expiry)
	if s.ExpiresAt.After(end) {
		s.ExpiresAt = end
	}
	if err := e.issue(w, r, &s); err != nil {
		return Session[U]{}, err
	}
	e.touchStore(r.Context(), &s)
	return s, nil
}

// autoRefresh re-issues s when auto refresh is on and it is due. It returns
// the session to use for the rest of the request, or false when the refresh
// ended it.
func (e *engine[U]) autoRefresh(w http.ResponseWriter, r *http.Request, s Session[U]) (Session[U], bool) {
	if e.cfg.DisableAutoRefresh || !e.shouldRefresh(s) {
		return s, true
	}
	next, err := e.refresh(w, r, s)
	if err != nil {
		if errors.Is(err, ErrMaxLifetime) || errors.Is(err, ErrRejected) {
			return Session[U]{}, false
		}
		e.log.LogAttrs(r.Context(), slog.LevelWarn, "authsession: auto refresh failed", slog.String("error", err.Error()))
		return s, true
	}
	return next, true
}

func (e *engine[U]) clear(w http.ResponseWriter, r *http.Request, s *Session[U]) {
	if tok, ok := e.token(r); ok && e.cache != nil {
		e.cache.remove(tok)
	}
	keepPrivate(w)
	cookies.Clear(w, r.Header, e.cfg.Cookie.Name, e.attrs)
	if s != nil {
		e.revokeStore(r.Context(), s)
	}
}

// deleteSession clears the cookie and revokes the session it carries in the
// store, even when the store check failed (a store that was down).
func (e *engine[U]) deleteSession(w http.ResponseWriter, r *http.Request) error {
	s, ok := e.carriedSession(r)
	e.clear(w, r, nil)
	if !ok {
		return nil
	}
	return e.revokeSession(r.Context(), &s)
}

func (e *engine[U]) encryptSession(s Session[U]) (string, error) {
	if s.ID == "" {
		s.ID = newSessionID()
	}
	now := e.nowMilli()
	if s.CreatedAt.IsZero() {
		s.CreatedAt = now
	}
	if s.LastActivity.IsZero() {
		s.LastActivity = now
	}
	if s.ExpiresAt.IsZero() {
		s.ExpiresAt = s.LastActivity.Add(e.cfg.Expiry)
	}
	return e.codec.encrypt(&s, now)
}

func (e *engine[U]) decryptSession(token string) (Session[U], error) {
	s, _, err := e.codec.decrypt(token)
	if err != nil {
		return Session[U]{}, err
	}
	if !e.now().Before(s.CreatedAt.Add(e.cfg.MaxLifetime)) {
		return Session[U]{}, ErrMaxLifetime
	}
	return s, nil
}

// keepPrivate marks a response that carries a session cookie as not for
// shared caches, unless the handler has already chosen a Cache-Control:
// Set-Cookie alone does not stop a shared cache from storing a response
// (RFC 9111), and a cached Set-Cookie would hand one user's session to
// others. A handler that sets Cache-Control later still decides.
func keepPrivate(w http.ResponseWriter) {
	if h := w.Header(); h.Get("Cache-Control") == "" {
		h.Set("Cache-Control", "private")
	}
}
