package authsession

import (
	"context"
	"log/slog"
	"net/http"
	"runtime"
	"time"
)

// This file is the session engine: reading a request's session (from the
// request state the middleware put in the context, or from the cookie),
// and the operations that AuthSession's fields, the guard, the handlers
// and the actions share. A change is made on the request's state
// (engine_request.go) and committed once (engine_commit.go). Tokens are the token
// layer's (tokens.go); sealed values sealed.go's; the store upkeep is
// engine_store.go's and engine_server.go's.

// engine holds the resolved configuration and implements every operation.
// It is immutable and safe for concurrent use.
type engine[U any] struct {
	cfg    Config[U]
	tokens *tokens[U]
	sealer *sealer
	cookie sessionCookie
	key    *contextKey
	log    *slog.Logger
	revs   *revocations // pending revocations; nil without a store
	// jsonPrefix is the first segment of Config.APIPath: its paths get
	// JSON answers.
	jsonPrefix string
}

// newEngine builds the engine of a resolved configuration.
func newEngine[U any](cfg Config[U]) (*engine[U], error) {
	t, err := newTokens(&cfg)
	if err != nil {
		return nil, err
	}
	sl, err := newSealer(cfg.Cookie.Name, append([]Secret{cfg.Secret}, cfg.PreviousSecrets...))
	if err != nil {
		return nil, err
	}
	seg, _ := firstSegment(cfg.APIPath)
	e := &engine[U]{
		cfg:        cfg,
		tokens:     t,
		sealer:     sl,
		cookie:     newSessionCookie(&cfg.Cookie, &t.format, cfg.MaxCookieBytes),
		key:        &contextKey{"authsession"},
		log:        cfg.Logger,
		revs:       newRevocations(cfg.Store, cfg.StoreTimeout, cfg.Now, cfg.Logger),
		jsonPrefix: "/" + seg,
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

func (e *engine[U]) now() time.Time { return e.cfg.Now() }

// nowMilli is the current time at the millisecond precision of the session
// JSON, so a session reads back exactly as it was written.
func (e *engine[U]) nowMilli() time.Time { return time.UnixMilli(e.cfg.Now().UnixMilli()) }

// token returns the request's session cookie value, if any.
func (e *engine[U]) token(r *http.Request) (string, bool) {
	tok, _, ok := e.cookie.read(r.Header)
	return tok, ok
}

// getSession is the request's signed-in session: the one the middleware
// read (no clock reading, no store call), else read from the cookie.
func (e *engine[U]) getSession(r *http.Request) (Session[U], bool) {
	if st := e.stateOf(r); st != nil {
		return st.get()
	}
	tok, ok := e.token(r)
	if !ok {
		return Session[U]{}, false
	}
	l := e.read(r.Context(), tok, e.now())
	if l.s == nil || l.anon || !e.validate(r.Context(), l.s) {
		return Session[U]{}, false
	}
	return *l.s, true
}

func (e *engine[U]) isAuthenticated(r *http.Request) bool {
	_, ok := e.getSession(r)
	return ok
}

// validate is Config.OnValidate on a signed-in session (true without it).
func (e *engine[U]) validate(ctx context.Context, s *Session[U]) bool {
	if e.cfg.OnValidate == nil || e.cfg.OnValidate(ctx, *s) {
		return true
	}
	e.reject(ctx, "OnValidate returned false")
	return false
}

// loaded is a session read from a cookie value: nil s when there is none;
// anon for an anonymous visitor's; its store record (inStore), or the
// store's error (storeErr: the session is then none unless
// Config.StoreFailOpen, and carried is what the cookie named, for a
// sign-out to revoke).
type loaded[U any] struct {
	s        *Session[U]
	anon     bool
	rec      SessionRecord
	inStore  bool
	storeErr error
	carried  *ending[U]
}

// read is the session of a cookie value at now, in the configured
// storage.
func (e *engine[U]) read(ctx context.Context, value string, now time.Time) loaded[U] {
	switch {
	case e.cfg.Storage == StorageServer:
		return e.readServer(ctx, value, now)
	case isToken(value):
		return e.readToken(ctx, value, now)
	}
	return e.readAnon(ctx, value, now)
}

func (e *engine[U]) isExpired(s Session[U]) bool { return e.tokens.expired(&s, e.now()) }

func (e *engine[U]) shouldRefresh(s Session[U]) bool { return e.shouldRefreshAt(&s, e.now()) }

// shouldRefreshAt is shouldRefresh at now.
func (e *engine[U]) shouldRefreshAt(s *Session[U], now time.Time) bool {
	return !e.tokens.expired(s, now) &&
		now.Sub(s.LastActivity) >= e.cfg.RefreshThreshold &&
		s.ExpiresAt.Before(s.CreatedAt.Add(e.cfg.MaxLifetime))
}

// pending is what this response has already set the cookie to (see
// cookies.Pending): set is false when it has not touched it.
func (e *engine[U]) pending(w http.ResponseWriter, r *http.Request) (tok string, set bool) {
	return e.cookie.pending(w, r.Header)
}

// current is the session a read (GET /api/session) returns: the request's
// signed-in session, auto-refreshed when its refresh threshold has passed
// (committed by the caller). st is the request's state.
func (e *engine[U]) current(st *requestState[U]) (Session[U], bool) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.cur == nil || st.anon {
		return Session[U]{}, false
	}
	return *st.cur, true
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
