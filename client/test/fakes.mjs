// Test doubles for the browser client: a scripted session API behind a fake
// fetch, a fake window/document/location/localStorage, and an in-process
// BroadcastChannel. No dependencies beyond Node's standard library.

export const HOUR = 3600_000;

/** Lets pending promise callbacks and I/O-free continuations run. */
export const flush = () => new Promise((resolve) => setImmediate(resolve));

export function makeSession(overrides = {}) {
  const now = Date.now();
  return {
    user: { id: "u_1", email: "ann@example.com", name: "Ann", role: "admin" },
    expiresAt: now + 7 * 24 * HOUR,
    expiryDate: new Date(now + 7 * 24 * HOUR).toISOString(),
    createdAt: now,
    lastActivity: now,
    ...overrides,
  };
}

/** A response as fetch would resolve it; body undefined means "not JSON". */
export function reply(status, body) {
  return {
    ok: status >= 200 && status < 300,
    status,
    json: async () => {
      if (body === undefined) throw new SyntaxError("Unexpected token < in JSON");
      return JSON.parse(JSON.stringify(body));
    },
  };
}

/**
 * A fake session API. `server.session` is the server's truth; `server.next`
 * queues one-off behaviours: a response, an Error to reject with, or a
 * function (req) => response | Promise.
 */
export function makeServer({ session = null, refreshThreshold = 86400, sessionExpiry = 604800 } = {}) {
  const server = {
    session,
    refreshThreshold,
    sessionExpiry,
    requests: [],
    next: [],
    fetch: async (url, init = {}) => {
      const req = { url, method: init.method || "GET", init, body: init.body === undefined ? undefined : JSON.parse(init.body) };
      server.requests.push(req);
      await Promise.resolve();
      if (init.signal && init.signal.aborted) throw new DOMException("aborted", "AbortError");
      const queued = server.next.shift();
      if (queued instanceof Error) throw queued;
      if (typeof queued === "function") return queued(req);
      if (queued) return queued;
      return server.handle(req);
    },
    handle(req) {
      const envelope = () => ({ session: server.session, refreshThreshold: server.refreshThreshold, sessionExpiry: server.sessionExpiry });
      switch (req.method) {
        case "GET":
          return reply(200, envelope());
        case "POST":
          if (!server.session) return reply(401, { error: { code: "unauthenticated", message: "no session" } });
          server.session = { ...server.session, lastActivity: Date.now(), expiresAt: Date.now() + 7 * 24 * HOUR };
          return reply(200, envelope());
        case "PATCH":
          if (!server.session) return reply(401, { error: { code: "unauthenticated", message: "no session" } });
          if (!req.body || typeof req.body.user !== "object" || Object.keys(req.body).length !== 1) return reply(400, { error: { code: "bad_request", message: "expected {user: {...}}" } });
          if ("id" in req.body.user) return reply(403, { error: { code: "field_not_allowed", message: "id cannot change" } });
          server.session = { ...server.session, user: { ...server.session.user, ...req.body.user } };
          return reply(200, envelope());
        case "DELETE":
          server.session = null;
          return reply(200, { session: null });
        default:
          return reply(405, { error: { code: "method_not_allowed", message: "no" } });
      }
    },
    count: (method) => server.requests.filter((r) => r.method === method).length,
  };
  return server;
}

/** A deferred response: resolve it later with d.resolve(response). */
export function deferred() {
  let resolve, reject;
  const promise = new Promise((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

/** Storage shared by several fake windows; setItem fires "storage" in the others, as browsers do. */
export function makeStorageArea() {
  const data = new Map();
  const windows = new Set();
  return {
    windows,
    storageFor(win) {
      windows.add(win);
      return {
        getItem: (k) => (data.has(k) ? data.get(k) : null),
        removeItem: (k) => void data.delete(k),
        setItem(k, v) {
          const oldValue = data.has(k) ? data.get(k) : null;
          data.set(k, String(v));
          for (const other of windows) {
            if (other === win) continue;
            const e = new Event("storage");
            Object.assign(e, { key: k, oldValue, newValue: String(v) });
            queueMicrotask(() => other.dispatchEvent(e));
          }
        },
      };
    },
  };
}

/**
 * A fake window: an EventTarget with document, location, history and
 * (optionally) localStorage and a Navigation API object. history.pushState
 * and replaceState change location as browsers do (and fire the
 * navigation's "currententrychange" when there is one); win.traverse(url)
 * stands for the back button (location changes, then "popstate").
 */
export function makeWindow({ path = "/dashboard", search = "", initialJSON, storageArea, navigation = false } = {}) {
  const win = new EventTarget();
  const doc = new EventTarget();
  doc.hidden = false;
  doc.getElementById = (id) => (id === "authsession-initial" && initialJSON !== undefined ? { textContent: initialJSON } : null);
  win.document = doc;
  win.location = { pathname: path, search, assigned: [], assign(u) { this.assigned.push(u); } };
  if (storageArea) win.localStorage = storageArea.storageFor(win);
  if (navigation) win.navigation = new EventTarget();
  const go = (url) => {
    const u = new URL(String(url), "http://app.test" + win.location.pathname + win.location.search);
    win.location.pathname = u.pathname;
    win.location.search = u.search;
    if (win.navigation) win.navigation.dispatchEvent(new Event("currententrychange"));
  };
  win.history = {
    calls: [],
    pushState(state, title, url) {
      this.calls.push(["push", url]);
      if (url !== undefined) go(url);
    },
    replaceState(state, title, url) {
      this.calls.push(["replace", url]);
      if (url !== undefined) go(url);
    },
  };
  win.traverse = (url) => {
    go(url);
    win.dispatchEvent(new Event("popstate"));
  };
  // Count live listeners so tests can check destroy() removes them all.
  win.listeners = 0;
  doc.listeners = 0;
  for (const t of [win, doc, win.navigation].filter(Boolean)) {
    t.listeners = 0;
    const add = t.addEventListener.bind(t);
    const remove = t.removeEventListener.bind(t);
    t.addEventListener = (type, fn, opts) => (t.listeners++, add(type, fn, opts));
    t.removeEventListener = (type, fn, opts) => (t.listeners--, remove(type, fn, opts));
  }
  win.setHidden = (hidden) => {
    doc.hidden = hidden;
    doc.dispatchEvent(new Event("visibilitychange"));
  };
  return win;
}

/** An in-process BroadcastChannel: messages reach the other open instances of the same name, asynchronously. */
export function makeChannelClass() {
  const open = new Set();
  return class FakeBroadcastChannel {
    static open = open;
    constructor(name) {
      this.name = name;
      this.onmessage = null;
      this.sent = [];
      open.add(this);
    }
    postMessage(msg) {
      if (!open.has(this)) throw new Error("InvalidStateError: channel closed");
      this.sent.push(msg);
      const data = structuredClone(msg);
      for (const other of open) {
        if (other !== this && other.name === this.name) queueMicrotask(() => other.onmessage && open.has(other) && other.onmessage({ data }));
      }
    }
    close() {
      open.delete(this);
    }
  };
}

/**
 * A fake clock for one test: replaces setTimeout, setInterval, their clear
 * functions and Date.now until the test ends. (Node's own mock timers
 * differ between versions; this works on every Node with node:test.)
 * tick(ms) advances time, running due timers in order.
 */
export function mockClock(t, start) {
  const saved = {
    setTimeout: globalThis.setTimeout,
    clearTimeout: globalThis.clearTimeout,
    setInterval: globalThis.setInterval,
    clearInterval: globalThis.clearInterval,
    now: Date.now,
  };
  let now = start;
  let nextId = 1;
  const timers = new Map();
  const add = (fn, ms, every) => {
    const id = nextId++;
    timers.set(id, { at: now + Math.max(0, Number(ms) || 0), fn, every });
    return id;
  };
  globalThis.setTimeout = (fn, ms) => add(fn, ms, 0);
  globalThis.setInterval = (fn, ms) => add(fn, ms, Math.max(1, Number(ms) || 0));
  globalThis.clearTimeout = globalThis.clearInterval = (id) => void timers.delete(id);
  Date.now = () => now;
  t.after(() => {
    Object.assign(globalThis, { setTimeout: saved.setTimeout, clearTimeout: saved.clearTimeout, setInterval: saved.setInterval, clearInterval: saved.clearInterval });
    Date.now = saved.now;
  });
  return {
    get pending() {
      return timers.size;
    },
    tick(ms) {
      const end = now + ms;
      for (;;) {
        let next = null;
        for (const [id, tm] of timers) if (tm.at <= end && (!next || tm.at < next[1].at)) next = [id, tm];
        if (!next) break;
        const [id, tm] = next;
        now = tm.at;
        if (tm.every) tm.at += tm.every;
        else timers.delete(id);
        tm.fn();
      }
      now = end;
    },
  };
}
