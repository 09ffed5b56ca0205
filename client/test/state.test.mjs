// The snapshot contract that React's useSyncExternalStore relies on
// (getState() is the same object until the state changes), recalculate(),
// the expiring-soon notification and fetchOnLoad.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { createSessionClient } from "../client.js";
import { HOUR, makeServer, makeSession, makeWindow, reply, mockClock, flush } from "./fakes.mjs";

const T0 = Date.UTC(2026, 0, 1);

function setup(t, { server = makeServer({ session: makeSession() }), win = null, ...options } = {}) {
  const client = createSessionClient({ fetch: server.fetch, window: win, BroadcastChannel: null, ...options });
  t.after(() => client.destroy());
  return { client, server, win };
}

describe("getState snapshot", () => {
  test("is the same object until the state changes", async (t) => {
    const { client } = setup(t);
    const loading = client.getState();
    assert.equal(client.getState(), loading, "two reads while loading");
    assert.equal(loading.status, "loading");
    await client.ready;
    const first = client.getState();
    assert.notEqual(first, loading);
    assert.equal(first.status, "authenticated");
    assert.equal(client.getState(), first);
    assert.equal(Object.isFrozen(first), true);
    await client.update({ name: "Bea" });
    const second = client.getState();
    assert.notEqual(second, first);
    assert.equal(second.user.name, "Bea");
    assert.equal(first.user.name, "Ann", "an old snapshot never changes");
  });

  test("subscribers receive the snapshot getState returns", async (t) => {
    const { client } = setup(t, { server: makeServer({ session: makeSession({ lastActivity: 0 }) }) });
    const seen = [];
    client.subscribe((s) => seen.push(s === client.getState()));
    await client.ready;
    await client.refresh(); // a new lastActivity
    assert.deepEqual(seen, [true, true]);
  });

  test("a GET with an equal session keeps the snapshot and the session object", async (t) => {
    const { client } = setup(t);
    await client.ready;
    const before = client.getState();
    const session = client.session;
    let calls = 0;
    client.subscribe(() => calls++);
    await client.refetch();
    assert.equal(client.getState(), before);
    assert.equal(client.session, session);
    assert.equal(calls, 0);
  });

  test("a refresh that leaves the user as it was keeps the user object", async (t) => {
    const { client } = setup(t, { server: makeServer({ session: makeSession({ lastActivity: 0 }) }) });
    await client.ready;
    const { session, user } = client.getState();
    await client.refresh();
    const after = client.getState();
    assert.notEqual(after.session, session);
    assert.notEqual(after.session.lastActivity, 0);
    assert.equal(after.user, user);
    assert.equal(after.session.user, user);
    assert.equal(Object.isFrozen(after.session), true);
    await client.update({ name: "Bea" });
    assert.notEqual(client.user, user);
    assert.equal(client.user.name, "Bea");
  });

  test("a failure gives a new snapshot with the error and the last session", async (t) => {
    const { client, server } = setup(t);
    await client.ready;
    const before = client.getState();
    server.next.push(reply(502));
    await client.refetch();
    const after = client.getState();
    assert.notEqual(after, before);
    assert.equal(after.status, "authenticated");
    assert.equal(after.session, before.session);
    assert.equal(after.error.code, "http_502");
    await client.refetch();
    assert.equal(client.getState().error, null);
  });

  test("turns over once when the session enters its expiring-soon window", (t) => {
    const clock = mockClock(t, T0);
    const { client } = setup(t, { initialSession: makeSession({ expiresAt: T0 + 3 * HOUR }) });
    const events = [];
    client.subscribe((s, reason) => events.push([reason, s.isExpiringSoon]));
    const early = client.getState();
    clock.tick(HOUR);
    assert.equal(client.getState(), early, "expiresIn alone does not replace the snapshot");
    assert.deepEqual(events, []);
    clock.tick(HOUR);
    assert.deepEqual(events, [["recalculate", true]], "the soon timer notified");
    const soon = client.getState();
    assert.notEqual(soon, early);
    assert.equal(soon.isExpiringSoon, true);
    assert.equal(soon.expiresIn, HOUR);
    assert.equal(client.getState(), soon);
  });
});

describe("recalculate", () => {
  test("recomputes expiresIn and notifies once per change", (t) => {
    const clock = mockClock(t, T0);
    const { client } = setup(t, { initialSession: makeSession({ expiresAt: T0 + 5 * HOUR }) });
    const reasons = [];
    client.subscribe((s, reason) => reasons.push(reason));
    const before = client.getState();
    clock.tick(60_000);
    const after = client.recalculate();
    assert.equal(after, client.getState());
    assert.notEqual(after, before);
    assert.equal(after.expiresIn, 5 * HOUR - 60_000);
    assert.equal(after.session, before.session);
    assert.deepEqual(reasons, ["recalculate"]);
    assert.equal(client.recalculate(), after, "nothing changed: same snapshot");
    assert.deepEqual(reasons, ["recalculate"]);
  });

  test("without a session it changes nothing", (t) => {
    mockClock(t, T0);
    const { client } = setup(t, { initialSession: null });
    let calls = 0;
    client.subscribe(() => calls++);
    const s = client.getState();
    assert.equal(client.recalculate(), s);
    assert.equal(s.expiresIn, null);
    assert.equal(calls, 0);
  });

  test("after destroy it returns the last snapshot and notifies nobody", (t) => {
    const clock = mockClock(t, T0);
    const { client } = setup(t, { initialSession: makeSession({ expiresAt: T0 + 5 * HOUR }) });
    let calls = 0;
    client.subscribe(() => calls++);
    const s = client.getState();
    client.destroy();
    clock.tick(60_000);
    assert.equal(client.recalculate(), s);
    assert.equal(calls, 0);
    assert.equal(clock.pending, 0, "no timer left");
  });
});

describe("fetchOnLoad", () => {
  test("false starts signed out without a request", async (t) => {
    const { client, server } = setup(t, { fetchOnLoad: false });
    assert.equal(client.status, "unauthenticated");
    assert.equal((await client.ready).status, "unauthenticated");
    await flush();
    assert.equal(server.requests.length, 0);
    await client.refetch();
    assert.equal(client.status, "authenticated");
  });

  test("false still takes the initial session", async (t) => {
    const { client, server } = setup(t, { fetchOnLoad: false, initialSession: makeSession() });
    assert.equal(client.status, "authenticated");
    await flush();
    assert.equal(server.requests.length, 0);
  });

  test("false still reads the page's element", async (t) => {
    const win = makeWindow({ initialJSON: JSON.stringify({ session: makeSession({ user: { id: "u_9", name: "Eve" } }) }) });
    const { client } = setup(t, { win, fetchOnLoad: false, refetchOnWindowFocus: false });
    assert.equal(client.user.name, "Eve");
  });
});
