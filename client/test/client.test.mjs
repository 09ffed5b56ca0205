import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { createSessionClient, readInitialSession } from "../client.js";
import { makeServer, makeSession, makeWindow, reply, deferred, flush } from "./fakes.mjs";

// Every client gets explicit fakes: Node has its own fetch and BroadcastChannel.
function setup(t, { server = makeServer({ session: makeSession() }), win = null, ...options } = {}) {
  const client = createSessionClient({ fetch: server.fetch, window: win, BroadcastChannel: null, ...options });
  t.after(() => client.destroy());
  return { client, server, win };
}

describe("loading", () => {
  test("fetches the session on load with a same-origin GET", async (t) => {
    const { client, server } = setup(t);
    assert.equal(client.status, "loading");
    const state = await client.ready;
    assert.equal(state.status, "authenticated");
    assert.equal(client.status, "authenticated");
    assert.equal(client.user.name, "Ann");
    assert.equal(client.session.user.id, "u_1");
    assert.equal(client.error, null);
    // Seconds on the wire, milliseconds in JavaScript.
    assert.equal(client.refreshThreshold, 86_400_000);
    assert.equal(client.sessionExpiry, 604_800_000);
    assert.equal(server.requests.length, 1);
    const [req] = server.requests;
    assert.equal(req.url, "/api/session");
    assert.equal(req.method, "GET");
    assert.equal(req.init.credentials, "same-origin");
    assert.equal(req.init.cache, "no-store");
    assert.equal(req.init.headers.Accept, "application/json");
    assert.equal(req.init.body, undefined);
  });

  test("a null session is unauthenticated", async (t) => {
    const { client } = setup(t, { server: makeServer({ session: null }) });
    const state = await client.ready;
    assert.equal(state.status, "unauthenticated");
    assert.equal(client.session, null);
    assert.equal(client.user, null);
    assert.equal(client.expiresAt, null);
    assert.equal(client.expiresIn, null);
    assert.equal(client.isExpiringSoon, false);
  });

  const tolerated = [
    ["body without session", reply(200, { refreshThreshold: 10 })],
    ["session without user", reply(200, { session: { expiresAt: 1 } })],
    ["user is not an object", reply(200, { session: { user: "u_1" } })],
    ["user is an array", reply(200, { session: { user: [] } })],
    ["session is a string", reply(200, { session: "x" })],
    ["body is an array", reply(200, [1, 2])],
    ["body is not JSON", reply(200)],
    ["401", reply(401, { error: { code: "unauthenticated", message: "no" } })],
  ];
  for (const [name, response] of tolerated) {
    test(`GET ${name} means no session`, async (t) => {
      const server = makeServer({ session: makeSession() });
      server.next.push(response);
      const { client } = setup(t, { server });
      await client.ready;
      assert.equal(client.status, "unauthenticated");
      assert.equal(client.session, null);
    });
  }

  const failures = [
    ["network error", new TypeError("Failed to fetch"), "network_error", 0],
    ["500 without body", reply(500), "http_500", 500],
    ["503 with API error", reply(503, { error: { code: "store_unavailable", message: "try later" } }), "store_unavailable", 503],
    ["error with bad fields", reply(502, { error: { code: 7, message: {} } }), "http_502", 502],
  ];
  for (const [name, response, code, status] of failures) {
    test(`a ${name} on load sets error without throwing`, async (t) => {
      const server = makeServer({ session: makeSession() });
      server.next.push(response);
      const events = [];
      const { client } = setup(t, { server });
      client.subscribe((s, reason) => events.push([s.status, reason, s.error && s.error.code]));
      const state = await client.ready;
      assert.equal(state.status, "unauthenticated");
      assert.equal(client.error.code, code);
      assert.equal(client.error.status, status);
      assert.equal(typeof client.error.message, "string");
      assert.deepEqual(events, [["unauthenticated", "error", code]]);
      // A later success clears the error.
      const r = await client.refetch();
      assert.equal(r.ok, true);
      assert.equal(client.status, "authenticated");
      assert.equal(client.error, null);
    });
  }

  test("without fetch it reports unsupported", async (t) => {
    const saved = globalThis.fetch;
    globalThis.fetch = undefined;
    t.after(() => (globalThis.fetch = saved));
    const client = createSessionClient({ window: null, BroadcastChannel: null });
    t.after(() => client.destroy());
    await client.ready;
    assert.equal(client.status, "unauthenticated");
    assert.equal(client.error.code, "unsupported");
  });
});

describe("initial session from the page", () => {
  test("initialSession means no request", async (t) => {
    const session = makeSession();
    const { client, server } = setup(t, { initialSession: session });
    assert.equal(client.status, "authenticated");
    assert.equal(client.user.name, "Ann");
    assert.equal((await client.ready).status, "authenticated");
    await flush();
    assert.equal(server.requests.length, 0);
    // A private copy: the caller's object is neither shared nor frozen.
    assert.notEqual(client.session, session);
    assert.equal(Object.isFrozen(session), false);
  });

  test("initialSession null is unauthenticated without a request", async (t) => {
    const { client, server } = setup(t, { initialSession: null });
    assert.equal(client.status, "unauthenticated");
    await flush();
    assert.equal(server.requests.length, 0);
  });

  test("initialSession may be the whole GET body", (t) => {
    const { client } = setup(t, { initialSession: { session: makeSession(), refreshThreshold: 60, sessionExpiry: 600 } });
    assert.equal(client.status, "authenticated");
    assert.equal(client.refreshThreshold, 60_000);
    assert.equal(client.sessionExpiry, 600_000);
  });

  test("reads the authsession-initial script element", async (t) => {
    const win = makeWindow({ initialJSON: JSON.stringify({ session: makeSession(), refreshThreshold: 120 }) });
    const { client, server } = setup(t, { win });
    assert.equal(client.status, "authenticated");
    assert.equal(client.refreshThreshold, 120_000);
    await flush();
    assert.equal(server.count("GET"), 0);
  });

  for (const [name, json] of [["invalid JSON", "{<"], ["empty", ""]]) {
    test(`an element with ${name} falls back to fetching`, async (t) => {
      const win = makeWindow({ initialJSON: json });
      const { client, server } = setup(t, { win });
      assert.equal(client.status, "loading");
      await client.ready;
      assert.equal(server.count("GET"), 1);
    });
  }

  for (const [name, value] of [["an unrelated object", { hello: 1 }], ["a string", "x"], ["an envelope with a bad session", { session: { user: 1 } }]]) {
    test(`initialSession ${name} falls back to fetching`, async (t) => {
      const { client, server } = setup(t, { initialSession: value });
      assert.equal(client.status, "loading");
      await client.ready;
      assert.equal(server.count("GET"), 1);
      assert.equal(client.status, "authenticated");
    });
  }

  test("initialElement false skips the element", async (t) => {
    const win = makeWindow({ initialJSON: JSON.stringify({ session: null }) });
    const { client, server } = setup(t, { win, initialElement: false });
    await client.ready;
    assert.equal(server.count("GET"), 1);
  });

  test("readInitialSession", () => {
    assert.equal(readInitialSession("authsession-initial", undefined), undefined);
    const win = makeWindow({ initialJSON: '{"session":null}' });
    assert.deepEqual(readInitialSession(undefined, win.document), { session: null });
    assert.equal(readInitialSession("other", win.document), undefined);
    const throwing = { getElementById() { throw new Error("boom"); } };
    assert.equal(readInitialSession("x", throwing), undefined);
  });
});

describe("basePath", () => {
  for (const bad of ["//evil.example", "https://evil.example/api", "/\\evil.example", "", "/", "api/session", "/api\nsession", "javascript:alert(1)"]) {
    test(`rejects ${JSON.stringify(bad)}`, () => {
      assert.throws(() => createSessionClient({ basePath: bad, fetch: async () => reply(200, {}), window: null, BroadcastChannel: null }), TypeError);
    });
  }

  test("trims a trailing slash", async (t) => {
    const { client, server } = setup(t, { basePath: "/auth/session/" });
    await client.ready;
    assert.equal(server.requests[0].url, "/auth/session");
  });
});

describe("operations", () => {
  test("refresh POSTs and takes the new session", async (t) => {
    const { client, server } = setup(t, { initialSession: makeSession({ lastActivity: 1 }) });
    const reasons = [];
    client.subscribe((s, reason) => reasons.push(reason));
    const r = await client.refresh();
    assert.equal(r.ok, true);
    assert.equal(r.error, null);
    assert.equal(server.requests[0].method, "POST");
    assert.equal(server.requests[0].init.credentials, "same-origin");
    assert.notEqual(client.session.lastActivity, 1);
    assert.equal(r.session, client.session);
    assert.deepEqual(reasons, ["refresh"]);
  });

  test("concurrent refreshes share one request", async (t) => {
    const { client, server } = setup(t, { initialSession: makeSession() });
    const [a, b] = await Promise.all([client.refresh(), client.refresh()]);
    assert.equal(server.count("POST"), 1);
    assert.equal(a, b);
  });

  test("a 401 on refresh signs out and resolves with the error", async (t) => {
    const server = makeServer({ session: null });
    const { client } = setup(t, { server, initialSession: makeSession() });
    const r = await client.refresh();
    assert.equal(r.ok, false);
    assert.equal(r.error.code, "unauthenticated");
    assert.equal(r.error.status, 401);
    assert.equal(client.status, "unauthenticated");
    assert.equal(client.error.code, "unauthenticated");
  });

  test("update PATCHes JSON fields", async (t) => {
    const { client, server } = setup(t, { initialSession: makeSession() });
    const r = await client.update({ name: "Bea" });
    assert.equal(r.ok, true);
    const req = server.requests[0];
    assert.equal(req.method, "PATCH");
    assert.equal(req.init.headers["Content-Type"], "application/json");
    assert.deepEqual(req.body, { user: { name: "Bea" } });
    assert.equal(client.user.name, "Bea");
  });

  test("a refused update keeps the session and sets error", async (t) => {
    const { client } = setup(t, { initialSession: makeSession() });
    const before = client.session;
    const r = await client.update({ id: "admin" });
    assert.equal(r.ok, false);
    assert.equal(r.error.code, "field_not_allowed");
    assert.equal(r.error.message, "id cannot change");
    assert.equal(r.error.status, 403);
    assert.equal(client.session, before);
    assert.equal(client.status, "authenticated");
    assert.equal(client.error.code, "field_not_allowed");
  });

  for (const [name, fields] of [["null", null], ["an array", ["x"]], ["a string", "name=x"], ["nothing", undefined]]) {
    test(`update with ${name} is refused without a request`, async (t) => {
      const { client, server } = setup(t, { initialSession: makeSession() });
      const r = await client.update(fields);
      assert.equal(r.ok, false);
      assert.equal(r.error.code, "bad_request");
      assert.equal(server.requests.length, 0);
    });
  }

  test("update with unencodable fields is refused without a request", async (t) => {
    const { client, server } = setup(t, { initialSession: makeSession() });
    const cyclic = {};
    cyclic.self = cyclic;
    const r = await client.update(cyclic);
    assert.equal(r.error.code, "bad_request");
    assert.equal((await client.update({ n: 1n })).error.code, "bad_request");
    assert.equal(server.requests.length, 0);
  });

  test("a 200 without session after PATCH asks again with GET", async (t) => {
    const server = makeServer({ session: makeSession() });
    server.next.push(reply(200, { ok: true }));
    const { client } = setup(t, { server, initialSession: makeSession({ user: { id: "u_1", name: "Old" } }) });
    const r = await client.update({ name: "New" });
    assert.deepEqual(server.requests.map((q) => q.method), ["PATCH", "GET"]);
    assert.equal(r.ok, true);
    assert.equal(client.user.name, "Ann"); // the server's truth
  });

  test("a 200 without session on GET after PATCH means signed out", async (t) => {
    const server = makeServer({ session: makeSession() });
    server.next.push(reply(204), reply(200, {}));
    const { client } = setup(t, { server, initialSession: makeSession() });
    await client.update({ name: "New" });
    assert.equal(client.status, "unauthenticated");
  });

  test("logout DELETEs and signs out", async (t) => {
    const win = makeWindow();
    const { client, server } = setup(t, { win, initialSession: makeSession() });
    const r = await client.logout();
    assert.equal(r.ok, true);
    assert.equal(server.requests[0].method, "DELETE");
    assert.equal(client.status, "unauthenticated");
    assert.deepEqual(win.location.assigned, []);
  });

  test("logout with redirectTo goes there", async (t) => {
    const win = makeWindow();
    const { client } = setup(t, { win, initialSession: makeSession() });
    client.requireAuth("/login");
    await client.logout({ redirectTo: "/goodbye" });
    await flush();
    assert.deepEqual(win.location.assigned, ["/goodbye"]);
  });

  test("logout never redirects off-site", async (t) => {
    const win = makeWindow();
    const { client } = setup(t, { win, initialSession: makeSession() });
    const r = await client.logout({ redirectTo: "//evil.example" });
    assert.equal(r.ok, true);
    assert.deepEqual(win.location.assigned, []);
  });

  test("a 401 on logout counts as success", async (t) => {
    const server = makeServer();
    server.next.push(reply(401, { error: { code: "unauthenticated", message: "no" } }));
    const { client } = setup(t, { server, initialSession: makeSession() });
    const r = await client.logout();
    assert.equal(r.ok, true);
    assert.equal(r.error, null);
    assert.equal(client.status, "unauthenticated");
  });

  test("a failed logout keeps the session", async (t) => {
    const server = makeServer();
    server.next.push(new TypeError("Failed to fetch"));
    const win = makeWindow();
    const { client } = setup(t, { server, win, initialSession: makeSession() });
    const r = await client.logout({ redirectTo: "/bye" });
    assert.equal(r.ok, false);
    assert.equal(r.error.code, "network_error");
    assert.equal(client.status, "authenticated");
    assert.deepEqual(win.location.assigned, []);
  });

  test("the refresh token never stays in the client", async (t) => {
    const server = makeServer({ session: makeSession({ refreshToken: "rt-secret", accessToken: "at" }) });
    const { client } = setup(t, { server });
    await client.ready;
    assert.equal("refreshToken" in client.session, false);
    assert.equal(client.session.accessToken, "at");
    const { client: c2 } = setup(t, { initialSession: makeSession({ refreshToken: "rt-secret" }) });
    assert.equal(JSON.stringify(c2.getState()).includes("rt-secret"), false);
  });

  test("sessions are frozen", async (t) => {
    const { client } = setup(t, { initialSession: makeSession() });
    assert.throws(() => {
      "use strict";
      client.session.user.name = "X";
    }, TypeError);
    assert.equal(Object.isFrozen(client.getState()), true);
  });
});

describe("ordering", () => {
  test("concurrent refetches share one GET", async (t) => {
    const { client, server } = setup(t, { initialSession: null });
    const [a, b] = await Promise.all([client.refetch(), client.refetch()]);
    assert.equal(server.count("GET"), 1);
    assert.equal(a, b);
    assert.equal(client.status, "authenticated");
  });

  test("a GET answered after a logout does not bring the session back", async (t) => {
    const server = makeServer({ session: makeSession() });
    const slow = deferred();
    server.next.push(() => slow.promise);
    const { client } = setup(t, { server, initialSession: makeSession() });
    const get = client.refetch();
    await client.logout();
    slow.resolve(reply(200, { session: makeSession() }));
    const r = await get;
    assert.equal(client.status, "unauthenticated");
    assert.equal(r.session, null);
  });

  test("a refetch during a mutation is not deduplicated with an older GET", async (t) => {
    const server = makeServer({ session: makeSession() });
    const slow = deferred();
    server.next.push(() => slow.promise);
    const { client } = setup(t, { server, initialSession: makeSession() });
    client.refetch();
    const out = client.logout();
    client.refetch();
    slow.resolve(reply(200, { session: makeSession() }));
    await out;
    await flush();
    assert.equal(server.count("GET"), 2);
  });
});

describe("subscribe", () => {
  test("notifies on change only, until unsubscribed", async (t) => {
    const session = makeSession(); // one object: two calls may be a millisecond apart
    const { client } = setup(t, { server: makeServer({ session }), initialSession: session });
    const seen = [];
    const off = client.subscribe((s, reason) => seen.push(`${s.status}:${reason}`));
    await client.refetch(); // same session: no notification
    await client.update({ name: "Bea" });
    off();
    off(); // idempotent
    await client.logout();
    assert.deepEqual(seen, ["authenticated:update"]);
  });

  test("a throwing listener does not stop the others", async (t) => {
    const { client } = setup(t, { initialSession: makeSession() });
    const errors = [];
    t.mock.method(console, "error", (e) => errors.push(e));
    let called = false;
    client.subscribe(() => {
      throw new Error("listener bug");
    });
    client.subscribe(() => (called = true));
    const r = await client.logout();
    assert.equal(r.ok, true);
    assert.equal(called, true);
    assert.equal(errors.length, 1);
  });

  test("non-functions are ignored", (t) => {
    const { client } = setup(t, { initialSession: null });
    assert.equal(typeof client.subscribe("nope"), "function");
  });
});

describe("destroy", () => {
  test("aborts requests and resolves later calls without requests", async (t) => {
    const server = makeServer({ session: makeSession() });
    const slow = deferred();
    server.next.push((req) => new Promise((resolve, reject) => req.init.signal.addEventListener("abort", () => reject(new DOMException("aborted", "AbortError")))));
    const { client } = setup(t, { server });
    const ready = client.ready;
    client.destroy();
    client.destroy(); // idempotent
    assert.equal(server.requests[0].init.signal.aborted, true);
    assert.equal((await ready).status, "loading");
    for (const op of [() => client.refetch(), () => client.refresh(), () => client.update({ name: "x" }), () => client.logout()]) {
      const r = await op();
      assert.equal(r.ok, false);
      assert.equal(r.error.code, "destroyed");
    }
    assert.equal(server.requests.length, 1);
    slow.resolve();
  });
});
