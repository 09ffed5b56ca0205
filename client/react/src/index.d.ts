// Types for @authsession/react. The session, its user and the errors are the
// browser client's types (./client.d.ts, a copy of client/client.d.ts),
// re-exported here. Every hook is generic over the user type: pass your own
// (an interface is fine), as in useSession<AppUser>().
import type { ReactElement, ReactNode, SyntheticEvent } from "react";
import type {
  LogoutOptions,
  Session,
  SessionClient,
  SessionEnvelope,
  SessionError,
  SessionResult,
  SessionStatus,
  SessionUser,
} from "./client.js";

export type {
  SignInOptions,
  User,
  ChangeReason,
  LogoutOptions,
  RequireAuthOptions,
  Session,
  SessionClient,
  SessionClientOptions,
  SessionEnvelope,
  SessionError,
  SessionListener,
  SessionResult,
  SessionState,
  SessionStatus,
  SessionUser,
} from "./client.js";
export { createSessionClient, signIn } from "./client.js";

/**
 * SessionProvider's props: next-auth-session's, plus a few of the client's
 * own. Durations are in milliseconds, as in next-auth-session; a value that
 * cannot be meant (under one second, negative, NaN, Infinity, not a
 * number) is ignored with one console warning naming the prop, and no
 * value makes the provider send more than one request a second. The
 * provider reads the props when it mounts; changing them later has no
 * effect, except onSessionChange and children.
 */
export interface SessionProviderProps<U extends object = SessionUser> {
  children?: ReactNode;
  /**
   * The session the server already knows (or null for "signed out"), or the
   * whole GET /api/session body: no request on mount. Without it the
   * provider reads the `authsession-initial` JSON element, if the page has
   * one, else asks the server (see fetchOnMount).
   */
  initialSession?: Session<U> | SessionEnvelope<U> | null;
  /** GET the session on mount when no initial session was given. Default true; false starts "unauthenticated". */
  fetchOnMount?: boolean;
  /** Milliseconds between refreshes (POST: the session is extended) while the page is visible. Default 0 (off); at least 1000. */
  refreshInterval?: number;
  /** GET the session when the path changes without a page load (History / Navigation API). Default true. */
  refetchOnPathChange?: boolean;
  /** Refresh (POST) on user activity once the session is activityRefreshInterval old. Default true. */
  autoActivityRefresh?: boolean;
  /**
   * Milliseconds: on activity, refresh once the session is this old, and
   * no sooner than this after the last activity refresh. Default: the
   * server's refresh threshold (one day); at least 1000.
   */
  activityRefreshInterval?: number;
  /** Called with the new session (or null) whenever it changes after the provider mounted. */
  onSessionChange?: (session: Session<U> | null) => void;

  /** Where the session API is mounted. Default "/api/session". */
  basePath?: string;
  /** The id of the JSON element with the initial session; false to skip it. Default "authsession-initial". */
  initialElement?: string | false;
  /** Milliseconds between background GETs (a re-read; refreshInterval extends). Default 0 (off); at least 1000. */
  refetchInterval?: number;
  /** GET when the window gains focus or the page becomes visible. Default true. */
  refetchOnWindowFocus?: boolean;
  /** Milliseconds before expiry at which isExpiringSoon turns true. Default 3600000 (one hour). */
  expiringSoonThreshold?: number;
  /** Share sign-outs and session changes with the other tabs. Default true. */
  crossTab?: boolean;
  /** Milliseconds before a request is given up. Default 30000; 0 waits forever. */
  timeout?: number;
  /** Use this client instead of creating one; the provider then neither configures nor destroys it. */
  client?: SessionClient<U>;
}

/** Provides the session to the hooks below it. */
export function SessionProvider<U extends object = SessionUser>(props: SessionProviderProps<U>): ReactElement;

/** What update() takes: next-auth-session's shape, user fields under "user". */
export interface SessionUpdate<U extends object = SessionUser> {
  user: Partial<U> & Record<string, unknown>;
}

/** The operations of useSession(). The promises never reject. */
export interface SessionActions<U extends object = SessionUser> {
  /** POST: extend the session. */
  refresh(): Promise<SessionResult<U>>;
  /** GET: re-read the session (after a sign-in, say). */
  refetch(): Promise<SessionResult<U>>;
  /** PATCH the user fields the server allows: update({ user: { name: "Ann" } }). */
  update(data: SessionUpdate<U>): Promise<SessionResult<U>>;
  /**
   * DELETE: sign out here and in the other tabs; optionally go to a local
   * path. An event in place of the options is ignored, so
   * `<button onClick={logout}>` works as in next-auth-session.
   */
  logout(options?: LogoutOptions | SyntheticEvent): Promise<SessionResult<U>>;
}

/**
 * useSession()'s result. `status === "authenticated"` narrows `session` to
 * a Session. A failed request keeps the last known session (or, while
 * loading, ends as "unauthenticated") and sets `error`.
 */
export type UseSessionResult<U extends object = SessionUser> = (
  | { status: "authenticated"; session: Session<U> }
  | { status: "loading"; session: null }
  | { status: "unauthenticated"; session: null }
) & { error: SessionError | null } & SessionActions<U>;

export function useSession<U extends object = SessionUser>(): UseSessionResult<U>;

export type UseUserResult<U extends object = SessionUser> =
  | { user: U; isAuthenticated: true; isLoading: false }
  | { user: null; isAuthenticated: false; isLoading: true }
  | { user: null; isAuthenticated: false; isLoading: false };

export function useUser<U extends object = SessionUser>(): UseUserResult<U>;

export interface UseSessionExpiryResult {
  /** Unix milliseconds, or null without a session. */
  expiresAt: number | null;
  /** Milliseconds until expiry as of the last change or recalculate(), or null. */
  expiresIn: number | null;
  /** Expiry is within expiringSoonThreshold (one hour by default); turns true by itself. */
  isExpiringSoon: boolean;
  /** Brings expiresIn up to now (re-renders the expiry's users, no request): call it from a timer for a countdown. */
  recalculate(): void;
}

export function useSessionExpiry(): UseSessionExpiryResult;

export interface UseRequireAuthResult {
  isLoading: boolean;
  isAuthenticated: boolean;
}

/**
 * Sends the page to loginPath?callbackUrl=<path and query> when the server
 * says there is no session, now or later, while the component is mounted.
 * loginPath must be a local path; default "/login".
 */
export function useRequireAuth(loginPath?: string): UseRequireAuthResult;

/** The provider's client (null before it has started), for what the hooks do not cover. */
export function useSessionClient<U extends object = SessionUser>(): SessionClient<U> | null;
