// Package authsession gives net/http applications stateless, encrypted
// session cookies and a route guard from one configuration call.
//
// It is the Go counterpart of the Node.js package next-auth-session: the
// session is a JWE (dir + A256GCM) in an HttpOnly cookie, readable by a
// Node.js program that shares the secret and cookie name.
//
// # Quick start
//
//	auth, err := authsession.NextAuthSession(authsession.Config[authsession.User]{
//		Secret: authsession.Secret(os.Getenv("SESSION_SECRET")),
//		Routes: []authsession.Rule{
//			authsession.Public("/login"),
//			authsession.Auth("/dashboard/*"),
//		},
//	})
//	if err != nil {
//		log.Fatal(err) // configuration errors surface here, never later
//	}
//	mux := http.NewServeMux()
//	mux.Handle("/api/session", auth.Handlers)
//	mux.Handle("/api/session/", auth.Handlers)
//	http.ListenAndServe(":8080", auth.Middleware(mux))
//
// Sign a user in with [AuthSession.CreateSession], read the session with
// [AuthSession.GetSession] and end it with [AuthSession.DeleteSession].
// The user type is a type parameter: [User] is the default, and any type
// that encodes to a JSON object works.
//
// # Sessions
//
// A session lives for [Config.Expiry] (7 days) and slides: once it is older
// than [Config.RefreshThreshold] (1 day) the guard and the session API
// re-issue it with a fresh expiry. No refresh extends a session beyond
// [Config.MaxLifetime] (30 days) after sign-in. A bad cookie of any kind —
// absent, truncated, tampered with, expired, under an unknown key — is "no
// session": never an error, never a panic, and its token never reaches a
// log. A token too large for one cookie is split across name.0, name.1, ….
//
// # Route rules
//
// [Public] routes are for visitors without a session, [Auth] routes need
// one and [Hybrid] routes take everyone. "/login" matches exactly,
// "/dashboard/*" matches /dashboard and everything below it, and "/blog*"
// matches every path that starts with /blog. The most specific rule wins:
// exact, then the longest literal prefix, then the first declared. Locale
// prefixes ([Config.Locales]) are stripped before matching and kept on
// redirects. The guard judges the cleaned, decoded path the router will
// serve; no request header changes its decision. [Config.Authorize] adds
// checks such as roles.
//
// # Session API and browser client
//
// [AuthSession.Handlers] serves GET, POST, PATCH and DELETE on
// /api/session for the browser client (an ES module served at
// /api/session/client.js, see [ClientScriptPath]) and for any front end.
// Unsafe methods from other origins are refused. [AuthSession.Actions]
// exposes the same operations to form handlers.
//
// # Stores
//
// Stateless cookies cannot be revoked. Set [Config.Store] (a
// [NewMemoryStore], or the Redis store in the redisstore module) to record
// live sessions: logout then revokes, [AuthSession.RevokeUserSessions] logs
// a user out everywhere and [AuthSession.ListUserSessions] lists devices.
//
// # Concurrency
//
// [NextAuthSession] returns an immutable value; every function in it is
// safe for concurrent use by multiple goroutines.
//
// # Security
//
// Tokens are encrypted and authenticated with a key derived by HKDF-SHA256
// from the secret and bound to the cookie name. Only alg "dir" with enc
// "A256GCM" is accepted, with a strict protected header. Secrets are
// rotated with [Config.PreviousSecrets]. See SECURITY.md for the threat
// model.
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

// AuthSession is the value returned by [NextAuthSession]: pre-configured
// functions and handlers sharing one configuration. It is immutable and all
// its functions are safe for concurrent use; do not reassign its fields.
type AuthSession[U any] struct {
	// CreateSession starts a new session for user with a fresh session id,
	// sets the cookie and returns the session. Options add access and
	// refresh tokens.
	CreateSession func(w http.ResponseWriter, r *http.Request, user U, opts ...SessionOption) (Session[U], error)

	// GetSession returns the request's session, or false when there is
	// none. It never re-issues the cookie and never fails on a bad cookie.
	// Behind Middleware it costs nothing: the guard already decoded it.
	GetSession func(r *http.Request) (Session[U], bool)

	// UpdateSession applies update to a private copy of the current
	// session and re-issues the cookie. update may change the user and the
	// tokens; the id, creation and expiry times are kept. It returns
	// ErrNoSession without a session and leaves the cookie untouched when
	// update returns an error.
	UpdateSession func(w http.ResponseWriter, r *http.Request, update func(*Session[U]) error) (Session[U], error)

	// RefreshSession extends the session's expiry (capped by MaxLifetime)
	// and re-issues the cookie.
	RefreshSession func(w http.ResponseWriter, r *http.Request) (Session[U], error)

	// DeleteSession clears the cookie (every chunk) and revokes the
	// session in the store, if one is configured; a failed revocation is
	// returned wrapping ErrStore (the cookie is cleared regardless).
	DeleteSession func(w http.ResponseWriter, r *http.Request) error

	// IsAuthenticated reports whether the request has a valid session.
	IsAuthenticated func(r *http.Request) bool

	// EncryptSession returns the token for s, under the current secret. An
	// empty s.ID is replaced by a fresh one.
	EncryptSession func(s Session[U]) (string, error)

	// DecryptSession decrypts and validates a token, without HTTP, store or
	// hooks. Errors wrap ErrInvalidToken, ErrTokenExpired or ErrMaxLifetime.
	DecryptSession func(token string) (Session[U], error)

	// IsSessionExpired reports whether s is past its expiry or its maximum
	// lifetime.
	IsSessionExpired func(s Session[U]) bool

	// ShouldRefreshSession reports whether s was issued more than
	// RefreshThreshold ago and can still be extended.
	ShouldRefreshSession func(s Session[U]) bool

	// RevokeUserSessions ends every session of the user ("log out
	// everywhere") and returns how many it ended. It needs Config.Store;
	// without one it returns ErrNoStore. Errors wrap ErrStore.
	RevokeUserSessions func(ctx context.Context, userID string) (int, error)

	// RevokeUserSession ends one session of the user, such as a device
	// picked from ListUserSessions. It returns ErrNoSession when the
	// session is not live or belongs to another user, and ErrNoStore
	// without Config.Store.
	RevokeUserSession func(ctx context.Context, userID, sessionID string) error

	// ListUserSessions returns the user's live sessions ("your devices"),
	// most recently seen first. It needs Config.Store; without one it
	// returns ErrNoStore. Errors wrap ErrStore.
	ListUserSessions func(ctx context.Context, userID string) ([]SessionRecord, error)

	// Middleware is the route guard; see the package doc's "Route rules".
	Middleware func(next http.Handler) http.Handler

	// MiddlewareWith is Middleware with a custom hook, next-auth-session's
	// middleware(request, customHandler): hook runs after Config.Authorize
	// returned nil and may likewise override the guard's response. Call it
	// once at start-up, not per request.
	MiddlewareWith func(hook AuthorizeFunc) func(next http.Handler) http.Handler

	// Handlers serves the session API; mount it at Config.APIPath and
	// below it: mux.Handle("/api/session", auth.Handlers) and
	// mux.Handle("/api/session/", auth.Handlers).
	Handlers http.Handler

	// Actions are Refresh, Update and Logout for form handlers and other
	// server-side code.
	Actions Actions[U]

	// Config is the resolved configuration, defaults applied.
	Config Config[U]

	// ClientConfig is the non-secret configuration the browser client needs.
	ClientConfig ClientConfig
}

// ClientConfig is the configuration that may be sent to a browser.
type ClientConfig struct {
	BasePath         string `json:"basePath"`
	LoginPath        string `json:"loginPath"`
	HomePath         string `json:"homePath"`
	RefreshThreshold int64  `json:"refreshThreshold"` // seconds
	SessionExpiry    int64  `json:"sessionExpiry"`    // seconds
}

// SessionOption adds optional data to a new session.
type SessionOption func(*sessionOptions)

type sessionOptions struct {
	accessToken, refreshToken string
}

// WithTokens stores an access and a refresh token in the new session. They
// stay on the server: the session API never sends the refresh token, and
// sends the access token only with Config.ExposeAccessToken.
func WithTokens(accessToken, refreshToken string) SessionOption {
	return func(o *sessionOptions) { o.accessToken, o.refreshToken = accessToken, refreshToken }
}

// contextKey is unique per AuthSession: two instances in one program never
// see each other's sessions.
type contextKey struct{ name string }

// requestState is what the guard stores in the request context.
type requestState[U any] struct {
	session Session[U]
	ok      bool
}

// engine holds the resolved configuration and implements every operation.
type engine[U any] struct {
	cfg   Config[U]
	codec *codec[U]
	cache *tokenCache[U]
	attrs cookies.Attrs
	key   *contextKey
	log   *slog.Logger
}

// NextAuthSession validates cfg, applies defaults and returns the configured
// functions. Every configuration mistake is reported here, wrapping
// ErrConfig and naming the field.
func NextAuthSession[U any](cfg Config[U]) (*AuthSession[U], error) {
	cfg, err := cfg.resolve()
	if err != nil {
		return nil, err
	}
	if cfg.Store != nil {
		var zero U
		if _, ok := any(zero).(UserIDer); !ok {
			return nil, configError("Store", "the user type %T must implement UserIDer to be used with a store", zero)
		}
	}
	e := &engine[U]{
		cfg:   cfg,
		cache: newTokenCache[U](cfg.CacheBytes),
		attrs: cookies.Attrs{
			Path:     cfg.Cookie.Path,
			Domain:   cfg.Cookie.Domain,
			SameSite: cfg.Cookie.SameSite,
			Secure:   !cfg.Cookie.Insecure,
		},
		key: &contextKey{"authsession"},
		log: cfg.Logger,
	}
	if e.codec, err = newCodec(&cfg); err != nil {
		return nil, err
	}
	a := &AuthSession[U]{
		CreateSession:        e.createSession,
		GetSession:           e.getSession,
		UpdateSession:        e.updateSession,
		RefreshSession:       e.refreshSession,
		DeleteSession:        e.deleteSession,
		IsAuthenticated:      e.isAuthenticated,
		EncryptSession:       e.encryptSession,
		DecryptSession:       e.decryptSession,
		IsSessionExpired:     e.isExpired,
		ShouldRefreshSession: e.shouldRefresh,
		RevokeUserSessions:   e.revokeUserSessions,
		RevokeUserSession:    e.revokeUserSession,
		ListUserSessions:     e.listUserSessions,
		Config:               cfg,
		ClientConfig: ClientConfig{
			BasePath:         cfg.APIPath,
			LoginPath:        cfg.LoginPath,
			HomePath:         cfg.HomePath,
			RefreshThreshold: int64(cfg.RefreshThreshold / time.Second),
			SessionExpiry:    int64(cfg.Expiry / time.Second),
		},
	}
	g, err := newGuard(e)
	if err != nil {
		return nil, err
	}
	a.Middleware, a.MiddlewareWith = g.middleware(nil), g.middleware
	if a.Handlers, err = newHandlers(e); err != nil {
		return nil, err
	}
	a.Actions = newActions(e)
	return a, nil
}

func (e *engine[U]) now() time.Time { return e.cfg.Now() }

// nowMilli is the current time at the millisecond precision of the session
// JSON, so a session reads back exactly as it was written.
func (e *engine[U]) nowMilli() time.Time { return time.UnixMilli(e.cfg.Now().UnixMilli()) }

// withSession returns r carrying the decoded session for later GetSession
// calls in the same request. The context and the state are one allocation
// (sessionContext), the request copy the other.
func (e *engine[U]) withSession(r *http.Request, s Session[U], ok bool) *http.Request {
	return r.WithContext(&sessionContext[U]{Context: r.Context(), key: e.key, state: requestState[U]{s, ok}})
}

// sessionContext is context.WithValue(parent, key, &state) in a single
// allocation.
type sessionContext[U any] struct {
	context.Context
	key   *contextKey
	state requestState[U]
}

// Value returns the request state for the engine's key and defers to the
// parent context for every other key.
func (c *sessionContext[U]) Value(key any) any {
	if k, ok := key.(*contextKey); ok && k == c.key {
		return &c.state
	}
	return c.Context.Value(key)
}

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
	var zero Session[U]
	tok, ok := e.token(r)
	if !ok {
		return zero, false
	}
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
	if !e.checkStore(r.Context(), r, &s) {
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
	if u, ok := any(s.User).(UserIDer); ok && u.UserID() == "" {
		return ErrNoUserID
	}
	now := e.now()
	tok, err := e.codec.encrypt(s, now)
	if err != nil {
		return err
	}
	if len(tok) > e.cfg.MaxCookieBytes {
		return fmt.Errorf("%w: token is %d bytes, limit %d (Config.MaxCookieBytes)", ErrSessionTooLarge, len(tok), e.cfg.MaxCookieBytes)
	}
	if old, ok := e.token(r); ok && e.cache != nil {
		e.cache.remove(old)
	}
	cookies.Write(w, r.Header, e.cfg.Cookie.Name, tok, e.attrs, now, s.ExpiresAt)
	if e.cache != nil {
		e.cache.put(tok, *s, e.cacheExpiry(*s))
	}
	return nil
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
	if u, ok := any(user).(UserIDer); ok && u.UserID() == "" {
		return Session[U]{}, ErrNoUserID
	}
	// Check the size before recording anything.
	if _, err := e.encryptChecked(&s); err != nil {
		return Session[U]{}, err
	}
	if err := e.recordStore(r.Context(), r, &s); err != nil {
		return Session[U]{}, err
	}
	if err := e.issue(w, r, &s); err != nil {
		return Session[U]{}, err
	}
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
		next, err := e.cfg.OnRefresh(r.Context(), s)
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
	cookies.Clear(w, r.Header, e.cfg.Cookie.Name, e.attrs)
	if s != nil {
		e.revokeStore(r.Context(), s)
	}
}

// deleteSession clears the cookie and revokes the session it carries in the
// store, even when the store check failed (a store that was down).
func (e *engine[U]) deleteSession(w http.ResponseWriter, r *http.Request) error {
	id := e.requestSessionID(r)
	e.clear(w, r, nil)
	return e.revokeID(r.Context(), id)
}

func (e *engine[U]) encryptSession(s Session[U]) (string, error) {
	if s.ID == "" {
		s.ID = newSessionID()
	}
	return e.codec.encrypt(&s, e.now())
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
