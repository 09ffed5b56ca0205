// A session API that answers 5xx, HTML, nothing at all, or never: the
// client ends in a defined state (unauthenticated, or the last known
// session) with the error exposed, and never throws or rejects.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { createSessionClient } from "../client.js";
import { makeServer, makeSession, reply, mockClock, flush } from "./fakes.mjs";

const T0 = Date.UTC(2026, 0, 1);

function setup(t, { server = makeServer({ session: makeSession() }), ...options } = {}) {
  const client = createSessionClient({ fetch: server.fetch, window: null, BroadcastChannel: null, ...options });
  t.after(() => client.destroy());
  return { client, server };
}

/** A response that never comes, until the request is aborted (as fetch does). */
const never = (req) =>
  new Promise((_, reject) => req.init.signal.addEventListener("abort", () => reject(new DOMException("aborted", "AbortError"))));

const answers = [
  ["200 with an HTML page", () => reply(200), "bad_response", 200],
  ["200 with an empty body", () => ({ ok: true, status: 200, json: async () => JSON.parse("") }), "bad_response", 200],
  ["502 with an HTML page", () => reply(502), "http_502", 502],
  ["500 with a JSON error", () => reply(500, { error: { code: "internal", message: "boom" } }), "internal", 500],
  ["a dropped connection", () => new TypeError("Failed to fetch"), "network_error", 0],
];

describe("bad answers to GET", () => {
  for (const [name, answer, code, status] of answers) {
    test(`${name} on load: unauthenticated, error exposed`, async (t) => {
      const server = makeServer({ session: makeSession() });
      server.next.push(answer());
      const { client } = setup(t, { server });
      const state = await client.ready;
      assert.equal(state.status, "unauthenticated");
      assert.equal(state.session, null);
      assert.equal(state.error.code, code);
      assert.equal(state.error.status, status);
    });

    test(`${name} while signed in keeps the last known session`, async (t) => {
      const { client, server } = setup(t, { initialSession: makeSession() });
      const before = client.session;
      server.next.push(answer());
      const r = await client.refetch();
      assert.equal(r.ok, false);
      assert.equal(r.error.code, code);
      assert.equal(client.status, "authenticated");
      assert.equal(client.session, before);
      assert.equal(client.getState().error.code, code);
    });
  }

  test("a JSON null body still means no session", async (t) => {
    const server = makeServer({ session: makeSession() });
    server.next.push(reply(200, null));
    const { client } = setup(t, { server });
    await client.ready;
    assert.equal(client.status, "unauthenticated");
    assert.equal(client.error, null);
  });

  test("an HTML answer to POST asks again with GET, as a body without session does", async (t) => {
    const { client, server } = setup(t, { initialSession: makeSession() });
    server.next.push(reply(200));
    const r = await client.refresh();
    assert.equal(r.ok, true);
    assert.deepEqual(server.requests.map((q) => q.method), ["POST", "GET"]);
    assert.equal(client.status, "authenticated");
  });
});

describe("timeout", () => {
  test("a GET that never answers ends loading after 30 seconds", async (t) => {
    const clock = mockClock(t, T0);
    const server = makeServer({ session: makeSession() });
    server.next.push(never);
    const { client } = setup(t, { server });
    clock.tick(29_999);
    await flush();
    assert.equal(client.status, "loading");
    clock.tick(1);
    const state = await client.ready;
    assert.equal(state.status, "unauthenticated");
    assert.equal(state.error.code, "timeout");
    assert.equal(state.error.status, 0);
    assert.equal(clock.pending, 0, "no timer left");
  });

  test("the timeout is configurable, and a late answer while signed in keeps the session", async (t) => {
    const clock = mockClock(t, T0);
    const { client, server } = setup(t, { initialSession: makeSession({ expiresAt: T0 + 3600_000 }), timeout: 5000 });
    server.next.push(never);
    const p = client.refresh();
    clock.tick(5000);
    const r = await p;
    assert.equal(r.error.code, "timeout");
    assert.equal(client.status, "authenticated");
  });

  test("timeout 0 waits", async (t) => {
    const clock = mockClock(t, T0);
    const server = makeServer({ session: makeSession() });
    server.next.push(never);
    const { client } = setup(t, { server, timeout: 0 });
    clock.tick(3600_000);
    await flush();
    assert.equal(client.status, "loading");
    client.destroy();
    assert.equal((await client.ready).status, "loading");
  });

  test("an answered request leaves no timer", async (t) => {
    const clock = mockClock(t, T0);
    const { client } = setup(t, { server: makeServer({ session: null }) });
    await client.ready;
    assert.equal(clock.pending, 0);
  });
});
