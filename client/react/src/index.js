// @authsession/react: React bindings for the authsession browser client,
// with next-auth-session's names, props, units (milliseconds) and return
// shapes. Every request, timer, cross-tab message and redirect is the
// client's (./client.js, a copy of client/client.js made by the build),
// including the checks that keep any prop value from flooding the server;
// this module only connects it to React through useSyncExternalStore. See
// index.d.ts for the API.
import { createContext, createElement, useCallback, useContext, useEffect, useMemo, useRef, useState, useSyncExternalStore } from "react";
import { createSessionClient, readInitialSession } from "./client.js";

export { createSessionClient, signIn } from "./client.js";

const SessionContext = createContext(null);

const notReady = () =>
  Promise.resolve({
    ok: false,
    session: null,
    error: Object.freeze({ code: "not_ready", message: "the session provider has not started yet", status: 0 }),
  });

/**
 * The client options for the provider's props: next-auth-session's names
 * to the client's; durations pass as they are (milliseconds on both
 * sides), and so do the retired props, for the client's warning.
 */
function clientOptions(p) {
  return {
    basePath: p.basePath,
    initialSession: p.initialSession,
    initialElement: p.initialElement,
    fetchOnLoad: p.fetchOnMount !== false,
    refreshInterval: p.refreshInterval,
    refetchInterval: p.refetchInterval,
    refetchOnWindowFocus: p.refetchOnWindowFocus,
    refetchOnPathChange: p.refetchOnPathChange !== false,
    refreshOnActivity: p.autoActivityRefresh !== false,
    activityRefreshInterval: p.activityRefreshInterval,
    expiringSoonThreshold: p.expiringSoonThreshold,
    crossTab: p.crossTab,
    timeout: p.timeout,
    refreshThreshold: p.refreshThreshold,
    activityThrottle: p.activityThrottle,
  };
}

/**
 * The state to render before the provider's client exists (its effect has
 * not run yet): what an inert client makes of the same initial session,
 * so the first render already shows a session the page was given. The
 * inert client has no window, channel or timers left, and its fetch never
 * answers (it reports "loading" where the real one will ask the server).
 */
function firstState(p) {
  const options = clientOptions(p);
  if (options.initialSession === undefined && p.initialElement !== false) {
    options.initialSession = readInitialSession(p.initialElement || undefined);
  }
  const inert = createSessionClient({
    ...options,
    onWarning: () => {}, // the real client warns, once
    window: null,
    BroadcastChannel: null,
    crossTab: false,
    refreshInterval: 0,
    refetchInterval: 0,
    timeout: 0,
    fetch: () => new Promise(() => {}),
  });
  const state = inert.getState();
  inert.destroy();
  return state;
}

/**
 * Provides the session to the hooks below it. It creates one client when
 * it mounts (the props are read then) and destroys it when it unmounts,
 * unless a client was passed in the `client` prop (then the caller owns it).
 */
export function SessionProvider(props) {
  const given = props.client || null;
  const latest = useRef(props);
  useEffect(() => {
    latest.current = props;
  });
  const [pending] = useState(() => (given ? null : firstState(props)));
  const [owned, setOwned] = useState(null);
  const client = given || owned;
  // One warning per message for this provider, also when StrictMode mounts it twice.
  const [warned] = useState(() => new Set());

  useEffect(() => {
    if (given) return undefined;
    const onWarning = (m) => warned.has(m) || (warned.add(m), console.warn(m));
    const c = createSessionClient({ ...clientOptions(latest.current), onWarning });
    setOwned(c);
    return () => c.destroy();
  }, [given, warned]);

  useEffect(() => {
    if (!client) return undefined;
    let last = client.getState().session;
    return client.subscribe((state) => {
      if (state.session === last) return;
      last = state.session;
      const fn = latest.current.onSessionChange;
      if (typeof fn !== "function") return;
      try {
        fn(state.session);
      } catch (e) {
        (typeof reportError === "function" ? reportError : console.error)(e);
      }
    });
  }, [client]);

  const value = useMemo(() => ({ client, pending }), [client, pending]);
  return createElement(SessionContext.Provider, { value }, props.children);
}

function useStore(hook) {
  const store = useContext(SessionContext);
  if (!store) throw new Error(`@authsession/react: ${hook}() must be used inside <SessionProvider>`);
  return store;
}

const noSubscription = () => () => {};

function shallowEqual(a, b) {
  if (Object.is(a, b)) return true;
  if (!a || !b || typeof a !== "object" || typeof b !== "object") return false;
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => Object.is(a[k], b[k]));
}

/**
 * Subscribes the component to the part of the client's snapshot that
 * `select` picks: it re-renders only when that part changes (shallowly),
 * so a ticking expiry does not re-render every useSession() consumer.
 */
function useSelected(store, select) {
  const { client, pending } = store;
  const cache = useRef(null);
  const snapshot = () => {
    const state = client ? client.getState() : pending;
    const c = cache.current;
    if (c && c.state === state) return c.picked;
    const picked = select(state);
    cache.current = { state, picked: c && shallowEqual(c.picked, picked) ? c.picked : picked };
    return cache.current.picked;
  };
  return useSyncExternalStore(client ? client.subscribe : noSubscription, snapshot, snapshot);
}

const pickSession = (s) => ({ status: s.status, session: s.session, error: s.error });
const pickUser = (s) => ({ status: s.status, user: s.user });
const pickExpiry = (s) => ({ expiresAt: s.expiresAt, expiresIn: s.expiresIn, isExpiringSoon: s.isExpiringSoon });
const pickStatus = (s) => s.status;

/** The session, its status, the last error, and the operations. */
export function useSession() {
  const store = useStore("useSession");
  const { status, session, error } = useSelected(store, pickSession);
  const { client } = store;
  const refresh = useCallback(() => (client ? client.refresh() : notReady()), [client]);
  const refetch = useCallback(() => (client ? client.refetch() : notReady()), [client]);
  const logout = useCallback((options) => (client ? client.logout(options) : notReady()), [client]);
  const update = useCallback(
    (data) => {
      if (!client) return notReady();
      // next-auth-session's shape, { user: { ...fields } }; the client takes the fields.
      const user = data !== null && typeof data === "object" ? data.user : undefined;
      return client.update(user);
    },
    [client],
  );
  return useMemo(
    () => ({ session, status, error, refresh, refetch, update, logout }),
    [session, status, error, refresh, refetch, update, logout],
  );
}

/** The signed-in user, or null. */
export function useUser() {
  const { status, user } = useSelected(useStore("useUser"), pickUser);
  return useMemo(
    () => ({ user, isAuthenticated: status === "authenticated", isLoading: status === "loading" }),
    [user, status],
  );
}

/** When the session ends; recalculate() brings expiresIn up to now. */
export function useSessionExpiry() {
  const store = useStore("useSessionExpiry");
  const { expiresAt, expiresIn, isExpiringSoon } = useSelected(store, pickExpiry);
  const { client } = store;
  const recalculate = useCallback(() => {
    if (client) client.recalculate();
  }, [client]);
  return useMemo(
    () => ({ expiresAt, expiresIn, isExpiringSoon, recalculate }),
    [expiresAt, expiresIn, isExpiringSoon, recalculate],
  );
}

/**
 * Sends the page to loginPath?callbackUrl=<path> once the server says there
 * is no session, now or later (expiry, sign-out in another tab), while the
 * component is mounted. A network or server failure does not redirect.
 */
export function useRequireAuth(loginPath = "/login") {
  const store = useStore("useRequireAuth");
  const status = useSelected(store, pickStatus);
  const { client } = store;
  useEffect(() => {
    if (!client) return undefined;
    const ctrl = new AbortController();
    client.requireAuth(loginPath, { signal: ctrl.signal });
    return () => ctrl.abort();
  }, [client, loginPath]);
  return useMemo(() => ({ isLoading: status === "loading", isAuthenticated: status === "authenticated" }), [status]);
}

/** The provider's client, or null before it has started: for what the hooks do not cover. */
export function useSessionClient() {
  return useStore("useSessionClient").client;
}
