// The browser integrations: expiry tracking, requireAuth, polling, focus,
// activity and cross-tab sync, with mocked timers and fake DOM objects.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { createSessionClient } from "../client.js";
import { HOUR, makeServer, makeSession, makeWindow, makeChannelClass, makeStorageArea, mockClock, flush, reply } from "./fakes.mjs";

const T0 = Date.UTC(2026, 0, 1);

function setup(t, { server = makeServer({ session: makeSession() }), win = makeWindow(), ...options } = {}) {
  const client = createSessionClient({ fetch: server.fetch, window: win, BroadcastChannel: null, ...options });
  t.after(() => client.destroy());
  return { client, server, win };
}

const clockAt = (t) => mockClock(t, T0);

describe("expiry", () => {
  test("expiresAt, expiresIn and isExpiringSoon follow the clock", (t) => {
    const clock = clockAt(t);
    const { client } = setup(t, { initialSession: makeSession({ expiresAt: T0 + 2 * HOUR }), refetchOnWindowFocus: false });
    assert.equal(client.expiresAt, T0 + 2 * HOUR);
    assert.equal(client.expiresIn, 2 * HOUR);
    assert.equal(client.isExpiringSoon, false);
    clock.tick(HOUR);
    assert.equal(client.expiresIn, HOUR);
    assert.equal(client.isExpiringSoon, true);
    assert.equal(client.getState().isExpiringSoon, true);
  });

  test("the expiring-soon window is configurable", (t) => {
    clockAt(t);
    const { client } = setup(t, { initialSession: makeSession({ expiresAt: T0 + 2 * HOUR }), expiringSoonThreshold: 3 * HOUR });
    assert.equal(client.isExpiringSoon, true);
  });

  test("expiryDate is used when expiresAt is missing", (t) => {
    clockAt(t);
    const s = makeSession({ expiryDate: new Date(T0 + HOUR).toISOString() });
    delete s.expiresAt;
    const { client } = setup(t, { initialSession: s });
    assert.equal(client.expiresAt, T0 + HOUR);
    const { client: c2 } = setup(t, { initialSession: { ...s, expiryDate: "garbage" } });
    assert.equal(c2.expiresAt, null);
    assert.equal(c2.isExpiringSoon, false);
  });

  test("at expiry the client asks the server", async (t) => {
    const clock = clockAt(t);
    const server = makeServer({ session: null });
    const { client } = setup(t, { server, initialSession: makeSession({ expiresAt: T0 + HOUR }) });
    clock.tick(HOUR);
    assert.equal(server.count("GET"), 0);
    clock.tick(1000);
    await flush();
    assert.equal(server.count("GET"), 1);
    assert.equal(client.status, "unauthenticated");
    assert.equal(client.expiresIn, null);
  });

  test("an already expired session is checked at once", async (t) => {
    const clock = clockAt(t);
    const server = makeServer({ session: null });
    const { client } = setup(t, { server, initialSession: makeSession({ expiresAt: T0 - 10 * HOUR }) });
    assert.equal(client.expiresIn, 0);
    clock.tick(1000);
    await flush();
    assert.equal(client.status, "unauthenticated");
  });
});

describe("requireAuth", () => {
  test("redirects with callbackUrl when unauthenticated", async (t) => {
    const win = makeWindow({ path: "/dashboard/a b", search: "?tab=1&x=%2F" });
    const { client } = setup(t, { win, server: makeServer({ session: null }) });
    assert.equal(await client.requireAuth("/login"), false);
    assert.deepEqual(win.location.assigned, ["/login?callbackUrl=" + encodeURIComponent("/dashboard/a b?tab=1&x=%2F")]);
  });

  test("keeps a query in the login path", async (t) => {
    const win = makeWindow({ path: "/x" });
    const { client } = setup(t, { win, initialSession: null });
    await client.requireAuth("/login?lang=en");
    assert.deepEqual(win.location.assigned, ["/login?lang=en&callbackUrl=%2Fx"]);
  });

  for (const bad of ["//evil.example", "https://evil.example/login", "/\\evil.example", 42]) {
    test(`never redirects off-site: ${bad}`, async (t) => {
      const win = makeWindow({ path: "/x" });
      const { client } = setup(t, { win, initialSession: null });
      await client.requireAuth(bad);
      assert.deepEqual(win.location.assigned, ["/login?callbackUrl=%2Fx"]);
    });
  }

  test("resolves true when authenticated and redirects once the session ends", async (t) => {
    const win = makeWindow({ path: "/p" });
    const { client } = setup(t, { win });
    assert.equal(await client.requireAuth(), true);
    assert.deepEqual(win.location.assigned, []);
    await client.logout();
    await client.refetch();
    assert.deepEqual(win.location.assigned, ["/login?callbackUrl=%2Fp"]); // once
  });

  test("waits for the server's word after a network failure", async (t) => {
    const win = makeWindow({ path: "/p" });
    const server = makeServer({ session: null });
    server.next.push(new TypeError("Failed to fetch"));
    const { client } = setup(t, { win, server });
    assert.equal(await client.requireAuth(), false);
    assert.equal(client.error.code, "network_error");
    assert.deepEqual(win.location.assigned, []);
    await client.refetch();
    assert.deepEqual(win.location.assigned, ["/login?callbackUrl=%2Fp"]);
  });

  test("does nothing after destroy", async (t) => {
    const win = makeWindow();
    const { client } = setup(t, { win, initialSession: null });
    client.destroy();
    assert.equal(await client.requireAuth(), false);
    assert.deepEqual(win.location.assigned, []);
  });
});

describe("refetching", () => {
  test("polls at refetchInterval (milliseconds) while visible", async (t) => {
    const clock = clockAt(t);
    const { client, server, win } = setup(t, { initialSession: makeSession(), refetchInterval: 30_000 });
    clock.tick(29_999);
    await flush();
    assert.equal(server.count("GET"), 0);
    clock.tick(1);
    await flush();
    assert.equal(server.count("GET"), 1);
    win.document.hidden = true;
    clock.tick(60_000);
    await flush();
    assert.equal(server.count("GET"), 1);
    client.destroy();
    win.document.hidden = false;
    clock.tick(60_000);
    await flush();
    assert.equal(server.count("GET"), 1);
  });

  test("refetches when the page becomes visible or focused: once per burst, at most once a second", async (t) => {
    const clock = clockAt(t);
    const { server, win } = setup(t, { initialSession: makeSession() });
    win.setHidden(true);
    await flush();
    assert.equal(server.count("GET"), 0);
    win.setHidden(false);
    win.dispatchEvent(new Event("focus"));
    await flush();
    assert.equal(server.count("GET"), 1);
    for (let i = 0; i < 20; i++) win.dispatchEvent(new Event("focus"));
    await flush();
    assert.equal(server.count("GET"), 1, "within a second of the last request: deferred");
    clock.tick(1000);
    await flush();
    assert.equal(server.count("GET"), 2, "the deferred GET, once");
    clock.tick(10_000);
    await flush();
    assert.equal(server.count("GET"), 2);
  });

  test("refetchOnWindowFocus false", async (t) => {
    const { server, win } = setup(t, { initialSession: makeSession(), refetchOnWindowFocus: false });
    win.dispatchEvent(new Event("focus"));
    win.setHidden(false);
    await flush();
    assert.equal(server.count("GET"), 0);
  });
});

describe("activity", () => {
  test("refreshes on activity once lastActivity is older than the server's threshold", async (t) => {
    const clock = clockAt(t);
    const { client, server, win } = setup(t, {
      initialSession: { session: makeSession({ lastActivity: T0 }), refreshThreshold: 600 },
      refetchOnWindowFocus: false,
    });
    win.dispatchEvent(new Event("mousemove"));
    await flush();
    assert.equal(server.count("POST"), 0, "not due yet");
    clock.tick(599_000);
    win.dispatchEvent(new Event("keydown"));
    await flush();
    assert.equal(server.count("POST"), 0, "599 s old: not due");
    clock.tick(1000);
    win.dispatchEvent(new Event("touchstart"));
    win.dispatchEvent(new Event("mousedown"));
    await flush();
    assert.equal(server.count("POST"), 1);
    assert.equal(client.session.lastActivity, T0 + 600_000);
    clock.tick(120_000);
    for (const type of ["scroll", "mousedown", "wheel"]) win.dispatchEvent(new Event(type));
    await flush();
    assert.equal(server.count("POST"), 1, "fresh again");
  });

  test("activityRefreshInterval (milliseconds) replaces the threshold: one refresh per interval while active", async (t) => {
    const clock = clockAt(t);
    const { server, win } = setup(t, {
      initialSession: { session: makeSession({ lastActivity: T0 }), refreshThreshold: 86_400 },
      activityRefreshInterval: 30_000,
      refetchOnWindowFocus: false,
    });
    clock.tick(29_999);
    win.dispatchEvent(new Event("keydown"));
    await flush();
    assert.equal(server.count("POST"), 0);
    // Activity every 100 ms for five minutes: one refresh per 30 s.
    for (let i = 0; i < 3000; i++) {
      clock.tick(100);
      win.dispatchEvent(new Event("mousemove"));
      if (i % 50 === 0) await flush();
    }
    await flush();
    assert.equal(server.count("POST"), 10);
    assert.equal(server.requests.length, 10);
  });

  test("a failed activity refresh is retried after a minute, not on every event", async (t) => {
    const clock = clockAt(t);
    const server = makeServer({ session: makeSession({ lastActivity: T0 }) });
    for (let i = 0; i < 5; i++) server.next.push(reply(503, { error: { code: "store_unavailable", message: "later" } }));
    const { client, win } = setup(t, { server, initialSession: makeSession({ lastActivity: T0 - 2 * 24 * HOUR }), refetchOnWindowFocus: false });
    for (let i = 0; i < 590; i++) {
      win.dispatchEvent(new Event("keydown"));
      await flush();
      clock.tick(100);
    }
    assert.equal(server.count("POST"), 1, "59 s of activity after a failure: no retry");
    assert.equal(client.error.code, "store_unavailable");
    clock.tick(1000);
    win.dispatchEvent(new Event("keydown"));
    await flush();
    assert.equal(server.count("POST"), 2);
  });

  test("uses the server's refreshThreshold from GET (seconds there)", async (t) => {
    const clock = clockAt(t);
    const server = makeServer({ session: makeSession({ lastActivity: T0 }), refreshThreshold: 5 });
    const { client, win } = setup(t, { server, refetchOnWindowFocus: false });
    await client.ready;
    assert.equal(client.refreshThreshold, 5000);
    clock.tick(4999);
    win.dispatchEvent(new Event("scroll"));
    await flush();
    assert.equal(server.count("POST"), 0);
    clock.tick(1);
    win.dispatchEvent(new Event("scroll"));
    await flush();
    assert.equal(server.count("POST"), 1);
  });

  test("the activityRefreshInterval option wins over the server's threshold", async (t) => {
    const clock = clockAt(t);
    const server = makeServer({ session: makeSession({ lastActivity: T0 }), refreshThreshold: 5 });
    const { client, win } = setup(t, { server, activityRefreshInterval: 100_000, refetchOnWindowFocus: false });
    await client.ready;
    assert.equal(client.refreshThreshold, 5000, "the server's, unchanged");
    clock.tick(99_999);
    win.dispatchEvent(new Event("scroll"));
    await flush();
    assert.equal(server.count("POST"), 0);
    clock.tick(1);
    win.dispatchEvent(new Event("scroll"));
    await flush();
    assert.equal(server.count("POST"), 1);
  });

  test("no refresh without a session or when disabled", async (t) => {
    const clock = clockAt(t);
    const { server, win } = setup(t, { initialSession: null });
    const { server: s2, win: w2 } = setup(t, { initialSession: makeSession({ lastActivity: 0 }), refreshOnActivity: false });
    clock.tick(10 * HOUR);
    win.dispatchEvent(new Event("keydown"));
    w2.dispatchEvent(new Event("keydown"));
    await flush();
    assert.equal(server.count("POST") + s2.count("POST"), 0);
  });

  test("the options of earlier versions are named in a warning and ignored", async (t) => {
    const clock = clockAt(t);
    const warnings = [];
    const server = makeServer({ session: makeSession({ lastActivity: T0 }), refreshThreshold: 5 });
    const { client, win } = setup(t, { server, refreshThreshold: 100, activityThrottle: 0, onWarning: (m) => warnings.push(m) });
    await client.ready;
    assert.equal(warnings.length, 2);
    assert.match(warnings[0], /^authsession: refreshThreshold was renamed activityRefreshInterval \(milliseconds\)/);
    assert.match(warnings[1], /^authsession: activityThrottle is gone/);
    clock.tick(5000);
    win.dispatchEvent(new Event("scroll"));
    await flush();
    assert.equal(server.count("POST"), 1, "the server's 5 s threshold applies");
  });
});

describe("cross-tab sync", () => {
  function twoTabs(t, transport) {
    const server = makeServer({ session: makeSession() });
    const Channel = transport === "channel" ? makeChannelClass() : null;
    const area = makeStorageArea();
    const tab = () => {
      const win = makeWindow({ storageArea: area });
      const client = createSessionClient({ fetch: server.fetch, window: win, BroadcastChannel: Channel, initialSession: makeSession() });
      t.after(() => client.destroy());
      return client;
    };
    return { server, a: tab(), b: tab(), Channel };
  }

  for (const transport of ["channel", "storage"]) {
    test(`${transport}: logout in one tab logs out the other`, async (t) => {
      const { a, b } = twoTabs(t, transport);
      const reasons = [];
      b.subscribe((s, reason) => reasons.push(`${s.status}:${reason}`));
      await a.logout();
      await flush();
      assert.equal(b.status, "unauthenticated");
      assert.deepEqual(reasons, ["unauthenticated:sync"]);
    });

    test(`${transport}: updates reach the other tab`, async (t) => {
      const { a, b, server } = twoTabs(t, transport);
      await a.update({ name: "Bea" });
      await flush();
      await flush();
      assert.equal(b.user.name, "Bea");
      // The channel carries the session; storage only signals a refetch.
      assert.equal(server.count("GET"), transport === "channel" ? 0 : 1);
    });

    test(`${transport}: a tab that finds the session gone tells the others`, async (t) => {
      const { a, b, server } = twoTabs(t, transport);
      server.session = null;
      await a.refetch();
      await flush();
      assert.equal(b.status, "unauthenticated");
    });
  }

  test("storage never holds the session", async (t) => {
    const area = makeStorageArea();
    const win = makeWindow({ storageArea: area });
    const server = makeServer({ session: makeSession({ accessToken: "at-secret" }) });
    const client = createSessionClient({ fetch: server.fetch, window: win, BroadcastChannel: null, initialSession: makeSession() });
    t.after(() => client.destroy());
    await client.update({ name: "Bea" });
    const stored = win.localStorage.getItem("authsession:/api/session");
    assert.ok(stored);
    assert.equal(stored.includes("Bea") || stored.includes("at-secret"), false);
  });

  test("messages from other tabs are validated", async (t) => {
    const Channel = makeChannelClass();
    const server = makeServer({ session: makeSession() });
    const { client } = setup(t, { server, BroadcastChannel: Channel, initialSession: makeSession() });
    const evil = new Channel("authsession:/api/session");
    t.after(() => evil.close());
    for (const msg of [null, "logout", 42, { type: "nope" }, { type: "session", session: { user: "x" } }]) evil.postMessage(msg);
    await flush();
    assert.equal(client.status, "authenticated");
    assert.equal(server.count("GET"), 1, "a malformed session makes it ask the server");
  });

  test("a broken channel constructor falls back to storage", async (t) => {
    const area = makeStorageArea();
    const Broken = class {
      constructor() {
        throw new Error("blocked");
      }
    };
    const server = makeServer({ session: makeSession() });
    const mk = () => {
      const c = createSessionClient({ fetch: server.fetch, window: makeWindow({ storageArea: area }), BroadcastChannel: Broken, initialSession: makeSession() });
      t.after(() => c.destroy());
      return c;
    };
    const a = mk();
    const b = mk();
    await a.logout();
    await flush();
    assert.equal(b.status, "unauthenticated");
  });

  test("crossTab false shares nothing", async (t) => {
    const Channel = makeChannelClass();
    const { client } = setup(t, { BroadcastChannel: Channel, crossTab: false, initialSession: makeSession() });
    assert.equal(Channel.open.size, 0);
    await client.logout();
  });

  test("other base paths are other channels", async (t) => {
    const Channel = makeChannelClass();
    const { client: a } = setup(t, { BroadcastChannel: Channel, initialSession: makeSession() });
    const { client: b } = setup(t, { BroadcastChannel: Channel, initialSession: makeSession(), basePath: "/other" });
    await a.logout();
    await flush();
    assert.equal(b.status, "authenticated");
  });
});

describe("destroy", () => {
  test("removes every listener, timer and channel", async (t) => {
    const clock = clockAt(t);
    const Channel = makeChannelClass();
    const win = makeWindow({ storageArea: makeStorageArea() });
    const server = makeServer({ session: makeSession() });
    const client = createSessionClient({ fetch: server.fetch, window: win, BroadcastChannel: Channel, initialSession: makeSession(), refetchInterval: 10_000 });
    assert.ok(win.listeners > 0);
    assert.ok(win.document.listeners > 0);
    assert.equal(Channel.open.size, 1);
    let calls = 0;
    client.subscribe(() => calls++);
    assert.ok(clock.pending > 0);
    client.destroy();
    assert.equal(clock.pending, 0, "timers left");
    assert.equal(win.listeners, 0);
    assert.equal(win.document.listeners, 0);
    assert.equal(Channel.open.size, 0);
    clock.tick(30 * 24 * HOUR);
    win.dispatchEvent(new Event("focus"));
    await flush();
    assert.equal(server.requests.length, 0);
    assert.equal(calls, 0);
  });

  test("without storage fallback the window gets no storage listener", (t) => {
    const win = makeWindow();
    Object.defineProperty(win, "localStorage", { get() { throw new Error("SecurityError"); } });
    const { client } = setup(t, { win, initialSession: null });
    assert.equal(client.status, "unauthenticated");
  });
});
