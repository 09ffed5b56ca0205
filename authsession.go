// Package authsession gives net/http applications sessions and a route
// guard from one configuration call: [NextAuthSession] returns an
// [AuthSession], whose fields are the operations, each configured once and
// safe for concurrent use:
//
//   - sign in and out: [AuthSession.CreateSession], [AuthSession.DeleteSession]
//   - read the request's session: [AuthSession.GetSession],
//     [AuthSession.IsAuthenticated], or [SessionFromContext]
//   - change it: [AuthSession.UpdateSession], [AuthSession.RefreshSession]
//   - data and flash values: [AuthSession.SetData], [AuthSession.DeleteData],
//     [AuthSession.Flash], [AuthSession.Flashes], [AuthSession.SessionData]
//     (read a value with [Get])
//   - write the changes before the response: [AuthSession.Commit]
//   - tokens without HTTP: [AuthSession.EncryptSession],
//     [AuthSession.DecryptSession], [AuthSession.IsSessionExpired],
//     [AuthSession.ShouldRefreshSession]
//   - with a store: [AuthSession.RevokeUserSessions] ("log out
//     everywhere"), [AuthSession.RevokeSession], [AuthSession.ListUserSessions],
//     [AuthSession.Close]
//   - the route guard: [AuthSession.Middleware], [AuthSession.MiddlewareWith];
//     per handler: [AuthSession.RequireSession], [AuthSession.Require]
//   - the session API and its browser client: [AuthSession.Handlers]; the
//     same operations for form handlers: [AuthSession.Actions]
//
// It is the Go counterpart of the Node.js packages next-auth-session and
// next-session: by default the session is a JWE (dir + A256GCM) in an
// HttpOnly cookie, readable by a Node.js program that shares the secret and
// cookie name; with [StorageServer] it is held in a store.
//
// # Quick start
//
//	auth, err := authsession.NextAuthSession(authsession.Config[authsession.User]{
//		// A Secret is a string type: a string variable needs the
//		// conversion. Left empty, it comes from $SESSION_SECRET.
//		Secret: authsession.Secret(os.Getenv("SESSION_SECRET")),
//		// Deny by default: a route the rules do not name needs a session.
//		DefaultRouteType: authsession.RouteAuth,
//		Routes: []authsession.Rule{
//			authsession.Public("/login"),    // only without a session
//			authsession.Hybrid("/"),         // the home page, for everyone
//			authsession.Hybrid("/assets/*"), // scripts, styles, images
//		},
//	})
//	if err != nil {
//		log.Fatal(err) // configuration errors surface here, never later
//	}
//	mux := http.NewServeMux()
//	mux.HandleFunc("GET /{$}", home)
//	mux.HandleFunc("GET /dashboard", dashboard) // needs a session: no rule names it
//	mux.Handle("GET /assets/", http.FileServer(http.Dir(".")))
//	// The guard serves the session API at /api/session itself.
//	http.ListenAndServe(":8080", auth.Middleware(mux))
//
// The repository's README has the complete program, with the sign-in
// form and sign-out (the package example shows the same round trip),
// and its docs/ folder a guide per task: the sign-in form, the guard and
// roles, routers and frameworks, server-held sessions, stores, OpenID
// Connect, a React front end, and the reference (configuration, HTTP API,
// token format).
//
// The user type is a type parameter: [User] is the default, and any type
// that encoding/json encodes and decodes works; [Config.UpdatableFields]
// needs one that encodes to a JSON object, and [Config.Store] one with a
// UserID method ([UserIDer]).
//
// # Sessions
//
// A session lives for [Config.Expiry] (7 days) and slides: once it is older
// than [Config.RefreshThreshold] (1 day, or half of Expiry when that is
// shorter) the guard and the session API re-issue it with a fresh expiry.
// No refresh extends a session beyond [Config.MaxLifetime] (30 days) after
// sign-in. A bad cookie of any kind — absent, truncated, tampered with,
// expired, under an unknown key — is "no session": never an error, never a
// panic, and its token never reaches a log. A token too large for one
// cookie is split across name.0, name.1, ….
//
// Beside the user, a session carries application [Data] (SetData, and
// [Get] to read a value as its type) and flash values read exactly once
// (Flash, Flashes); visitors who have not signed in have them too, in a
// session that starts at their first write. [WithRememberMe] (false) makes
// the cookie a browser-session cookie. [Events] report sign-ins,
// sign-outs, refreshes and revocations to audit logs. Behind the
// middleware, a response's changes are committed once, before its header
// ([AuthSession.Commit]).
//
// # Storage
//
// By default the session is the cookie (a JWE). With [StorageServer]
// ([Config.Storage]) it is in [Config.Store] and the cookie holds only its
// sealed id, as in next-session; every operation works the same in both.
//
// # Route rules
//
// [Public] routes are for visitors without a session, [Auth] routes need
// one and [Hybrid] routes take everyone; [AuthWhere] is an Auth rule with
// a check over the typed session (a role), answered with a 403. "/login"
// matches exactly, "/dashboard/*" matches /dashboard and everything below
// it, and "/blog*" matches every path that starts with /blog. The most
// specific rule wins: exact, then the longest literal prefix, then the
// first declared; two rules for the same paths are a configuration error.
// Paths no rule matches get [Config.DefaultRouteType]. Set it to
// [RouteAuth] (deny by default): a route added to the router but not to
// the rules then needs a session instead of being open to anyone.
//
// The guard and the router read one path. A request whose path is not in
// canonical form (dot segments, doubled slashes, any percent-encoding but
// the canonical one) is redirected to that form first, and encoded "/" or
// "\" is refused, so ServeMux, chi and chi's mounted sub-routers route on
// exactly the path the guard judged. Locale prefixes ([Config.Locales])
// are stripped before matching and kept on redirects; a first segment
// shaped like a language tag that is not one of them is judged both as
// part of the path and as a language a router strips, and the stricter
// verdict applies. No request header changes a decision. The session API
// at [Config.APIPath] is always reachable.
//
// Protection can also sit on the handler, whatever the rules say:
// [AuthSession.RequireSession] and [AuthSession.Require] guard one handler
// or a router group, and [SessionFromContext] reads the typed session
// from a context.Context.
//
// # Session API and browser client
//
// [AuthSession.Handlers] serves GET, POST, PATCH and DELETE on
// /api/session for the browser client (an ES module served at
// /api/session/client.js, at [ClientConfig.ScriptPath]) and for any front end.
// Unsafe methods from other origins are refused. [AuthSession.Actions]
// exposes the same operations to form handlers.
//
// # Stores
//
// Stateless cookies cannot be revoked. Set [Config.Store] (the memstore
// package's for one process, or the redisstore and pgstore modules' for
// Redis and PostgreSQL) to record live sessions: logout then revokes, [AuthSession.RevokeUserSessions] logs
// a user out everywhere and [AuthSession.ListUserSessions] lists devices.
// A change of a session (an update, an OnRefresh that changed it) ends its
// older tokens after [Config.GenerationGrace], or at once for one marked
// with [Session.MarkPrivilegeChange]. Store calls run under
// [Config.StoreTimeout]; a revocation the store could not take is retried
// until it lands, or until [AuthSession.Close].
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
	"net/http"
	"time"
)

// AuthSession is the value returned by [NextAuthSession]: pre-configured
// functions and handlers sharing one configuration. It is immutable and all
// its functions are safe for concurrent use; do not reassign its fields.
type AuthSession[U any] struct {
	// CreateSession starts a new session for user with a fresh session id,
	// sets the cookie and returns the session. A session the request
	// carried is replaced (and revoked in the store): a signed-in user
	// who signs in again, as themselves or someone else, gets the new
	// session only. Options add access and refresh tokens (WithTokens),
	// data and flash values (WithData, WithFlash) and the remember-me
	// choice (WithRememberMe).
	CreateSession func(w http.ResponseWriter, r *http.Request, user U, opts ...SessionOption) (Session[U], error)

	// GetSession returns the request's session, or false when there is
	// none. It never re-issues the cookie and never fails on a bad cookie.
	// Behind Middleware it costs nothing: the guard already decoded it.
	GetSession func(r *http.Request) (Session[U], bool)

	// UpdateSession applies update to a private copy of the current
	// signed-in session. update may change the user, the tokens, Data and
	// Flash; the id, the times and Transient are kept. The current session
	// is the one this response stands on: the request's, or the one an
	// earlier call in the same handler made (after a sign-out there is
	// none). It returns ErrNoSession without a session and changes nothing
	// when update returns an error, which it returns wrapped in
	// ErrInvalidUpdate (as it is when it wraps a sentinel already). The
	// change is committed with the response (see Commit), or at once
	// without the middleware.
	//
	// With a Store, a change of the session's contents gives it its next
	// generation (once per response), saved over the generation the request
	// read: tokens from before the change are "no session" once
	// Config.GenerationGrace has passed, and may read but not write until
	// then. A change that lost a race fails with ErrConflict, one the store
	// could not take with ErrStore; nothing changes. A change of the user
	// beyond Config.UpdatableFields, or one that calls
	// [Session.MarkPrivilegeChange], re-issues the session under a new id
	// instead, ending every older token at once ([Session.MarkDisplayChange]
	// says a change is none). update may run again on a newer session when
	// another request saved first (server storage): keep it free of side
	// effects.
	UpdateSession func(w http.ResponseWriter, r *http.Request, update func(*Session[U]) error) (Session[U], error)

	// SetData stores value under key in the session's Data (see [Data]);
	// read values with [Get] on SessionData. It starts from the session
	// UpdateSession would, or starts a visitor's session without one
	// (before sign-in, after sign-out). It fails with ErrInvalidData for a
	// bad key or value and ErrSessionTooLarge when the session would exceed
	// Config.MaxCookieBytes (Config.MaxDataBytes in server storage); on
	// any error nothing changes.
	SetData func(w http.ResponseWriter, r *http.Request, key string, value any) error

	// DeleteData removes key from the session's Data; when key is absent
	// it writes nothing. It fails like SetData, and with ErrNoSession
	// without a session.
	DeleteData func(w http.ResponseWriter, r *http.Request, key string) error

	// Flash sets a flash value under key (a later Flash under the same
	// key replaces it): a message for the next page, after a redirect. It
	// fails like SetData and, like it, starts a visitor's session when
	// there is none. To greet a new sign-in, pass WithFlash to
	// CreateSession.
	Flash func(w http.ResponseWriter, r *http.Request, key string, value any) error

	// Flashes returns the session's flash values and removes them, so each
	// value is read exactly once; read one with [Get]. With a store the
	// removal is committed at once, as a compare-and-swap: of two requests
	// reading them at once (two tabs, an older cookie), one gets them.
	// Without a session or without flash values it returns nil and writes
	// nothing. Call it before the response's header is written.
	Flashes func(w http.ResponseWriter, r *http.Request) (Data, error)

	// SessionData returns the data of the request's session, signed in or
	// not (nil without one), for reading with [Get]: behind the middleware
	// with this response's changes so far, else as the cookie carries it.
	// It is read-only: change it with SetData and DeleteData.
	SessionData func(r *http.Request) Data

	// Commit writes the session changes the request made so far, to the
	// store and to the cookie, before a handler writes the response:
	// behind the middleware, changes are committed once, automatically,
	// when the handler writes the header or returns (next-session's
	// autoCommit); Commit does it earlier, for a handler that streams or
	// wants to see the store's error, and it is how changes get written at
	// all with Config.DisableAutoCommit. Without the middleware each change
	// was committed as it was made, and Commit does nothing. Errors are
	// the changes' own (ErrStore, ErrConflict, ErrSessionTooLarge):
	// nothing was written.
	Commit func(w http.ResponseWriter, r *http.Request) error

	// RefreshSession extends the session's expiry (capped by MaxLifetime)
	// and re-issues the cookie.
	RefreshSession func(w http.ResponseWriter, r *http.Request) (Session[U], error)

	// DeleteSession clears the cookie (every chunk) and revokes the
	// session in the store, if one is configured: the request's session
	// or, after CreateSession in the same handler, the one it issued. A
	// failed revocation is returned wrapping ErrStore (the cookie is
	// cleared regardless), and is kept and retried in the background
	// while this instance already treats the session as revoked.
	DeleteSession func(w http.ResponseWriter, r *http.Request) error

	// IsAuthenticated reports whether the request has a valid session.
	IsAuthenticated func(r *http.Request) bool

	// EncryptSession returns the token for s, under the current secret. An
	// empty s.ID is replaced by a fresh one; zero CreatedAt and LastActivity
	// become now, and a zero ExpiresAt becomes LastActivity + Expiry.
	//
	// The token rules are DecryptSession's: a token EncryptSession returns
	// without error, DecryptSession opens at the same instant. So it
	// refuses a user with an empty id (ErrNoUserID), a token over
	// MaxCookieBytes (ErrSessionTooLarge), a session already past its
	// expiry plus Leeway (ErrTokenExpired) or past MaxLifetime from its
	// creation (ErrMaxLifetime), and times out of the token's range
	// (ErrInvalidToken). To mint a token of another time, for a test, use
	// a Config whose Now returns that time.
	EncryptSession func(s Session[U]) (string, error)

	// DecryptSession decrypts and validates a token, without HTTP, the
	// token cache, the store or hooks, under the token rules that every
	// cookie read follows. Errors wrap ErrInvalidToken, ErrTokenExpired or
	// ErrMaxLifetime.
	DecryptSession func(token string) (Session[U], error)

	// IsSessionExpired reports whether s is past its expiry or its maximum
	// lifetime.
	IsSessionExpired func(s Session[U]) bool

	// ShouldRefreshSession reports whether s was issued more than
	// RefreshThreshold ago and can still be extended.
	ShouldRefreshSession func(s Session[U]) bool

	// RevokeUserSessions ends every session of the user ("log out
	// everywhere") and returns how many it ended. It needs Config.Store;
	// without one it returns ErrNoStore. Errors wrap ErrStore; a failed
	// revocation is retried in the background (sessions signed in after
	// the call are spared).
	RevokeUserSessions func(ctx context.Context, userID string) (int, error)

	// RevokeSession ends one session of the user, such as a device
	// picked from ListUserSessions. It returns ErrNoSession when the
	// session is not live or belongs to another user, and ErrNoStore
	// without Config.Store.
	RevokeSession func(ctx context.Context, userID, sessionID string) error

	// ListUserSessions returns the user's live sessions ("your devices"),
	// most recently seen first: at most the store's per-user cap
	// (DefaultMaxSessionsPerUser unless configured). It needs
	// Config.Store; without one it returns ErrNoStore. Errors wrap
	// ErrStore.
	ListUserSessions func(ctx context.Context, userID string) ([]SessionRecord, error)

	// Close stops the background work of a store: the goroutine that
	// retries revocations the store could not take (it runs only while
	// one is pending). It makes one last attempt at each within ctx, then
	// abandons the rest, logging how many at error level and returning an
	// error wrapping ErrStore. Call it when the AuthSession is no longer
	// used: on shutdown, when a configuration is reloaded or a tenant's
	// AuthSession dropped. The functions keep working after it, but a
	// revocation that fails is then no longer retried (this instance still
	// refuses the session). It is idempotent: later calls return nil.
	// Without it, the goroutine ends, abandoning what is pending, once the
	// garbage collector finds none of the AuthSession's functions
	// reachable.
	Close func(ctx context.Context) error

	// Keep marks the request's session state as used after the handler
	// returns (a goroutine given r or its context): with
	// Config.ReuseRequestState it is then never reused for another
	// request. Call it before the handler returns. Without
	// ReuseRequestState, or on a request no middleware of this
	// AuthSession began, it does nothing.
	Keep func(r *http.Request)

	// Middleware is the route guard; see the package doc's "Route rules".
	Middleware func(next http.Handler) http.Handler

	// RequireSession is middleware for one handler or router group that
	// needs a session whatever the route rules say, with or without
	// Middleware in front: a browser without a session gets the guard's
	// login redirect (with callbackUrl), a JSON client a 401. The session
	// is decoded once per request (reused from Middleware when it ran)
	// and is in the request context for GetSession and
	// SessionFromContext.
	RequireSession func(next http.Handler) http.Handler

	// Require is RequireSession that also needs allow(session) to be
	// true: a signed-in visitor who fails it gets a 403 (JSON for JSON
	// clients, Config.ForbiddenHandler or a small HTML page for browsers).
	// allow receives the typed session and is called concurrently. Build
	// the middleware once at start-up: mux.Handle("/admin/",
	// auth.Require(isAdmin)(adminHandler)).
	Require func(allow func(Session[U]) bool) func(next http.Handler) http.Handler

	// MiddlewareWith is Middleware with a custom hook, next-auth-session's
	// middleware(request, customHandler): hook runs after Config.Authorize
	// returned nil and may likewise override the guard's response. Call it
	// once at start-up, not per request.
	MiddlewareWith func(hook AuthorizeFunc) func(next http.Handler) http.Handler

	// Handlers serves the session API at Config.APIPath and the browser
	// client below it. Middleware serves it itself for those paths
	// (Config.APIPath, APIPath/, APIPath/client.js, APIPath/client.d.ts),
	// whatever the route rules say, so that the browser client always
	// works and no other handler is reached through them: behind
	// Middleware it needs no route. Mount it only on a router that
	// Middleware does not wrap (mux.Handle("/api/session", auth.Handlers)
	// and mux.Handle("/api/session/", auth.Handlers)).
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

	// ScriptPath is the versioned URL path of the browser client, such as
	// "/api/session/client.js?v=0123456789abcdef", for a page's script
	// tag. The version is a hash of the embedded script, so the URL
	// changes whenever the script does and browsers may cache it for a
	// year; the bare URL is always revalidated.
	ScriptPath string `json:"scriptPath"`
}

// NextAuthSession validates cfg, applies defaults and returns the configured
// functions. Every configuration mistake is reported here, wrapping
// ErrConfig and naming the field.
func NextAuthSession[U any](cfg Config[U]) (*AuthSession[U], error) {
	rc, err := cfg.resolve()
	if err != nil {
		return nil, err
	}
	cfg = rc.cfg
	e, err := newEngine(cfg)
	if err != nil {
		return nil, err
	}
	a := &AuthSession[U]{
		CreateSession:        e.createSession,
		GetSession:           e.getSession,
		UpdateSession:        e.updateSession,
		SetData:              e.setData,
		DeleteData:           e.deleteData,
		Flash:                e.flash,
		Flashes:              e.flashes,
		SessionData:          e.sessionData,
		Commit:               e.commit,
		RefreshSession:       e.refreshSession,
		DeleteSession:        e.deleteSession,
		IsAuthenticated:      e.isAuthenticated,
		EncryptSession:       e.encryptSession,
		DecryptSession:       e.decryptSession,
		IsSessionExpired:     e.isExpired,
		ShouldRefreshSession: e.shouldRefresh,
		RevokeUserSessions:   e.revokeUserSessions,
		RevokeSession:        e.revokeSessionID,
		ListUserSessions:     e.listUserSessions,
		Close:                e.revs.close,
		Keep:                 e.keep,
		Actions:              newActions(e),
		Config:               cfg,
		ClientConfig: ClientConfig{
			BasePath:         cfg.APIPath,
			LoginPath:        cfg.LoginPath,
			HomePath:         cfg.HomePath,
			RefreshThreshold: int64(cfg.RefreshThreshold / time.Second),
			SessionExpiry:    int64(cfg.Expiry / time.Second),
			ScriptPath:       clientScriptPath(cfg.APIPath),
		},
	}
	a.Handlers = newHandlers(e, a.Actions, rc.csrf)
	g := newGuard(e, rc.table, a.Handlers)
	a.Middleware, a.MiddlewareWith = g.middleware(nil), g.middleware
	a.RequireSession, a.Require = g.require(nil), g.require
	return a, nil
}
