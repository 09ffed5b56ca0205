// authsession browser client: a small, dependency-free ES module that keeps a
// page in step with the session API (GET/POST/PATCH/DELETE <basePath>).
//
// Every request is same-origin (credentials: "same-origin"); the client never
// sees the session cookie or the refresh token. No method throws into the page
// or rejects: each resolves to { ok, session, error }, and failures also show
// up as the `error` property and a change notification. See client.d.ts.

const DEFAULT_BASE_PATH = "/api/session";
const DEFAULT_ELEMENT_ID = "authsession-initial";
const MAX_TIMER = 2 ** 31 - 1; // the longest setTimeout delay, in ms
const ACTIVITY_EVENTS = ["mousedown", "mousemove", "keydown", "touchstart", "scroll", "wheel"];

/** p when it is a path on this origin ("/x", not "//x" or "/\x"), else null. */
const localPath = (p) => (typeof p === "string" && /^\/(?![/\\])[^\\\u0000-\u001f\u007f]*$/.test(p) ? p : null);
const isObject = (v) => v !== null && typeof v === "object" && !Array.isArray(v);
const seconds = (v, dflt) => (typeof v === "number" && v >= 0 && Number.isFinite(v) ? v : dflt);
const makeError = (code, message, status = 0) => Object.freeze({ code, message, status });

function deepFreeze(v) {
  if (v && typeof v === "object" && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const k of Object.keys(v)) deepFreeze(v[k]);
  }
  return v;
}

/** A private, frozen copy of a session from the network or the page, or null. */
function toSession(v) {
  if (!isObject(v) || !isObject(v.user)) return null;
  try {
    const s = JSON.parse(JSON.stringify(v));
    delete s.refreshToken; // never kept, even if a server sent one
    return deepFreeze(s);
  } catch {
    return null;
  }
}

/** The JSON in <script type="application/json" id=…>, or undefined when missing or invalid. */
export function readInitialSession(id = DEFAULT_ELEMENT_ID, doc = globalThis.document) {
  try {
    const el = doc && doc.getElementById(id);
    return el ? JSON.parse(el.textContent) : undefined;
  } catch {
    return undefined;
  }
}

/** Creates a session client; see client.d.ts for the options. */
export function createSessionClient(options = {}) {
  const basePath = localPath(String(options.basePath ?? DEFAULT_BASE_PATH).replace(/(.)\/+$/, "$1"));
  if (!basePath || basePath === "/") {
    throw new TypeError("authsession: basePath must be a same-origin path such as /api/session");
  }
  const win = options.window !== undefined ? options.window : globalThis.window;
  const doc = win ? win.document : undefined;
  const fetchFn = options.fetch ?? (typeof globalThis.fetch === "function" ? (u, i) => globalThis.fetch(u, i) : null);
  const Channel = options.BroadcastChannel !== undefined ? options.BroadcastChannel : globalThis.BroadcastChannel;
  const soonMs = seconds(options.expiringSoonThreshold, 3600) * 1000;
  const timeoutMs = seconds(options.timeout, 30) * 1000;
  const channelName = "authsession:" + basePath;

  let status = "loading";
  let session = null;
  let error = null;
  let refreshThreshold = seconds(options.refreshThreshold, 86400);
  let sessionExpiry = null;
  let generation = 0; // bumped by every change that makes in-flight reads stale
  let getting = null; // { gen, promise } of the in-flight GET
  let refreshing = null; // the in-flight refresh
  let expiryTimer = null;
  let soonTimer = null;
  let snapshot = null; // getState(): one object per state, for useSyncExternalStore
  let destroyed = false;
  let navigating = false;
  let markReady;
  const ready = new Promise((resolve) => (markReady = resolve));
  const listeners = new Set();
  const cleanups = []; // run by destroy()
  const controllers = new Set(); // of requests in flight

  function expiresAt() {
    const t = !session ? NaN : typeof session.expiresAt === "number" ? session.expiresAt : Date.parse(session.expiryDate);
    return Number.isFinite(t) ? t : null;
  }
  function expiresIn() {
    const t = expiresAt();
    return t === null ? null : Math.max(0, t - Date.now());
  }
  const expiringSoon = (left = expiresIn()) => left !== null && left <= soonMs;
  function state() {
    const left = expiresIn();
    const user = session ? session.user : null;
    return Object.freeze({ status, session, user, error, expiresAt: expiresAt(), expiresIn: left, isExpiringSoon: expiringSoon(left) });
  }
  const getState = () => snapshot || (snapshot = state());

  function notify(reason) {
    snapshot = state();
    if (status !== "loading") markReady(snapshot);
    for (const fn of [...listeners]) {
      try {
        fn(snapshot, reason);
      } catch (e) {
        // A broken listener must not stop the others or the client.
        (typeof reportError === "function" ? reportError : console.error)(e);
      }
    }
  }

  function scheduleExpiry() {
    clearTimeout(expiryTimer);
    clearTimeout(soonTimer);
    const t = expiresAt();
    if (t === null || destroyed) return;
    // Ask the server once the session should have ended: it has the last word.
    expiryTimer = setTimeout(refetch, Math.min(Math.max(t - Date.now() + 1000, 0), MAX_TIMER));
    // And when it enters the expiring-soon window (or again, if too far for one timer).
    const soon = t - soonMs - Date.now();
    if (soon > 0) soonTimer = setTimeout(() => (expiringSoon() ? recalculate() : scheduleExpiry()), Math.min(soon, MAX_TIMER));
  }

  function recalculate() {
    const s = getState();
    if (!destroyed && (expiresIn() !== s.expiresIn || expiringSoon() !== s.isExpiringSoon)) notify("recalculate");
    return snapshot;
  }

  /** Sets the session (or null) and the error, notifying when anything changed. */
  function apply(next, reason, err = null) {
    const nextStatus = next ? "authenticated" : "unauthenticated";
    const same = JSON.stringify(next) === JSON.stringify(session);
    const changed = nextStatus !== status || !same || (err && err.code) !== (error && error.code);
    status = nextStatus;
    // An equal session keeps its identity, and so does an equal user.
    if (!same) session = next && session && JSON.stringify(next.user) === JSON.stringify(session.user) ? Object.freeze({ ...next, user: session.user }) : next;
    if (changed) error = err;
    scheduleExpiry();
    if (changed) notify(reason);
  }

  /** Records a failure that says nothing about the session (network, 4xx, 5xx). */
  function fail(err) {
    if (status === "loading") status = "unauthenticated";
    error = err;
    notify("error");
  }

  function takeSettings(data) {
    if (!isObject(data)) return;
    if (options.refreshThreshold === undefined) refreshThreshold = seconds(data.refreshThreshold, refreshThreshold);
    sessionExpiry = seconds(data.sessionExpiry, sessionExpiry);
  }

  const result = (err = error) => ({ ok: !err, session, error: err });
  const destroyedResult = () => result(makeError("destroyed", "the session client was destroyed"));

  /** One request to the API: { data } on a 2xx, { err } otherwise. Never rejects. */
  async function request(method, body) {
    if (!fetchFn) return { err: makeError("unsupported", "fetch is not available") };
    const init = { method, credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" } };
    if (body !== undefined) {
      try {
        init.body = JSON.stringify(body);
      } catch {
        return { err: makeError("bad_request", "the fields could not be encoded as JSON") };
      }
      init.headers["Content-Type"] = "application/json";
    }
    const ctrl = typeof AbortController === "function" ? new AbortController() : null;
    if (ctrl) controllers.add(ctrl), (init.signal = ctrl.signal);
    let late = false;
    const timer = ctrl && timeoutMs > 0 && setTimeout(() => ((late = true), ctrl.abort()), timeoutMs);
    try {
      const res = await fetchFn(basePath, init);
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
      controllers.delete(ctrl);
    }
  }

  /** GET the session. Concurrent calls share one request. */
  function refetch() {
    if (destroyed) return Promise.resolve(destroyedResult());
    if (getting && getting.gen === generation) return getting.promise;
    const gen = generation;
    const promise = request("GET").then(({ data, err }) => {
      if (getting && getting.promise === promise) getting = null;
      if (destroyed) return destroyedResult();
      if (gen !== generation) return result(); // a newer change won: keep it
      if (err && err.status !== 401) return fail(err), result(err);
      const wasAuthenticated = status === "authenticated";
      takeSettings(data);
      apply(err ? null : toSession(data && data.session), "fetch", err);
      if (wasAuthenticated && !session) broadcast(null);
      return result(err);
    });
    getting = { gen, promise };
    return promise;
  }

  /** POST, PATCH or DELETE: the response's session replaces ours and goes to the other tabs. */
  async function mutate(method, body, reason) {
    if (destroyed) return destroyedResult();
    generation++;
    const { data, err } = await request(method, body);
    if (destroyed) return destroyedResult();
    if (err && err.status === 401) {
      const e = reason === "logout" ? null : err; // logging out without a session succeeds
      generation++;
      apply(null, reason, e);
      broadcast(null);
      return result(e);
    }
    if (err) return fail(err), result(err);
    if (!data || !("session" in data)) return refetch(); // unexpected body: ask again
    generation++;
    takeSettings(data);
    apply(toSession(data.session), reason);
    broadcast(session);
    return result(null);
  }

  // Cross-tab sync: a BroadcastChannel, else "storage" events. Storage only
  // carries a signal, never the session: localStorage is written to disk.
  let channel = null;
  let storage = null;
  function broadcast(next) {
    try {
      if (channel) channel.postMessage(next ? { type: "session", session: next } : { type: "logout" });
      else if (storage) storage.setItem(channelName, JSON.stringify({ type: next ? "session" : "logout", nonce: Math.random() }));
    } catch {
      // best effort: the other tabs catch up on focus or polling
    }
  }
  function receive(msg) {
    if (destroyed || !isObject(msg)) return;
    if (msg.type !== "logout" && msg.type !== "session") return;
    const next = msg.type === "session" ? toSession(msg.session) : null;
    if (msg.type === "session" && !next) return void refetch(); // a signal, or a bad session: ask
    generation++;
    apply(next, "sync");
  }

  function listen(target, type, fn, opts) {
    if (!target || typeof target.addEventListener !== "function") return;
    target.addEventListener(type, fn, opts);
    cleanups.push(() => target.removeEventListener(type, fn, opts));
  }

  if (options.crossTab !== false) {
    try {
      channel = typeof Channel === "function" ? new Channel(channelName) : null;
    } catch {
      channel = null;
    }
    if (channel) {
      channel.onmessage = (e) => receive(e.data);
      cleanups.push(() => channel.close());
    } else if (win) {
      try {
        storage = win.localStorage || null;
      } catch {
        storage = null; // reading it throws where storage is blocked
      }
      const onStorage = (e) => {
        if (e.key !== channelName || !e.newValue) return;
        try {
          receive(JSON.parse(e.newValue));
        } catch {
          // not ours
        }
      };
      if (storage) listen(win, "storage", onStorage);
    }
  }

  const whenVisible = () => !(doc && doc.hidden) && refetch();
  if (win && options.refetchOnWindowFocus !== false) {
    listen(win, "focus", whenVisible);
    listen(doc, "visibilitychange", whenVisible);
  }

  const interval = seconds(options.refetchInterval, 0);
  if (interval > 0) {
    const id = setInterval(whenVisible, interval * 1000);
    cleanups.push(() => clearInterval(id));
  }

  // refreshInterval extends the session (POST); refetchInterval only reads.
  const every = seconds(options.refreshInterval, 0);
  if (every > 0) {
    const id = setInterval(() => session && !(doc && doc.hidden) && refresh(), Math.max(every, 1) * 1000);
    cleanups.push(() => clearInterval(id));
  }

  if (win && options.refetchOnPathChange === true) watchPath();

  if (win && options.refreshOnActivity !== false) {
    const throttleMs = seconds(options.activityThrottle, 60) * 1000;
    let lastCheck = -Infinity;
    const onActivity = () => {
      const now = Date.now();
      if (now - lastCheck < throttleMs || !session || refreshing) return;
      lastCheck = now;
      const last = session.lastActivity;
      const left = expiresIn();
      if (Number.isFinite(last) ? now - last >= refreshThreshold * 1000 : left !== null && left <= soonMs) refresh();
    };
    for (const type of ACTIVITY_EVENTS) listen(win, type, onActivity, { capture: true, passive: true });
  }

  // GET when the path changes without a page load: the Navigation API, else wrapped History API.
  function watchPath() {
    const path = () => win.location?.pathname;
    let last = path();
    const moved = () => !destroyed && path() !== last && ((last = path()), refetch());
    listen(win, "popstate", moved);
    if (typeof win.navigation?.addEventListener === "function") return listen(win.navigation, "currententrychange", moved);
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
      cleanups.push(() => hist[name] === wrapped && (hist[name] = original));
    }
  }

  function refresh() {
    if (!refreshing) refreshing = mutate("POST", undefined, "refresh").finally(() => (refreshing = null));
    return refreshing;
  }

  function update(fields) {
    if (!isObject(fields)) return Promise.resolve(result(makeError("bad_request", "update expects an object of user fields")));
    return mutate("PATCH", { user: fields }, "update");
  }

  async function logout(opts = {}) {
    const to = opts && opts.redirectTo !== undefined ? localPath(opts.redirectTo) : null;
    if (to) navigating = true; // keeps requireAuth from sending the page elsewhere first
    const r = await mutate("DELETE", undefined, "logout");
    if (to && r.ok && win && win.location) win.location.assign(to);
    else if (to) navigating = false;
    return r;
  }

  function requireAuth(loginPath = "/login", opts = {}) {
    const path = localPath(loginPath) || "/login";
    const signal = opts?.signal;
    const stopped = () => destroyed || !!signal?.aborted;
    const check = () => {
      const loc = win && win.location;
      const confirmed = !error || error.status === 401; // not just a network or server failure
      if (status !== "unauthenticated" || !confirmed || navigating || stopped() || !loc) return;
      navigating = true;
      const callbackUrl = encodeURIComponent(loc.pathname + loc.search);
      loc.assign(path + (path.includes("?") ? "&" : "?") + "callbackUrl=" + callbackUrl);
    };
    if (!stopped()) {
      listeners.add(check); // also when the session ends later (expiry, other tab)
      signal?.addEventListener?.("abort", () => listeners.delete(check), { once: true });
    }
    return ready.then(() => (check(), status === "authenticated" && !stopped()));
  }

  function subscribe(fn) {
    if (typeof fn !== "function" || destroyed) return () => {};
    listeners.add(fn);
    return () => void listeners.delete(fn);
  }

  function destroy() {
    if (destroyed) return;
    destroyed = true;
    for (const c of controllers) c.abort();
    clearTimeout(expiryTimer);
    clearTimeout(soonTimer);
    for (const fn of cleanups.splice(0)) fn();
    listeners.clear();
    markReady(getState());
  }

  // Start from what the server rendered into the page, or ask the API.
  let initial = options.initialSession;
  if (initial === undefined && options.initialElement !== false && doc) {
    initial = readInitialSession(options.initialElement || DEFAULT_ELEMENT_ID, doc);
  }
  const envelope = isObject(initial) && "session" in initial && !("user" in initial);
  const given = envelope ? initial.session : initial;
  if (given === null || toSession(given)) {
    if (envelope) takeSettings(initial);
    apply(toSession(given), "initial");
  } else if (options.fetchOnLoad === false) {
    apply(null, "initial"); // nothing given, told not to ask
  } else {
    refetch(); // nothing given, or nothing usable
  }

  return Object.freeze({
    get status() { return status; },
    get session() { return session; },
    get user() { return session ? session.user : null; },
    get error() { return error; },
    get expiresAt() { return expiresAt(); },
    get expiresIn() { return expiresIn(); },
    get isExpiringSoon() { return expiringSoon(); },
    get refreshThreshold() { return refreshThreshold; },
    get sessionExpiry() { return sessionExpiry; },
    ready,
    getState,
    subscribe,
    refetch,
    refresh,
    update,
    logout,
    requireAuth,
    recalculate,
    destroy,
  });
}
