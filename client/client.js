// authsession browser client: a small, dependency-free ES module that keeps a
// page in step with the session API (GET/POST/PATCH/DELETE <basePath>).
//
// Every request is same-origin (credentials: "same-origin"); the client never
// sees the session cookie or the refresh token. No method throws into the page
// or rejects: each resolves to { ok, session, error }, and failures also show
// up as the `error` property and a change notification. Every duration is in
// milliseconds, and the client starts at most one request a second by itself,
// whatever the options say. See client.d.ts.

const DEFAULT_BASE_PATH = "/api/session";
const DEFAULT_ELEMENT_ID = "authsession-initial";
const MAX_TIMER = 2 ** 31 - 1; // the longest timer delay browsers keep, in ms
const MIN_GAP = 1000; // ms between a request and one the client starts by itself
const EXPIRY_RECHECK = 60_000; // ms: a clock ahead of the server's is asked once a minute
const ACTIVITY_RETRY = 60_000; // ms before a failed activity refresh is tried again
const ACTIVITY_EVENTS = ["mousedown", "mousemove", "keydown", "touchstart", "scroll", "wheel"];

// The duration options: [default, is a timer]. A timer takes 0 for "off"
// ("wait forever" for timeout) and is held to the browser's range; every
// other value under one second is refused. null: the server's threshold.
const DURATIONS = {
  refetchInterval: [0, true],
  refreshInterval: [0, true],
  timeout: [30_000, true],
  activityRefreshInterval: [null, false],
  expiringSoonThreshold: [3_600_000, false],
};
// Options of earlier versions: a warning names them when given.
const RETIRED = {
  refreshThreshold: "was renamed activityRefreshInterval (milliseconds)",
  activityThrottle: "is gone: a failed activity refresh is retried after a minute",
};
const AUTH_PATH = "/auth"; // signIn's default base path
const PROVIDER_ID = /^[A-Za-z0-9][\w.-]{0,63}$/; // no "..", no "/": one path segment as written

/** p when it is a path on this origin ("/x", not "//x" or "/\x"), else null. */
const localPath = (p) => (typeof p === "string" && /^\/(?![/\\])[^\\\u0000-\u001f\u007f]*$/.test(p) ? p : null);
const isObject = (v) => v !== null && typeof v === "object" && !Array.isArray(v);
const seconds = (v, dflt) => (typeof v === "number" && v >= 0 && Number.isFinite(v) ? v * 1000 : dflt);
const makeError = (code, message, status = 0) => Object.freeze({ code, message, status });
const report = (e) => (typeof reportError === "function" ? reportError : console.error)(e);
/** fn(), or onError(e) when it throws. */
const attempt = (fn, onError = () => null) => { try { return fn(); } catch (e) { return onError(e); } };

function deepFreeze(v) {
  if (v && typeof v === "object" && !Object.isFrozen(v)) for (const k of Object.keys(Object.freeze(v))) deepFreeze(v[k]);
  return v;
}

/** A private, frozen copy of a session from the network or the page, or null. */
function toSession(v) {
  if (!isObject(v) || !isObject(v.user)) return null;
  const s = attempt(() => JSON.parse(JSON.stringify(v)));
  if (s) delete s.refreshToken; // never kept, even if a server sent one
  return s && deepFreeze(s);
}

/** The JSON in <script type="application/json" id=…>, or undefined when missing or invalid. */
export function readInitialSession(id = DEFAULT_ELEMENT_ID, doc = globalThis.document) {
  const el = attempt(() => doc && doc.getElementById(id));
  return el ? attempt(() => JSON.parse(el.textContent), () => undefined) : undefined;
}

/**
 * One duration option in ms. A value that cannot be meant (not a number,
 * NaN, negative, infinite, under one second) gives the default; a timer
 * past the browser's range is clamped. Either way with one warning.
 */
function duration(options, name, warn) {
  const [dflt, timer] = DURATIONS[name];
  const v = options[name];
  if (v === undefined || v === null) return dflt;
  if (timer && v === 0) return 0;
  const fallback = dflt === 0 ? "it stays off" : dflt === null ? "the server's refresh threshold applies" : `the default, ${dflt} ms, applies`;
  if (typeof v !== "number") return warn(`${name} (milliseconds) is a ${typeof v}, not a number; ${fallback}`), dflt;
  const why = Number.isNaN(v) ? "not a number" : !Number.isFinite(v) ? "infinite" : v < 0 ? "negative" : v < MIN_GAP ? "under one second" : null;
  if (why) return warn(`${name} (milliseconds) ${v} is ${why}; ${fallback}`), dflt;
  if (timer && v > MAX_TIMER) return warn(`${name} (milliseconds) ${v} is past the browser's longest timer; ${MAX_TIMER} ms applies`), MAX_TIMER;
  return v;
}

/** A new client's state from its options (durations in ms); throws only for a bad basePath. */
function newClient(options) {
  const basePath = localPath(String(options.basePath ?? DEFAULT_BASE_PATH).replace(/(.)\/+$/, "$1"));
  if (!basePath || basePath === "/") throw new TypeError("authsession: basePath must be a same-origin path such as /api/session");
  const warned = new Set();
  const sink = typeof options.onWarning === "function" ? options.onWarning : (m) => console.warn(m);
  const warn = (m) => warned.has(m) || (warned.add(m), sink("authsession: " + m));
  for (const [name, why] of Object.entries(RETIRED)) if (options[name] !== undefined) warn(`${name} ${why}; the value is ignored`);
  const ms = {};
  for (const name of Object.keys(DURATIONS)) ms[name] = duration(options, name, warn);
  const win = options.window !== undefined ? options.window : globalThis.window;
  const c = {
    basePath, ms, win, doc: win ? win.document : undefined,
    fetchFn: options.fetch ?? (typeof globalThis.fetch === "function" ? (u, i) => globalThis.fetch(u, i) : null),
    Channel: options.BroadcastChannel !== undefined ? options.BroadcastChannel : globalThis.BroadcastChannel,
    channelName: "authsession:" + basePath,
    status: "loading", session: null, error: null,
    refreshThreshold: 86_400_000, sessionExpiry: null, // the server's settings, once known
    generation: 0, // bumped by every change that makes in-flight reads stale
    getting: null, refreshing: null, // { gen, promise } of the GET in flight; the refresh in flight
    lastStart: -Infinity, // when the last request started
    timers: {}, wants: new Set(), // pending timeouts (expiry, soon, pace); what the paced request will be
    expiryCheckedAt: -Infinity, // when the expiry timer last asked the server
    tried: null, // { session, at } of the last activity refresh
    snapshot: null, // getState(): one object per state, for useSyncExternalStore
    listeners: new Set(), cleanups: [], controllers: new Set(), // subscribers; run by destroy(); requests in flight
  };
  c.ready = new Promise((resolve) => (c.markReady = resolve));
  return c;
}

function expiresAt(c) {
  const s = c.session;
  const t = !s ? NaN : typeof s.expiresAt === "number" ? s.expiresAt : Date.parse(s.expiryDate);
  return Number.isFinite(t) ? t : null;
}
const expiresIn = (c, t = expiresAt(c)) => (t === null ? null : Math.max(0, t - Date.now()));
const expiringSoon = (c, left = expiresIn(c)) => left !== null && left <= c.ms.expiringSoonThreshold;
function state(c) {
  const left = expiresIn(c);
  const { status, session, error } = c;
  return Object.freeze({ status, session, user: session ? session.user : null, error, expiresAt: expiresAt(c), expiresIn: left, isExpiringSoon: expiringSoon(c, left) });
}
const getState = (c) => c.snapshot || (c.snapshot = state(c));

function notify(c, reason) {
  c.snapshot = state(c);
  if (c.status !== "loading") c.markReady(c.snapshot);
  // A broken listener must not stop the others or the client.
  for (const fn of [...c.listeners]) attempt(() => fn(c.snapshot, reason), report);
}

function scheduleExpiry(c) {
  const tm = c.timers;
  clearTimeout(tm.expiry);
  clearTimeout(tm.soon);
  const t = expiresAt(c);
  if (t === null || c.destroyed) return;
  // Ask the server once the session should have ended: it has the last word
  // (and, when our clock runs ahead of its, is asked again only once a minute).
  const wait = Math.max(t - Date.now() + 1000, c.expiryCheckedAt + EXPIRY_RECHECK - Date.now(), 0);
  tm.expiry = setTimeout(() => ((c.expiryCheckedAt = Date.now()), automatic(c, "get")), Math.min(wait, MAX_TIMER));
  // And when it enters the expiring-soon window (or again, if too far for one timer).
  const soon = t - c.ms.expiringSoonThreshold - Date.now();
  if (soon > 0) tm.soon = setTimeout(() => (expiringSoon(c) ? recalculate(c) : scheduleExpiry(c)), Math.min(soon, MAX_TIMER));
}

function recalculate(c) {
  const s = getState(c);
  if (!c.destroyed && (expiresIn(c) !== s.expiresIn || expiringSoon(c) !== s.isExpiringSoon)) notify(c, "recalculate");
  return c.snapshot;
}

/** Sets the session (or null) and the error, notifying when anything changed. */
function apply(c, next, reason, err = null) {
  const nextStatus = next ? "authenticated" : "unauthenticated";
  const same = JSON.stringify(next) === JSON.stringify(c.session);
  const changed = nextStatus !== c.status || !same || (err && err.code) !== (c.error && c.error.code);
  c.status = nextStatus;
  // An equal session keeps its identity, and so does an equal user.
  const old = c.session;
  if (!same) c.session = next && old && JSON.stringify(next.user) === JSON.stringify(old.user) ? Object.freeze({ ...next, user: old.user }) : next;
  if (changed) c.error = err;
  scheduleExpiry(c);
  if (changed) notify(c, reason);
}

/** Records a failure that says nothing about the session (network, 4xx, 5xx). */
function fail(c, err) {
  if (c.status === "loading") c.status = "unauthenticated";
  c.error = err;
  notify(c, "error");
}

/** The server's settings from a GET body (seconds on the wire, ms here). */
function takeSettings(c, data) {
  if (!isObject(data)) return;
  c.refreshThreshold = seconds(data.refreshThreshold, c.refreshThreshold);
  c.sessionExpiry = seconds(data.sessionExpiry, c.sessionExpiry);
}

const result = (c, err = c.error) => ({ ok: !err, session: c.session, error: err });
const destroyedResult = (c) => result(c, makeError("destroyed", "the session client was destroyed"));

/** One request to the API: { data } on a 2xx, { err } otherwise. Never rejects. */
async function request(c, method, body) {
  if (!c.fetchFn) return { err: makeError("unsupported", "fetch is not available") };
  const init = { method, credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" } };
  if (body !== undefined) {
    init.body = attempt(() => JSON.stringify(body));
    if (init.body === null) return { err: makeError("bad_request", "the fields could not be encoded as JSON") };
    init.headers["Content-Type"] = "application/json";
  }
  const ctrl = typeof AbortController === "function" ? new AbortController() : null;
  if (ctrl) c.controllers.add(ctrl), (init.signal = ctrl.signal);
  let late = false;
  const timer = ctrl && c.ms.timeout > 0 && setTimeout(() => ((late = true), ctrl.abort()), c.ms.timeout);
  c.lastStart = Date.now();
  try {
    const res = await c.fetchFn(c.basePath, init);
    const data = await res.json().catch(() => undefined);
    // A GET answered with HTML or nothing says nothing about the session.
    if (res.ok && data === undefined && method === "GET") return { err: makeError("bad_response", "the session API did not answer JSON", res.status) };
    if (res.ok) return { data: isObject(data) ? data : null };
    const e = isObject(data) && isObject(data.error) ? data.error : {};
    const code = typeof e.code === "string" ? e.code : res.status === 401 ? "unauthenticated" : "http_" + res.status;
    const message = typeof e.message === "string" ? e.message : "the session API answered " + res.status;
    return { err: makeError(code, message, res.status) };
  } catch {
    return { err: late ? makeError("timeout", "the session API did not answer in time") : makeError("network_error", "the session API could not be reached") };
  } finally {
    clearTimeout(timer);
    c.controllers.delete(ctrl);
  }
}

/** GET the session. Concurrent calls share one request. */
function refetch(c) {
  if (c.destroyed) return Promise.resolve(destroyedResult(c));
  if (c.getting && c.getting.gen === c.generation) return c.getting.promise;
  const gen = c.generation;
  const promise = request(c, "GET").then(({ data, err }) => {
    if (c.getting && c.getting.promise === promise) c.getting = null;
    if (c.destroyed) return destroyedResult(c);
    if (gen !== c.generation) return result(c); // a newer change won: keep it
    if (err && err.status !== 401) return fail(c, err), result(c, err);
    const wasAuthenticated = c.status === "authenticated";
    takeSettings(c, data);
    apply(c, err ? null : toSession(data && data.session), "fetch", err);
    if (wasAuthenticated && !c.session) broadcast(c, null);
    return result(c, err);
  });
  c.getting = { gen, promise };
  return promise;
}

/** POST, PATCH or DELETE: the response's session replaces ours and goes to the other tabs. */
async function mutate(c, method, body, reason) {
  if (c.destroyed) return destroyedResult(c);
  c.generation++;
  const { data, err } = await request(c, method, body);
  if (c.destroyed) return destroyedResult(c);
  if (err && err.status === 401) {
    const e = reason === "logout" ? null : err; // logging out without a session succeeds
    c.generation++;
    apply(c, null, reason, e);
    broadcast(c, null);
    return result(c, e);
  }
  if (err) return fail(c, err), result(c, err);
  if (!data || !("session" in data)) return refetch(c); // unexpected body: ask again
  c.generation++;
  takeSettings(c, data);
  apply(c, toSession(data.session), reason);
  broadcast(c, c.session);
  return result(c, null);
}

function refresh(c) {
  if (!c.refreshing) c.refreshing = mutate(c, "POST", undefined, "refresh").finally(() => (c.refreshing = null));
  return c.refreshing;
}

/**
 * A request the client makes by itself (timers, activity, focus, path
 * changes, other tabs): one already under way serves; within MIN_GAP of the
 * last request it is deferred to the end of the gap, where a refresh due
 * covers a GET due (its answer carries the session too).
 */
function automatic(c, kind) {
  if (c.destroyed || (kind === "refresh" ? c.refreshing : c.getting && c.getting.gen === c.generation)) return;
  const wait = c.lastStart + MIN_GAP - Date.now();
  if (wait <= 0) return void (kind === "get" ? refetch(c) : c.session && refresh(c));
  c.wants.add(kind);
  c.timers.pace ??= setTimeout(() => {
    c.timers.pace = null;
    const next = c.wants.has("refresh") && c.session ? "refresh" : c.wants.has("get") ? "get" : null;
    c.wants.clear();
    if (next) automatic(c, next);
  }, wait);
}

// Cross-tab sync: a BroadcastChannel, else "storage" events. Storage only
// carries a signal, never the session: localStorage is written to disk.
function broadcast(c, next) {
  // Best effort: the other tabs catch up on focus or polling.
  if (c.channel) attempt(() => c.channel.postMessage(next ? { type: "session", session: next } : { type: "logout" }));
  else if (c.storage) attempt(() => c.storage.setItem(c.channelName, JSON.stringify({ type: next ? "session" : "logout", nonce: Math.random() })));
}
function receive(c, msg) {
  if (c.destroyed || !isObject(msg) || (msg.type !== "logout" && msg.type !== "session")) return;
  const next = msg.type === "session" ? toSession(msg.session) : null;
  if (msg.type === "session" && !next) return automatic(c, "get"); // a signal, or a bad session: ask
  c.generation++;
  apply(c, next, "sync");
}

function listen(c, target, type, fn, opts) {
  if (!target || typeof target.addEventListener !== "function") return;
  target.addEventListener(type, fn, opts);
  c.cleanups.push(() => target.removeEventListener(type, fn, opts));
}

function crossTab(c) {
  c.channel = attempt(() => (typeof c.Channel === "function" ? new c.Channel(c.channelName) : null));
  if (c.channel) {
    c.channel.onmessage = (e) => receive(c, e.data);
    return void c.cleanups.push(() => c.channel.close());
  }
  c.storage = attempt(() => (c.win && c.win.localStorage) || null); // reading it throws where storage is blocked
  const onStorage = (e) => e.key === c.channelName && e.newValue && attempt(() => receive(c, JSON.parse(e.newValue))); // else not ours
  if (c.storage) listen(c, c.win, "storage", onStorage);
}

/** refetchInterval re-reads (GET); refreshInterval extends the session (POST). */
function intervals(c) {
  const visible = () => !(c.doc && c.doc.hidden);
  const every = (ms, fn) => {
    const id = ms > 0 && setInterval(fn, ms);
    if (id) c.cleanups.push(() => clearInterval(id));
  };
  every(c.ms.refetchInterval, () => visible() && automatic(c, "get"));
  every(c.ms.refreshInterval, () => c.session && visible() && automatic(c, "refresh"));
}

/**
 * On user activity, refresh once the session's lastActivity is older than
 * activityRefreshInterval (default: the server's refresh threshold): again
 * that long after the last try, or a minute after one that failed.
 */
function onActivity(c) {
  const s = c.session;
  const now = Date.now();
  if (!s || c.refreshing) return;
  const every = Math.max(c.ms.activityRefreshInterval ?? c.refreshThreshold, MIN_GAP);
  const left = expiresIn(c);
  const due = Number.isFinite(s.lastActivity) ? now - s.lastActivity >= every : left !== null && left <= c.ms.expiringSoonThreshold;
  if (!due || (c.tried && now - c.tried.at < (c.tried.session === s ? ACTIVITY_RETRY : every))) return;
  c.tried = { session: s, at: now };
  automatic(c, "refresh");
}

/** GET when the path changes without a page load: the Navigation API, else wrapped History API. */
function watchPath(c) {
  const win = c.win;
  const path = () => win.location?.pathname;
  let last = path();
  const moved = () => !c.destroyed && path() !== last && ((last = path()), automatic(c, "get"));
  listen(c, win, "popstate", moved);
  if (typeof win.navigation?.addEventListener === "function") return listen(c, win.navigation, "currententrychange", moved);
  const hist = win.history;
  for (const name of ["pushState", "replaceState"]) {
    const original = hist?.[name];
    if (typeof original !== "function") continue;
    const wrapped = function (...args) {
      const r = original.apply(this, args);
      return moved(), r;
    };
    hist[name] = wrapped;
    // Wrapped again since by another script? Then ours stays in its chain (inert once destroyed).
    c.cleanups.push(() => hist[name] === wrapped && (hist[name] = original));
  }
}

function integrate(c, options) {
  if (options.crossTab !== false) crossTab(c);
  const whenVisible = () => !(c.doc && c.doc.hidden) && automatic(c, "get");
  if (c.win && options.refetchOnWindowFocus !== false) {
    listen(c, c.win, "focus", whenVisible);
    listen(c, c.doc, "visibilitychange", whenVisible);
  }
  intervals(c);
  if (c.win && options.refetchOnPathChange === true) watchPath(c);
  if (c.win && options.refreshOnActivity !== false) for (const type of ACTIVITY_EVENTS) listen(c, c.win, type, () => onActivity(c), { capture: true, passive: true });
}

function update(c, fields) {
  if (!isObject(fields)) return Promise.resolve(result(c, makeError("bad_request", "update expects an object of user fields")));
  return mutate(c, "PATCH", { user: fields }, "update");
}

async function logout(c, opts) {
  const to = isObject(opts) && opts.redirectTo !== undefined ? localPath(opts.redirectTo) : null;
  if (to) c.navigating = true; // keeps requireAuth from sending the page elsewhere first
  const r = await mutate(c, "DELETE", undefined, "logout");
  if (to && r.ok && c.win && c.win.location) c.win.location.assign(to);
  else if (to) c.navigating = false;
  return r;
}

function requireAuth(c, loginPath = "/login", opts = {}) {
  const path = localPath(loginPath) || "/login";
  const signal = opts?.signal;
  const stopped = () => c.destroyed || !!signal?.aborted;
  const check = () => {
    const loc = c.win && c.win.location;
    const confirmed = !c.error || c.error.status === 401; // not just a network or server failure
    if (c.status !== "unauthenticated" || !confirmed || c.navigating || stopped() || !loc) return;
    c.navigating = true;
    const callbackUrl = encodeURIComponent(loc.pathname + loc.search);
    loc.assign(path + (path.includes("?") ? "&" : "?") + "callbackUrl=" + callbackUrl);
  };
  if (!stopped()) {
    c.listeners.add(check); // also when the session ends later (expiry, other tab)
    signal?.addEventListener?.("abort", () => c.listeners.delete(check), { once: true });
  }
  return c.ready.then(() => (check(), c.status === "authenticated" && !stopped()));
}

/**
 * Starts a sign-in with an identity provider: the page goes to
 * <basePath>/signin/<provider>?callbackUrl=<local path>. Returns that URL,
 * or null (with a warning) when the provider id, the base path or the
 * window is missing or unusable. See client.d.ts.
 */
export function signIn(provider, options) {
  const o = isObject(options) ? options : {};
  const win = o.window !== undefined ? o.window : globalThis.window;
  const base = localPath(String(o.basePath ?? AUTH_PATH).replace(/(.)\/+$/, "$1"));
  let problem = null;
  if (typeof provider !== "string" || !PROVIDER_ID.test(provider)) problem = "provider must be an id of letters, digits, '.', '_' and '-'";
  else if (!base || base === "/") problem = "basePath must be a path on this origin";
  else if (!win || !win.location) problem = "there is no window to navigate";
  if (problem) return console.warn("authsession: signIn: " + problem), null;
  const loc = win.location;
  const given = o.callbackUrl === undefined ? undefined : localPath(o.callbackUrl);
  if (given === null) console.warn("authsession: signIn: callbackUrl must be a local path; the current page is used instead");
  const back = given || (loc.pathname || "/") + (loc.search || "");
  const url = `${base}/signin/${encodeURIComponent(provider)}?callbackUrl=${encodeURIComponent(back)}`;
  loc.assign(url);
  return url;
}

function destroy(c) {
  if (c.destroyed) return;
  c.destroyed = true;
  for (const ctrl of c.controllers) ctrl.abort();
  for (const t of Object.values(c.timers)) clearTimeout(t);
  for (const fn of c.cleanups.splice(0)) fn();
  c.listeners.clear();
  c.markReady(getState(c));
}

/** Starts from what the server rendered into the page, or asks the API. */
function start(c, options) {
  let initial = options.initialSession;
  if (initial === undefined && options.initialElement !== false && c.doc) initial = readInitialSession(options.initialElement || DEFAULT_ELEMENT_ID, c.doc);
  const envelope = isObject(initial) && "session" in initial && !("user" in initial);
  const given = envelope ? initial.session : initial;
  if (given === null || toSession(given)) {
    if (envelope) takeSettings(c, initial);
    apply(c, toSession(given), "initial");
  } else if (options.fetchOnLoad === false) {
    apply(c, null, "initial"); // nothing given, told not to ask
  } else {
    refetch(c); // nothing given, or nothing usable
  }
}

/** Creates a session client; see client.d.ts for the options. */
export function createSessionClient(options = {}) {
  const o = isObject(options) ? options : {};
  const c = newClient(o);
  integrate(c, o);
  start(c, o);
  return Object.freeze({
    get status() { return c.status; },
    get session() { return c.session; },
    get user() { return c.session ? c.session.user : null; },
    get error() { return c.error; },
    get expiresAt() { return expiresAt(c); },
    get expiresIn() { return expiresIn(c); },
    get isExpiringSoon() { return expiringSoon(c); },
    get refreshThreshold() { return c.refreshThreshold; },
    get sessionExpiry() { return c.sessionExpiry; },
    ready: c.ready,
    getState: () => getState(c),
    subscribe: (fn) => {
      if (typeof fn !== "function" || c.destroyed) return () => {};
      c.listeners.add(fn);
      return () => void c.listeners.delete(fn);
    },
    refetch: () => refetch(c),
    refresh: () => refresh(c),
    update: (fields) => update(c, fields),
    logout: (opts) => logout(c, opts),
    requireAuth: (loginPath, opts) => requireAuth(c, loginPath, opts),
    recalculate: () => recalculate(c),
    destroy: () => destroy(c),
  });
}
