// Types for the authsession browser client (client.js).
//
// What the client expects from the session API at `basePath` (default
// "/api/session"), all JSON, all same-origin:
//
//   GET    basePath          200 {"session": Session | null, "refreshThreshold": seconds, "sessionExpiry": seconds}
//   POST   basePath          200 {"session": Session}    (refresh)   401 {"error": {"code", "message"}}
//   PATCH  basePath          body: {"user": {...fields}}, e.g. {"user": {"name": "Ann"}}
//                            200 {"session": Session}    400/403 {"error": {"code", "message"}}
//   DELETE basePath          200 {"session": null}       (logout)
//
// Tolerated variations: a 2xx body without "session" after POST/PATCH/DELETE
// makes the client ask again with GET, and a GET body without "session" (or
// with a malformed one, lacking a "user" object) means "no session". A 401 on
// any request means "no session" too. Other failures (network, timeout, 4xx,
// 5xx, a GET answered with a body that is not JSON, such as an HTML page)
// leave the session as it was and set `error`; on load they end "loading" as
// "unauthenticated".
// Any `refreshToken` in a session is dropped on arrival.
//
// Units: every duration the JavaScript API takes or gives is in
// milliseconds, as in next-auth-session. Only the JSON above counts in
// seconds (refreshThreshold and sessionExpiry, as the Go server sends them);
// the client converts them. The client starts at most one request a second
// by itself (timers, activity, focus, path changes), whatever the options.

/** The user object of a session: the fixed fields plus any extra ones. */
export interface SessionUser {
  id: string;
  email?: string;
  name?: string;
  image?: string;
  [field: string]: unknown;
}

/** next-auth-session's name for the default user type. */
export type User = SessionUser;

// Every type below is generic over the user type U: SessionUser by
// default, or your own (an interface works: no index signature needed).

/** A session as the API sends it to the browser (tokens never included, except an access token when the server exposes it). */
export interface Session<U extends object = SessionUser> {
  user: U;
  /** Only when the server is configured to expose it. */
  accessToken?: string;
  /** Unix milliseconds. */
  expiresAt: number;
  /** The same instant as an ISO 8601 string. */
  expiryDate: string;
  /** Unix milliseconds: when the user signed in. */
  createdAt: number;
  /** Unix milliseconds: when the session was last issued or refreshed. */
  lastActivity: number;
  /** The session's application data: only when the server sets Config.ExposeData (flash values never). */
  data?: Record<string, unknown>;
  /** True when the cookie is a browser-session cookie ("remember me" was not chosen). */
  transient?: boolean;
}

/** The body of GET basePath, which can also be rendered into the page. */
export interface SessionEnvelope<U extends object = SessionUser> {
  session: Session<U> | null;
  /** Seconds, as on the wire (the client's `refreshThreshold` is in ms). */
  refreshThreshold?: number;
  /** Seconds, as on the wire (the client's `sessionExpiry` is in ms). */
  sessionExpiry?: number;
}

export type SessionStatus = "loading" | "authenticated" | "unauthenticated";

/**
 * A failure. `code` is the API's error code ("unauthenticated",
 * "forbidden", …) or one of the client's own: "network_error", "timeout",
 * "bad_response" (a GET answered 2xx with a body that is not JSON),
 * "bad_request" (update() given a non-object), "unsupported" (no fetch),
 * "destroyed", or "http_<status>" when the body named none.
 * `status` is the HTTP status, 0 when there was no response.
 */
export interface SessionError {
  readonly code: string;
  readonly message: string;
  readonly status: number;
}

/** What every operation resolves to. The promises never reject. */
export interface SessionResult<U extends object = SessionUser> {
  ok: boolean;
  /** The client's session after the operation. */
  session: Session<U> | null;
  error: SessionError | null;
}

/**
 * A frozen snapshot of the client's state. getState() returns the same
 * object until the state changes (then the subscribers get the new one), so
 * it can feed React's useSyncExternalStore directly.
 */
export interface SessionState<U extends object = SessionUser> {
  readonly status: SessionStatus;
  readonly session: Session<U> | null;
  readonly user: U | null;
  readonly error: SessionError | null;
  /** Unix milliseconds, or null without a session. */
  readonly expiresAt: number | null;
  /**
   * Milliseconds until expiry (never negative), or null without a session,
   * as of the snapshot: the last change or recalculate().
   */
  readonly expiresIn: number | null;
  readonly isExpiringSoon: boolean;
}

/**
 * Why listeners were called: the initial state, a GET, one of the
 * operations, a message from another tab, a failure (see `error`), or new
 * expiresIn / isExpiringSoon values (recalculate(), or the session entering
 * its expiring-soon window).
 */
export type ChangeReason = "initial" | "fetch" | "refresh" | "update" | "logout" | "sync" | "error" | "recalculate";

export type SessionListener<U extends object = SessionUser> = (state: SessionState<U>, reason: ChangeReason) => void;

export interface SessionClientOptions<U extends object = SessionUser> {
  /** Where the session API is mounted; must be a path on this origin. Default "/api/session". */
  basePath?: string;
  /**
   * The session the server rendered into the page (or null for "signed
   * out"), or the whole GET body. When given, no request is made on load;
   * a value that is none of these (no "user" object) means "fetch on load".
   */
  initialSession?: Session<U> | SessionEnvelope<U> | null;
  /**
   * The id of a `<script type="application/json">` element holding the
   * initial session or GET body, read when `initialSession` is not given.
   * Default "authsession-initial"; false to skip. A missing element or bad
   * JSON means "fetch on load".
   */
  initialElement?: string | false;
  /**
   * GET the session on load when no initial session was given. Default
   * true; false starts "unauthenticated" without a request.
   */
  fetchOnLoad?: boolean;
  /**
   * Milliseconds between background GETs while the page is visible; 0
   * (default) turns polling off. At least 1000; at most 2³¹−1 (clamped).
   */
  refetchInterval?: number;
  /**
   * Milliseconds between refreshes (POST: the session is extended) while
   * the page is visible and a session exists; 0 (default) turns it off. At
   * least 1000; at most 2³¹−1 (clamped). next-auth-session's
   * refreshInterval; refetchInterval only re-reads.
   */
  refreshInterval?: number;
  /**
   * GET the session when the page's path changes without a page load
   * (a single-page app's navigation): through the Navigation API where the
   * browser has it, else popstate and wrapped history.pushState /
   * replaceState, unwrapped by destroy(). Query or hash changes alone do
   * not count. Default false.
   */
  refetchOnPathChange?: boolean;
  /** GET again when the window gains focus or the page becomes visible. Default true. */
  refetchOnWindowFocus?: boolean;
  /**
   * Refresh (POST) on user activity — mouse, keyboard, touch, scroll —
   * once the session's lastActivity is older than activityRefreshInterval.
   * Default true.
   */
  refreshOnActivity?: boolean;
  /**
   * Milliseconds: on activity, refresh once the session is this old
   * (next-auth-session's activityRefreshInterval), and no sooner than this
   * after the last activity refresh (a failed one is retried after a
   * minute). Default: the server's refreshThreshold (one day). At least
   * 1000.
   */
  activityRefreshInterval?: number;
  /** Milliseconds before expiry at which isExpiringSoon turns true. Default 3600000 (one hour). At least 1000. */
  expiringSoonThreshold?: number;
  /** Share logouts and session changes with other tabs. Default true. */
  crossTab?: boolean;
  /** Milliseconds before a request is given up ("timeout" error). Default 30000; 0 waits forever. At least 1000. */
  timeout?: number;
  /**
   * Called with each warning about an option (once per message), instead
   * of console.warn. A duration that cannot be meant — not a number, NaN,
   * negative, infinite, or under one second — is ignored (its default
   * applies) and a timer past 2³¹−1 ms is clamped, each with a warning
   * that names the option and its unit.
   */
  onWarning?: (message: string) => void;
  /** Injected for tests or other environments; default globalThis.fetch. */
  fetch?: (url: string, init: RequestInit) => Promise<Response>;
  /** Default globalThis.window; null turns off every DOM integration. */
  window?: Window | null;
  /** Default globalThis.BroadcastChannel; null falls back to storage events. */
  BroadcastChannel?: typeof BroadcastChannel | null;
}

export interface RequireAuthOptions {
  /** Aborting it stops the watch: no redirect after that (a component that unmounts). */
  signal?: AbortSignal;
}

export interface LogoutOptions {
  /** A path on this origin to go to after a successful logout. */
  redirectTo?: string;
}

export interface SignInOptions {
  /**
   * Where to land after signing in: a path on this origin (anything else
   * is ignored with a warning). Default: the current path and query.
   */
  callbackUrl?: string;
  /** Where the server mounts its sign-in routes. Default "/auth". */
  basePath?: string;
  /** Default globalThis.window; for tests and other environments. */
  window?: Window | null;
}

export interface SessionClient<U extends object = SessionUser> {
  readonly status: SessionStatus;
  readonly session: Session<U> | null;
  readonly user: U | null;
  readonly error: SessionError | null;
  /** Unix milliseconds, or null. */
  readonly expiresAt: number | null;
  /** Milliseconds until expiry, or null. */
  readonly expiresIn: number | null;
  readonly isExpiringSoon: boolean;
  /** Milliseconds: the server's refresh threshold (sent in seconds); one day until known. */
  readonly refreshThreshold: number;
  /** Milliseconds: the server's session lifetime (sent in seconds); null until known. */
  readonly sessionExpiry: number | null;
  /** Resolves once the status is no longer "loading" (or on destroy). A failed first GET ends loading as "unauthenticated" with `error` set. */
  readonly ready: Promise<SessionState<U>>;
  /** The current snapshot: the same object until the state changes. */
  getState(): SessionState<U>;
  /**
   * Recomputes expiresIn and isExpiringSoon now; when they changed, the
   * snapshot is replaced and subscribers are notified ("recalculate").
   * Returns the current snapshot. No request is made.
   */
  recalculate(): SessionState<U>;
  /** Calls fn on every change; returns the function that stops it. */
  subscribe(fn: SessionListener<U>): () => void;
  /** GET the session; concurrent calls share one request. */
  refetch(): Promise<SessionResult<U>>;
  /** POST: extend the session. */
  refresh(): Promise<SessionResult<U>>;
  /** PATCH the given user fields. */
  update(fields: Partial<U> & Record<string, unknown>): Promise<SessionResult<U>>;
  /**
   * DELETE: end the session here and in other tabs. A 401 counts as
   * success. An event in place of the options is ignored, so
   * `button.onclick = client.logout` works.
   */
  logout(options?: LogoutOptions | Event): Promise<SessionResult<U>>;
  /**
   * Redirects to loginPath?callbackUrl=<current path and query> when the
   * status is (or later becomes) "unauthenticated" as the server said so
   * (not after a network or server failure). Resolves to true when
   * authenticated once loaded. loginPath must be a local path (anything else
   * means "/login"); default "/login". Aborting options.signal stops the
   * watch; it then resolves to false.
   */
  requireAuth(loginPath?: string, options?: RequireAuthOptions): Promise<boolean>;
  /** Removes every listener, timer and channel; aborts requests in flight. */
  destroy(): void;
}

export function createSessionClient<U extends object = SessionUser>(options?: SessionClientOptions<U>): SessionClient<U>;

/**
 * Starts a sign-in with an identity provider (OpenID Connect): the page
 * goes to `<basePath>/signin/<provider>?callbackUrl=<path>`, by default
 * `/auth/signin/<provider>?callbackUrl=<current path and query>`. The
 * provider id is letters, digits, ".", "_" and "-" (at most 64). Returns
 * the URL it went to, or null (with a console warning) when the provider
 * id or basePath is unusable or there is no window.
 */
export function signIn(provider: string, options?: SignInOptions): string | null;

/** Parses the JSON in the element with this id; undefined when missing or invalid. */
export function readInitialSession(id?: string, doc?: Document): unknown;
