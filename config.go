package authsession

import (
	"context"
	"log/slog"
	"net/http"
	"time"
)

// Default values applied by [NextAuthSession] to zero fields of [Config],
// documented on each field; a program reads them from the resolved
// AuthSession.Config. Two are derived: RefreshThreshold is
// defaultRefreshThreshold but at most half of Expiry, and an Expiry over
// defaultMaxLifetime needs an explicit MaxLifetime.
const (
	defaultExpiry           = 7 * 24 * time.Hour
	defaultRefreshThreshold = 24 * time.Hour
	defaultMaxLifetime      = 30 * 24 * time.Hour
	defaultCookieName       = "session"
	defaultMaxCookieBytes   = 16 << 10
	defaultLeeway           = 5 * time.Second
	defaultLoginPath        = "/login"
	defaultHomePath         = "/"
	defaultAPIPath          = "/api/session"
	defaultCacheBytes       = 8 << 20
	defaultTouchAfter       = time.Minute
	defaultStoreTimeout     = 250 * time.Millisecond
	defaultGenerationGrace  = 5 * time.Second
	defaultMaxDataBytes     = 1 << 20

	// minSecretBytes is the shortest secret NextAuthSession accepts.
	minSecretBytes = 32

	// secretEnv is the environment variable that supplies Config.Secret
	// when it is empty.
	secretEnv = "SESSION_SECRET"
)

// Storage says where a session lives; see [Config.Storage].
type Storage int

const (
	// StorageCookie keeps the whole session in the encrypted cookie (a
	// JWE the Node.js jose package reads): stateless, unless a
	// [Config.Store] records sessions for revocation. The default.
	StorageCookie Storage = iota
	// StorageServer keeps the whole session in [Config.Store] and only
	// its id, sealed, in the cookie (at most 200 characters whatever the
	// session holds), as next-session and scs do. The store is required.
	StorageServer
)

// Secret is key material. Its String, GoString, MarshalJSON and LogValue
// methods redact it, so a Config printed or logged by mistake leaks nothing.
type Secret string

// String returns "[redacted]".
func (Secret) String() string { return "[redacted]" }

// GoString returns "[redacted]".
func (Secret) GoString() string { return "[redacted]" }

// MarshalJSON encodes the secret as the string "[redacted]".
func (Secret) MarshalJSON() ([]byte, error) { return []byte(`"[redacted]"`), nil }

// LogValue implements [slog.LogValuer].
func (Secret) LogValue() slog.Value { return slog.StringValue("[redacted]") }

// CookieConfig holds the attributes of the session cookie. HttpOnly is
// always set and cannot be turned off.
type CookieConfig struct {
	// Name of the cookie. Default "session". A name starting with "__Host-"
	// requires Secure, Path "/" and no Domain; "__Secure-" requires Secure.
	// The name is also the HKDF salt: renaming the cookie invalidates every
	// session issued under the old name.
	Name string

	// Path attribute. Default "/".
	Path string

	// Domain attribute. Default none (host-only cookie).
	Domain string

	// SameSite attribute. Default (zero value) is Lax. None requires Secure.
	SameSite http.SameSite

	// Insecure turns off the Secure attribute, for plain-HTTP development
	// servers only. Default false: cookies are Secure.
	Insecure bool

	// AcceptBothNames also reads the session from the other one of
	// "__Secure-<name>" and "<name>" (Name with its "__Secure-" prefix
	// toggled), for apps behind a TLS-terminating proxy, where Auth.js and
	// NextAuth.js pick the prefix from the scheme they see. Each name has
	// its own key (the name is the HKDF salt); a session read under one
	// name is re-issued under it, a new one is written under Name. A
	// plain name can be set by anyone on the network path of a plain-HTTP
	// request (see SECURITY.md). Not allowed with a "__Host-" Name.
	// Default false: only Name.
	AcceptBothNames bool
}

// Config configures [NextAuthSession]. The zero value of every field selects
// the default documented on it; only the secret is required, and it may come
// from the SESSION_SECRET environment variable. NextAuthSession validates
// every field at once (config_resolve.go): a mistake is an error wrapping
// [ErrConfig] that names the field, never a failure at the first request.
//
// U is the user type stored in the session; use [User] unless you bring your
// own JSON-serialisable type.
type Config[U any] struct {
	// Secret is the current encryption secret, at least 32 bytes.
	// Default: the value of $SESSION_SECRET. Generate one with
	// `openssl rand -base64 32`.
	Secret Secret

	// PreviousSecrets are older secrets whose tokens are still accepted
	// (rotation). A token under a previous secret is re-issued under Secret
	// on the next write.
	PreviousSecrets []Secret

	// Expiry is the sliding session lifetime. Default 7 days. With
	// FormatAuthJS and FormatNextAuthV4 it is the lifetime of sessions
	// created here: a refresh keeps the lifetime the token was issued
	// with (exp - iat, the Next.js app's session.maxAge).
	Expiry time.Duration

	// RefreshThreshold is how long after its last (re-)issue a session is
	// re-issued with a fresh expiry by auto refresh. Default 1 day, or
	// half of Expiry when that is shorter: min(1 day, Expiry/2). A value
	// at or above Expiry (next-auth-session's sessionExpiry of one day
	// with its one-day threshold) could never trigger before the session
	// expires: NextAuthSession clamps it to Expiry/2 and logs one warning.
	// Must not be negative.
	RefreshThreshold time.Duration

	// MaxLifetime is the absolute lifetime measured from the session's
	// creation; no refresh extends a session past it. Default 30 days.
	// It must not be below Expiry: an Expiry over 30 days needs an
	// explicit MaxLifetime. The foreign formats carry the creation time
	// in the "authsession_created_at" claim; a token without it counts
	// from its iat.
	MaxLifetime time.Duration

	// DisableAutoRefresh turns off the automatic re-issue of sessions older
	// than RefreshThreshold. Default false (auto refresh on).
	DisableAutoRefresh bool

	// Cookie holds the cookie attributes.
	Cookie CookieConfig

	// Format is the token format: FormatDefault (which the zero value ""
	// selects), or FormatAuthJS / FormatNextAuthV4 to share the session
	// cookie of a Next.js app using Auth.js v5 or NextAuth.js v4. With
	// those, the default cookie name is theirs
	// ("__Secure-authjs.session-token", "__Secure-next-auth.session-token",
	// without the prefix when Cookie.Insecure is set), the secret is their
	// AUTH_SECRET / NEXTAUTH_SECRET, the default Leeway is 15 seconds and
	// Store is not allowed (see docs/nextjs.md).
	Format TokenFormat

	// MaxCookieBytes caps the encrypted token's total size across all
	// cookie chunks. Creating or updating a larger session fails with
	// ErrSessionTooLarge; reading a larger cookie is "no session" (Auth.js
	// and NextAuth.js have no such limit: raise it for larger sessions).
	// Default 16 KiB; at most what 32 cookie chunks carry (about 124 KiB;
	// 123 KiB for the foreign formats).
	MaxCookieBytes int

	// Leeway is the clock-skew allowance for the exp and nbf claims and,
	// in the default format, iat (the foreign formats do not check iat,
	// as Auth.js does not). Default 5 seconds, 15 seconds for
	// FormatAuthJS and FormatNextAuthV4; a negative value means none.
	Leeway time.Duration

	// OnValidate, if set, is called for every session read from a request;
	// returning false ends the session.
	OnValidate func(ctx context.Context, s Session[U]) bool

	// OnRefresh, if set, is called before a session is re-issued with a
	// new expiry. It may return a changed session. Returning the zero
	// Session (next-auth-session's null) or a non-nil error ends the
	// session: the cookie is cleared, RefreshSession fails with
	// ErrRejected and POST /api/session answers 401. With a Store, a
	// changed session gets its next generation, as an update does (see
	// GenerationGrace); call [Session.MarkPrivilegeChange] on it for a
	// change of privileges.
	OnRefresh func(ctx context.Context, s Session[U]) (Session[U], error)

	// Logger receives debug-level reasons for rejected cookies and
	// warnings for store failures. It never receives tokens or secrets.
	// Default slog.Default().
	Logger *slog.Logger

	// Now is the clock. Default time.Now.
	Now func() time.Time

	// Routes are the guard's rules; see [Public], [Auth] and [Hybrid].
	Routes []Rule

	// DefaultRouteType applies to paths that match no rule. Default
	// RouteHybrid (open); RouteAuth denies by default, so a route added to
	// the router but not to Routes needs a session.
	DefaultRouteType RouteType

	// LoginPath is where the guard sends visitors without a session.
	// Default "/login".
	LoginPath string

	// HomePath is where the guard sends signed-in visitors away from
	// public-only routes. Default "/".
	HomePath string

	// Locales are path prefixes (such as "en", "ar") stripped before route
	// matching and kept on redirects. They match exactly (case-sensitive).
	// A first segment shaped like a language tag that is not listed (fr,
	// EN, en-US) is judged both as part of the path and as a language a
	// router strips, and the stricter verdict applies: see
	// docs/locales.md for the router patterns that pair safely with them. A
	// rule, LoginPath or HomePath may not start with a locale (the guard
	// strips it before matching and adds it to redirects itself).
	Locales []string

	// Authorize, if set, runs after the guard's own decision; see
	// [AuthorizeFunc].
	Authorize AuthorizeFunc

	// ForbiddenHandler, if set, answers browsers that have a session but
	// fail an AuthWhere rule or AuthSession.Require; it must write the 403
	// status itself. JSON clients always get a JSON 403. Default: a small
	// HTML page with a link to HomePath. It is called concurrently.
	ForbiddenHandler http.Handler

	// APIPath is the path at which Handlers is mounted. Default
	// "/api/session". The guard always lets APIPath, APIPath/ and the
	// browser client's files below it (client.js, client.d.ts) through,
	// whatever the rules say: the API does its own checks. Requests under
	// its first segment ("/api" by default) get the guard's JSON answers
	// instead of redirects.
	APIPath string

	// UpdatableFields lists the JSON names of the top-level user fields
	// that PATCH /api/session, Actions.Update and the browser client's
	// update() may change. Default (nil): "name" and "image", the display
	// fields, for user types that encode to a JSON object; "id", "email",
	// roles, every other field and the tokens never change unless listed.
	// A non-nil empty list ([]string{}) allows no field. "id" can never be
	// listed. (next-auth-session spreads whatever the client sends into
	// the session; here the list decides, and ValidateUpdate can refuse
	// values.)
	UpdatableFields []string

	// ValidateUpdate, if set, sees the user before and after a PATCH and
	// may refuse the change by returning an error.
	ValidateUpdate func(old, updated U) error

	// ExposeAccessToken includes the access token in GET /api/session.
	// The refresh token is never sent. Default false.
	ExposeAccessToken bool

	// ExposeData includes the session's Data in the session API's
	// responses (GET /api/session and the others), for browser
	// JavaScript. Flash values are never sent. Default false: data stays
	// on the server.
	ExposeData bool

	// Events are hooks for audit logs and metrics, called after sign-in,
	// sign-out, refresh and revocation; see [Events]. Default none.
	Events Events[U]

	// NewSessionID, if set, generates session ids (next-session's genid)
	// instead of 128 random bits. Each id must be 21 to 128 characters of
	// the URL-safe alphabet (A-Z, a-z, 0-9, "-", "_") and random: NextAuthSession calls it three times and
	// refuses it (naming NewSessionID) when an id is invalid or repeats,
	// and every id it returns later is checked too (an invalid one fails
	// the sign-in with ErrSessionID). It is called concurrently.
	NewSessionID func() string

	// TrustedOrigins are extra origins (scheme://host[:port]) allowed to
	// make unsafe requests to Handlers.
	TrustedOrigins []string

	// Storage is where sessions live: StorageCookie (the default) or
	// StorageServer, which needs a Store. Every operation, the guard, the
	// session API and the browser client work the same in both: switching
	// is this one line (sessions of the other storage then read as "no
	// session"). Not StorageServer with FormatAuthJS or FormatNextAuthV4.
	Storage Storage

	// Store, if set, records live sessions so they can be revoked; with
	// StorageServer it holds the sessions themselves. Not with
	// FormatAuthJS or FormatNextAuthV4, whose cookies the Next.js app
	// re-encodes with a fresh session id.
	Store Store

	// MaxDataBytes caps a session kept in the store with StorageServer:
	// its sealed JSON (user, tokens, data, flash values). A change that
	// would take it past the cap fails with ErrSessionTooLarge and the
	// stored session stays as it was. Default 1 MiB.
	// Cookie storage's cap is MaxCookieBytes.
	MaxDataBytes int

	// DisableAutoCommit turns off the automatic commit: behind Middleware,
	// RequireSession and Require, the changes a request makes to its
	// session (sign-in, data, flash values, updates, refreshes, sign-out)
	// are written to the store and the cookie once, when the handler
	// writes the response's header (or returns), unless this is set; then
	// nothing is written until the handler calls AuthSession.Commit, and
	// changes left uncommitted are dropped (and logged). Default false, as
	// next-session's autoCommit. Handlers reached without any of the
	// middleware commit each change as it is made.
	DisableAutoCommit bool

	// ReuseRequestState has Middleware, RequireSession and Require reuse
	// a request's session state (the request they hand on, its context,
	// the session read and the writer that commits it: about 500 bytes)
	// for a later request once the handler has returned, instead of
	// allocating it for each request: a guarded request then allocates
	// nothing. Set it only when nothing behind the middleware uses the
	// request, its context or the response writer after the handler
	// returns. A goroutine that outlives its handler, or
	// http.TimeoutHandler placed under the middleware (place it outside),
	// would otherwise read a later request's session. A handler that
	// does hand them on calls AuthSession.Keep(r) before it returns: that
	// request's state is never reused. Default false: each request's
	// state is its own, as long as anything refers to it.
	ReuseRequestState bool

	// TouchAfter limits how often the store's last-seen time is written:
	// a request within TouchAfter of the session's last-seen time reads
	// the store without writing. Default 1 minute; a negative value (-1,
	// as next-session's touchAfter) never touches.
	TouchAfter time.Duration

	// StoreFailOpen treats the session cookie as valid when the store is
	// unreachable. Default false: fail closed (no session). A session
	// whose revocation is pending on this instance stays revoked either
	// way.
	StoreFailOpen bool

	// StoreTimeout is the deadline of the store calls of one operation (a
	// request's session check and touch, a sign-in, a logout, a listing):
	// past it they fail like an unreachable store, so a frozen store costs
	// a request at most this long. The store must honour its context (for
	// go-redis, set ContextTimeoutEnabled). Default 250ms; must not be
	// negative.
	StoreTimeout time.Duration

	// GenerationGrace is how long, with a Store, the tokens a session had
	// before a change (UpdateSession, Actions.Update and PATCH, an
	// OnRefresh that changed it) keep working after it: for requests
	// already in flight when the new cookie was issued. Past it they are
	// "no session". A change marked with [Session.MarkPrivilegeChange] has
	// none: it ends every older token at once. Default 5 seconds; a
	// negative value means none.
	GenerationGrace time.Duration

	// CacheBytes caps the memory of the verified-token cache. Default
	// 8 MiB; a negative value disables the cache.
	CacheBytes int
}
