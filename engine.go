package authsession

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime"
	"time"
)

// This file is the session engine: reading a request's session (the
// context fast path, the cookie through the token layer, the store and
// OnValidate), issuing and clearing cookies, and the create / update /
// refresh / delete operations that AuthSession's fields, the guard, the
// handlers and the actions share. Tokens are the token layer's
// (tokens.go); the store upkeep is storeops.go's.

// engine holds the resolved configuration and implements every operation.
// It is immutable and safe for concurrent use.
type engine[U any] struct {
	cfg    Config[U]
	tokens *tokens[U]
	cookie sessionCookie
	key    *contextKey
	log    *slog.Logger
	revs   *revocations // pending revocations; nil without a store
}

// newEngine builds the engine of a resolved configuration.
func newEngine[U any](cfg Config[U]) (*engine[U], error) {
	t, err := newTokens(&cfg)
	if err != nil {
		return nil, err
	}
	e := &engine[U]{
		cfg:    cfg,
		tokens: t,
		cookie: newSessionCookie(&cfg.Cookie, &t.format, cfg.MaxCookieBytes),
		key:    &contextKey{"authsession"},
		log:    cfg.Logger,
		revs:   newRevocations(cfg.Store, cfg.StoreTimeout, cfg.Now, cfg.Logger),
	}
	if e.revs != nil {
		// Every function of the AuthSession holds e, and the retrying
		// goroutine does not: once e is unreachable, nothing can consult
		// the pending revocations again, so the goroutine ends.
		runtime.AddCleanup(e, (*revocations).abandon, e.revs)
	}
	return e, nil
}

// contextKey is unique per AuthSession: two instances in one program never
// see each other's sessions.
type contextKey struct{ name string }

// requestState is what the guard stores in the request context: the
// request's session, when ok, read-only and usually shared with the
// verified-token cache (a pointer, so the context does not carry a copy).
type requestState[U any] struct {
	session *Session[U]
	ok      bool
}

// get returns a copy of the state's session and whether there is one.
func (st *requestState[U]) get() (Session[U], bool) {
	if !st.signedIn() {
		return Session[U]{}, false
	}
	return *st.session, true
}

func (e *engine[U]) now() time.Time { return e.cfg.Now() }

// nowMilli is the current time at the millisecond precision of the session
// JSON, so a session reads back exactly as it was written.
func (e *engine[U]) nowMilli() time.Time { return time.UnixMilli(e.cfg.Now().UnixMilli()) }

// sessionContext is context.WithValue(parent, key, &state).
type sessionContext[U any] struct {
	context.Context
	key   *contextKey
	state requestState[U]
}

// sessionRequest is a request carrying a sessionContext, allocated
// together: the guard's only allocation for a cached cookie.
type sessionRequest[U any] struct {
	ctx sessionContext[U]
	req http.Request
}

// withSession returns r with a context carrying the session state (s, ok),
// and that state. The request is the shallow copy r.WithContext makes;
// WithContext is inlined, so its copy lives on the stack until it is
// copied into the one allocation that holds the context too.
func (e *engine[U]) withSession(r *http.Request, s *Session[U], ok bool) (*http.Request, *requestState[U]) {
	sr := &sessionRequest[U]{ctx: sessionContext[U]{Context: r.Context(), key: e.key, state: requestState[U]{s, ok}}}
	sr.req = *r.WithContext(&sr.ctx)
	return &sr.req, &sr.ctx.state
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
	now := e.now() // the request's one clock reading
	s, ok := e.loadToken(r, tok, now)
	if ok {
		s, ok = e.autoRefresh(w, r, s, now)
	}
	return e.withSession(r, s, ok)
}

// signedIn reports whether st (from requestSession) holds a valid session.
func (st *requestState[U]) signedIn() bool { return st != nil && st.ok }

func (e *engine[U]) getSession(r *http.Request) (Session[U], bool) {
	var now time.Time
	s, ok := e.sessionRef(r, &now)
	if !ok {
		return Session[U]{}, false
	}
	return *s, true
}

// sessionRef is the request's session, from the context when the guard
// put it there (no clock reading), else from the cookie at *now, which it
// reads from the clock first when zero; read-only.
func (e *engine[U]) sessionRef(r *http.Request, now *time.Time) (*Session[U], bool) {
	if st, ok := r.Context().Value(e.key).(*requestState[U]); ok {
		return st.session, st.ok
	}
	tok, ok := e.token(r)
	if !ok {
		return nil, false
	}
	if now.IsZero() {
		*now = e.now()
	}
	return e.loadToken(r, tok, *now)
}

func (e *engine[U]) isAuthenticated(r *http.Request) bool {
	_, ok := e.getSession(r)
	return ok
}

// current is the session a read (GET) returns: the request's session,
// re-issued by auto refresh only when its refresh threshold has passed.
func (e *engine[U]) current(w http.ResponseWriter, r *http.Request) (Session[U], bool) {
	var now time.Time
	s, ok := e.sessionRef(r, &now)
	if ok {
		if now.IsZero() { // from the guard's context
			now = e.now()
		}
		s, ok = e.autoRefresh(w, r, s, now)
	}
	if !ok {
		return Session[U]{}, false
	}
	return *s, true
}

// token returns the request's session token, if any.
func (e *engine[U]) token(r *http.Request) (string, bool) {
	tok, _, ok := e.cookie.read(r.Header)
	return tok, ok
}

// loadToken is the session of tok at now, read from r's cookies: opened by
// the token layer (the cache or a decryption, then the token rules), then
// checked against the store and OnValidate. The session is read-only
// (usually the cache's).
func (e *engine[U]) loadToken(r *http.Request, tok string, now time.Time) (*Session[U], bool) {
	s, err := e.tokens.open(tok, now)
	if err != nil {
		e.log.LogAttrs(r.Context(), slog.LevelDebug, "authsession: rejected session cookie", slog.String("reason", err.Error()))
		return nil, false
	}
	if !e.checkStore(r.Context(), s) {
		return nil, false
	}
	if e.cfg.OnValidate != nil && !e.cfg.OnValidate(r.Context(), *s) {
		e.log.LogAttrs(r.Context(), slog.LevelDebug, "authsession: rejected session cookie", slog.String("reason", "OnValidate returned false"))
		return nil, false
	}
	return s, true
}

func (e *engine[U]) isExpired(s Session[U]) bool { return e.tokens.expired(&s, e.now()) }

func (e *engine[U]) shouldRefresh(s Session[U]) bool { return e.shouldRefreshAt(&s, e.now()) }

// shouldRefreshAt is shouldRefresh at now.
func (e *engine[U]) shouldRefreshAt(s *Session[U], now time.Time) bool {
	return !e.tokens.expired(s, now) &&
		now.Sub(s.LastActivity) >= e.cfg.RefreshThreshold &&
		s.ExpiresAt.Before(s.CreatedAt.Add(e.cfg.MaxLifetime))
}

// issue seals s and sets the cookie to its token.
func (e *engine[U]) issue(w http.ResponseWriter, r *http.Request, s *Session[U]) error {
	tok, err := e.tokens.seal(s, e.now(), e.cookie.writeName(r.Header))
	if err != nil {
		return err
	}
	e.setCookie(w, r, s, tok)
	return nil
}

// setCookie sets the cookie to tok, the token of s (under the name the
// request's session cookie has), and has the token layer forget the token
// it replaces. A Transient session gets a browser-session cookie.
func (e *engine[U]) setCookie(w http.ResponseWriter, r *http.Request, s *Session[U], tok string) {
	if old, ok := e.token(r); ok {
		e.tokens.forget(old)
	}
	keepPrivate(w)
	e.cookie.write(w, r.Header, e.cookie.writeName(r.Header), tok, e.now(), s.ExpiresAt, s.Transient)
}

// pending is what this response has already set the cookie to (see
// cookies.Pending): set is false when it has not touched it.
func (e *engine[U]) pending(w http.ResponseWriter, r *http.Request) (tok string, set bool) {
	return e.cookie.pending(w, r.Header)
}

func (e *engine[U]) createSession(w http.ResponseWriter, r *http.Request, user U, opts ...SessionOption) (Session[U], error) {
	var o sessionOptions
	for _, opt := range opts {
		opt(&o)
	}
	if o.err != nil {
		return Session[U]{}, o.err
	}
	id, err := e.sessionID()
	if err != nil {
		return Session[U]{}, err
	}
	now := e.nowMilli()
	s := Session[U]{
		ID:           id,
		User:         user,
		AccessToken:  o.accessToken,
		RefreshToken: o.refreshToken,
		CreatedAt:    now,
		LastActivity: now,
		ExpiresAt:    now.Add(e.cfg.Expiry),
		Data:         o.data,
		Flash:        o.flash,
		Transient:    o.transient,
		gen:          e.firstGeneration(),
	}
	// Seal (id and size checks) before recording anything in the store.
	tok, err := e.tokens.seal(&s, now, e.cookie.writeName(r.Header))
	if err != nil {
		return Session[U]{}, err
	}
	var replaced Session[U]
	var replaces bool
	if e.cfg.Events.SignOut != nil {
		replaced, replaces = e.carriedSession(r)
	}
	if err := e.recordStore(r.Context(), r, &s); err != nil {
		e.tokens.forget(tok)
		return Session[U]{}, err
	}
	e.setCookie(w, r, &s, tok)
	if replaces && replaced.ID != s.ID {
		e.sessionEvent(r.Context(), "SignOut", e.cfg.Events.SignOut, replaced)
	}
	e.sessionEvent(r.Context(), "SignIn", e.cfg.Events.SignIn, s)
	return s, nil
}

// updateSession applies update to a private copy of the session this
// response starts from (writable) and re-issues it; the id, the times and
// Transient are kept.
func (e *engine[U]) updateSession(w http.ResponseWriter, r *http.Request, update func(*Session[U]) error) (Session[U], error) {
	cur, ok := e.writable(w, r)
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
	next.Transient, next.gen = cur.Transient, cur.gen
	if err := e.reissue(w, r, &cur, &next, !sameContents(&cur, &next), false); err != nil {
		return Session[U]{}, err
	}
	return next, nil
}

func (e *engine[U]) refreshSession(w http.ResponseWriter, r *http.Request) (Session[U], error) {
	s, ok := e.writable(w, r)
	if !ok {
		return Session[U]{}, ErrNoSession
	}
	return e.refresh(w, r, s)
}

// refresh extends s and re-issues it, by Config.Expiry (in the foreign
// formats, by the lifetime its token was issued with: refreshLifetime).
// When the session cannot continue (maximum lifetime reached, OnRefresh
// refused it) the cookie is cleared.
func (e *engine[U]) refresh(w http.ResponseWriter, r *http.Request, s Session[U]) (Session[U], error) {
	now := e.nowMilli()
	end := s.CreatedAt.Add(e.cfg.MaxLifetime)
	lifetime := e.tokens.format.refreshLifetime(s.ExpiresAt, s.LastActivity, e.cfg.Expiry)
	if !now.Before(end) {
		e.clear(w, r, &s)
		return Session[U]{}, ErrMaxLifetime
	}
	cur, changed := s, false
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
		next.ID, next.CreatedAt, next.Transient, next.gen = s.ID, s.CreatedAt, s.Transient, s.gen
		changed = !sameContents(&s, &next)
		s = next
	}
	s.LastActivity = now
	s.ExpiresAt = now.Add(lifetime)
	if s.ExpiresAt.After(end) {
		s.ExpiresAt = end
	}
	if err := e.reissue(w, r, &cur, &s, changed, true); err != nil {
		return Session[U]{}, err
	}
	e.sessionEvent(r.Context(), "Refresh", e.cfg.Events.Refresh, s)
	return s, nil
}

// autoRefresh re-issues s when auto refresh is on and it is due at now.
// It returns the session to use for the rest of the request (s itself
// when nothing was due), or false when the refresh ended it.
func (e *engine[U]) autoRefresh(w http.ResponseWriter, r *http.Request, s *Session[U], now time.Time) (*Session[U], bool) {
	if e.cfg.DisableAutoRefresh || !e.shouldRefreshAt(s, now) {
		return s, true
	}
	next, err := e.refresh(w, r, *s)
	if err != nil {
		if errors.Is(err, ErrMaxLifetime) || errors.Is(err, ErrRejected) || errors.Is(err, errEnded) {
			return nil, false
		}
		e.log.LogAttrs(r.Context(), slog.LevelWarn, "authsession: auto refresh failed", slog.String("error", err.Error()))
		return s, true
	}
	return &next, true
}

// clear clears the cookie (every chunk), has the token layer forget its
// token and revokes s in the store, when s is given.
func (e *engine[U]) clear(w http.ResponseWriter, r *http.Request, s *Session[U]) {
	if tok, ok := e.token(r); ok {
		e.tokens.forget(tok)
	}
	keepPrivate(w)
	e.cookie.clear(w, r.Header)
	if s != nil {
		e.revokeStore(r.Context(), s)
	}
}

// deleteSession clears the cookie (and a foreign format's auxiliary
// cookies) and revokes, in the store, the session this response stands
// on (as writable finds it): the one the request carries, even when the
// store check failed (a store that was down), or, when this response has
// already set the cookie (CreateSession, then DeleteSession in one
// handler), the session it issued, whose token was written to the
// response; none when it has already cleared the cookie.
func (e *engine[U]) deleteSession(w http.ResponseWriter, r *http.Request) error {
	var s Session[U]
	var ok bool
	if tok, set := e.pending(w, r); !set {
		s, ok = e.carriedSession(r)
	} else if tok != "" {
		if p, err := e.tokens.open(tok, e.now()); err == nil {
			s, ok = *p, true
			e.tokens.forget(tok)
		}
	}
	e.clear(w, r, nil)
	e.cookie.clearAux(w, r.Header)
	if !ok {
		return nil
	}
	err := e.revokeSession(r.Context(), &s)
	e.sessionEvent(r.Context(), "SignOut", e.cfg.Events.SignOut, s)
	return err
}

// encryptSession is AuthSession.EncryptSession: s with its blanks filled,
// encoded by the token layer (uncached).
func (e *engine[U]) encryptSession(s Session[U]) (string, error) {
	if s.ID == "" {
		id, err := e.sessionID()
		if err != nil {
			return "", err
		}
		s.ID = id
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
	return e.tokens.encode(&s, now)
}

// decryptSession is AuthSession.DecryptSession: the token decoded by the
// token layer (uncached).
func (e *engine[U]) decryptSession(token string) (Session[U], error) {
	return e.tokens.decode(token, e.now())
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
