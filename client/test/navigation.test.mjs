// Keeping a single-page app in step: refreshInterval (POST on a timer),
// refetchOnPathChange (History and Navigation APIs) and requireAuth with
// an AbortSignal, as the React bindings use them.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { createSessionClient } from "../client.js";
import { HOUR, makeServer, makeSession, makeWindow, mockClock, flush } from "./fakes.mjs";

const T0 = Date.UTC(2026, 0, 1);

function setup(t, { server = makeServer({ session: makeSession() }), win = makeWindow(), ...options } = {}) {
  const client = createSessionClient({ fetch: server.fetch, window: win, BroadcastChannel: null, refetchOnWindowFocus: false, ...options });
  t.after(() => client.destroy());
  return { client, server, win };
}

describe("refreshInterval", () => {
  test("extends the session with POST on a timer (milliseconds) while visible", async (t) => {
    const clock = mockClock(t, T0);
    const { client, server, win } = setup(t, { initialSession: makeSession({ expiresAt: T0 + HOUR }), refreshInterval: 300_000 });
    clock.tick(299_000);
    await flush();
    assert.equal(server.count("POST"), 0);
    clock.tick(1000);
    await flush();
    assert.equal(server.count("POST"), 1);
    assert.equal(server.count("GET"), 0, "a refresh, not a re-read");
    assert.equal(client.expiresAt, T0 + 300_000 + 7 * 24 * HOUR);
    win.document.hidden = true;
    clock.tick(600_000);
    await flush();
    assert.equal(server.count("POST"), 1, "not while hidden");
    win.document.hidden = false;
    clock.tick(300_000);
    await flush();
    assert.equal(server.count("POST"), 2);
    client.destroy();
    clock.tick(HOUR);
    await flush();
    assert.equal(server.count("POST"), 2, "not after destroy");
  });

  test("next-auth-session's 5 * 60 * 1000 means five minutes", async (t) => {
    const clock = mockClock(t, T0);
    const { server } = setup(t, { initialSession: makeSession({ expiresAt: T0 + 100 * HOUR }), refreshInterval: 5 * 60 * 1000 });
    for (let i = 0; i < 60; i++) {
      clock.tick(60_000);
      await flush();
    }
    assert.equal(server.count("POST"), 12);
  });

  test("does nothing without a session", async (t) => {
    const clock = mockClock(t, T0);
    const { server } = setup(t, { initialSession: null, refreshInterval: 60_000 });
    clock.tick(HOUR);
    await flush();
    assert.equal(server.requests.length, 0);
  });

  test("a 401 on the timed refresh signs out", async (t) => {
    const clock = mockClock(t, T0);
    const server = makeServer({ session: null });
    const { client } = setup(t, { server, initialSession: makeSession({ expiresAt: T0 + HOUR }), refreshInterval: 60_000 });
    clock.tick(60_000);
    await flush();
    assert.equal(client.status, "unauthenticated");
    assert.equal(client.error.code, "unauthenticated");
  });

  test("refetchInterval stays a plain re-read", async (t) => {
    const clock = mockClock(t, T0);
    const { server } = setup(t, { initialSession: makeSession({ expiresAt: T0 + HOUR }), refetchInterval: 60_000 });
    clock.tick(60_000);
    await flush();
    assert.deepEqual([server.count("GET"), server.count("POST")], [1, 0]);
  });

  test("with both intervals due together, one request: the refresh", async (t) => {
    const clock = mockClock(t, T0);
    const { server } = setup(t, { initialSession: makeSession({ expiresAt: T0 + 100 * HOUR }), refetchInterval: 1000, refreshInterval: 1000 });
    clock.tick(60_000);
    await flush();
    assert.ok(server.requests.length <= 60, `${server.requests.length} requests in 60 s`);
  });
});

describe("refetchOnPathChange", () => {
  test("a burst of navigations: one GET at once, one more a second later", async (t) => {
    const clock = mockClock(t, T0);
    const { server, win } = setup(t, { initialSession: makeSession(), refetchOnPathChange: true });
    for (let i = 0; i < 50; i++) win.history.pushState({}, "", "/page/" + i);
    await flush();
    assert.equal(server.count("GET"), 1, "the GET under way serves the whole burst");
    for (let i = 0; i < 50; i++) win.history.pushState({}, "", "/more/" + i);
    await flush();
    assert.equal(server.count("GET"), 1, "answered less than a second ago: deferred");
    clock.tick(999);
    await flush();
    assert.equal(server.count("GET"), 1);
    clock.tick(1);
    await flush();
    assert.equal(server.count("GET"), 2, "one deferred GET for the second burst");
    clock.tick(HOUR);
    await flush();
    assert.equal(server.count("GET"), 2);
  });

  test("History API: pushState, replaceState and popstate to another path GET the session", async (t) => {
    const clock = mockClock(t, T0);
    const { server, win } = setup(t, { initialSession: makeSession(), refetchOnPathChange: true });
    win.history.pushState({}, "", "/account");
    await flush();
    assert.equal(server.count("GET"), 1);
    assert.equal(win.location.pathname, "/account", "the original pushState still ran");
    clock.tick(1000);
    win.history.pushState({}, "", "/account?tab=2#x");
    await flush();
    assert.equal(server.count("GET"), 1, "same path: no request");
    win.history.replaceState({}, "", "/settings");
    await flush();
    assert.equal(server.count("GET"), 2);
    clock.tick(1000);
    win.traverse("/dashboard");
    await flush();
    assert.equal(server.count("GET"), 3);
    assert.deepEqual(win.history.calls.map((c) => c[0]), ["push", "push", "replace"]);
  });

  test("a path change that finds the session gone signs out", async (t) => {
    const server = makeServer({ session: null });
    const { client, win } = setup(t, { server, initialSession: makeSession(), refetchOnPathChange: true });
    win.history.pushState(null, "", "/next");
    await flush();
    assert.equal(client.status, "unauthenticated");
  });

  test("destroy puts history back and removes the listeners", async (t) => {
    const win = makeWindow();
    const { pushState, replaceState } = win.history;
    const { client, server } = setup(t, { win, initialSession: makeSession(), refetchOnPathChange: true });
    assert.notEqual(win.history.pushState, pushState);
    client.destroy();
    assert.equal(win.history.pushState, pushState);
    assert.equal(win.history.replaceState, replaceState);
    assert.equal(win.listeners, 0);
    win.history.pushState({}, "", "/elsewhere");
    win.traverse("/again");
    await flush();
    assert.equal(server.requests.length, 0);
  });

  test("a wrapper added on top of ours is kept, and ours goes inert", async (t) => {
    const win = makeWindow();
    const { client, server } = setup(t, { win, initialSession: makeSession(), refetchOnPathChange: true });
    const ours = win.history.pushState;
    let theirs = 0;
    const wrapper = function (...args) {
      theirs++;
      return ours.apply(this, args);
    };
    win.history.pushState = wrapper;
    client.destroy();
    assert.equal(win.history.pushState, wrapper);
    win.history.pushState({}, "", "/x");
    await flush();
    assert.equal(theirs, 1);
    assert.equal(win.location.pathname, "/x");
    assert.equal(server.requests.length, 0);
  });

  test("two clients each see the change, and each unwraps in turn", async (t) => {
    const win = makeWindow();
    const { pushState } = win.history;
    const a = setup(t, { win, initialSession: makeSession(), refetchOnPathChange: true });
    const b = setup(t, { win, initialSession: makeSession(), refetchOnPathChange: true });
    win.history.pushState({}, "", "/two");
    await flush();
    assert.deepEqual([a.server.count("GET"), b.server.count("GET")], [1, 1]);
    b.client.destroy();
    a.client.destroy();
    assert.equal(win.history.pushState, pushState);
  });

  test("Navigation API: listens to currententrychange and leaves history alone", async (t) => {
    const clock = mockClock(t, T0);
    const win = makeWindow({ navigation: true });
    const { pushState } = win.history;
    const { client, server } = setup(t, { win, initialSession: makeSession(), refetchOnPathChange: true });
    assert.equal(win.history.pushState, pushState, "not wrapped");
    win.history.pushState({}, "", "/account");
    await flush();
    assert.equal(server.count("GET"), 1);
    clock.tick(1000);
    win.traverse("/dashboard"); // currententrychange and popstate: one request
    await flush();
    assert.equal(server.count("GET"), 2);
    client.destroy();
    assert.equal(win.navigation.listeners, 0);
  });

  test("off by default", async (t) => {
    const win = makeWindow();
    const { pushState } = win.history;
    const { server } = setup(t, { win, initialSession: makeSession() });
    assert.equal(win.history.pushState, pushState);
    win.history.pushState({}, "", "/account");
    win.traverse("/other");
    await flush();
    assert.equal(server.requests.length, 0);
  });

  test("a window without history still works", async (t) => {
    const win = makeWindow();
    delete win.history;
    const { client, server } = setup(t, { win, initialSession: makeSession(), refetchOnPathChange: true });
    win.location.pathname = "/moved";
    win.dispatchEvent(new Event("popstate"));
    await flush();
    assert.equal(server.count("GET"), 1);
    client.destroy();
    assert.equal(win.listeners, 0);
  });
});

describe("requireAuth with a signal", () => {
  test("aborting stops the watch: a later sign-out does not redirect", async (t) => {
    const { client, win } = setup(t, { initialSession: makeSession() });
    const ctrl = new AbortController();
    assert.equal(await client.requireAuth("/login", { signal: ctrl.signal }), true);
    ctrl.abort();
    await client.logout();
    assert.deepEqual(win.location.assigned, []);
  });

  test("without aborting, the sign-out redirects", async (t) => {
    const { client, win } = setup(t, { initialSession: makeSession() });
    const ctrl = new AbortController();
    await client.requireAuth("/login", { signal: ctrl.signal });
    await client.logout();
    assert.deepEqual(win.location.assigned, ["/login?callbackUrl=%2Fdashboard"]);
  });

  test("an aborted signal resolves false and never redirects", async (t) => {
    const { client, win } = setup(t, { initialSession: null });
    const ctrl = new AbortController();
    ctrl.abort();
    assert.equal(await client.requireAuth("/login", { signal: ctrl.signal }), false);
    assert.deepEqual(win.location.assigned, []);
  });

  test("aborted while loading: no redirect when the answer comes", async (t) => {
    const { client, win } = setup(t, { server: makeServer({ session: null }) });
    const ctrl = new AbortController();
    const p = client.requireAuth("/login", { signal: ctrl.signal });
    ctrl.abort();
    assert.equal(await p, false);
    assert.deepEqual(win.location.assigned, []);
  });
});
