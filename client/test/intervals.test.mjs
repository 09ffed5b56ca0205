// No floods, whatever the options say: every duration option is in
// milliseconds; a value that cannot be meant is refused with one warning
// naming the option and its unit; timers stay within the browser's range;
// and the client never starts more than one request a second by itself.
// Fake timers for the long runs, real ones where an overflowing timer
// would fire at once (Node, like browsers, turns a delay past 2³¹−1 ms
// into 1 ms).
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { createSessionClient } from "../client.js";
import { HOUR, makeServer, makeSession, makeWindow, makeChannelClass, mockClock, flush } from "./fakes.mjs";

const T0 = Date.UTC(2026, 0, 1);
const MAX_TIMER = 2 ** 31 - 1;

const HUGE = [MAX_TIMER + 1, 3_600_000 * 1000, 1e21, Number.MAX_VALUE];
const TINY = [1, 5, 0.001, 999, 999.999];
const NONSENSE = [-1, -60_000, NaN, Infinity, -Infinity, "60000", "abc", "", {}, [], [60_000], true, 60_000n, Symbol("x"), () => 60_000, { valueOf: () => 60_000 }];

const label = (v) => (typeof v === "symbol" ? "Symbol()" : typeof v === "bigint" ? `${v}n` : typeof v === "function" ? "a function" : JSON.stringify(v) ?? String(v));

/** A signed-in tab on a fake server that records when each request started. */
function tab(t, options, { session = makeSession({ lastActivity: T0, expiresAt: T0 + 100 * HOUR }) } = {}) {
  const server = makeServer({ session });
  const starts = [];
  const fetch = (url, init) => (starts.push(Date.now()), server.fetch(url, init));
  const warnings = [];
  const win = makeWindow();
  const client = createSessionClient({ fetch, window: win, BroadcastChannel: null, initialSession: session, onWarning: (m) => warnings.push(m), ...options });
  t.after(() => client.destroy());
  return { client, server, win, starts, warnings };
}

/** Runs `ms` of fake time in `step` slices, with activity and focus in each, letting answers arrive. */
async function busy(clock, win, ms, step = 100) {
  for (let at = 0; at < ms; at += step) {
    clock.tick(step);
    win.dispatchEvent(new Event("mousemove"));
    win.dispatchEvent(new Event("focus"));
    await flush();
  }
}

/** Fails unless every two request starts are at least a second apart. */
function assertPaced(starts) {
  for (let i = 1; i < starts.length; i++) {
    assert.ok(starts[i] - starts[i - 1] >= 1000, `requests ${i - 1} and ${i} started ${starts[i] - starts[i - 1]} ms apart`);
  }
}

const INTERVALS = ["refetchInterval", "refreshInterval", "activityRefreshInterval", "expiringSoonThreshold", "timeout"];

describe("every duration option, driven with tiny and nonsense values", () => {
  for (const name of INTERVALS) {
    for (const v of [...TINY, ...NONSENSE]) {
      test(`${name} = ${label(v)}: refused with one warning, never more than one request a second`, async (t) => {
        const clock = mockClock(t, T0);
        const { win, starts, warnings } = tab(t, { [name]: v });
        await busy(clock, win, 30_000);
        assert.equal(warnings.length, 1, warnings.join("\n"));
        assert.match(warnings[0], new RegExp(`^authsession: ${name} \\(milliseconds\\) `));
        assertPaced(starts);
        assert.ok(starts.length <= 30, `${starts.length} requests in 30 s`);
      });
    }
  }
});

describe("huge values", () => {
  for (const name of ["refetchInterval", "refreshInterval", "timeout"]) {
    for (const v of HUGE) {
      test(`${name} = ${v}: clamped to 2³¹−1 ms with one warning`, async (t) => {
        const clock = mockClock(t, T0);
        const { win, starts, warnings } = tab(t, { [name]: v });
        await busy(clock, win, 10_000, 250);
        assert.deepEqual(warnings, [`authsession: ${name} (milliseconds) ${v} is past the browser's longest timer; ${MAX_TIMER} ms applies`]);
        assertPaced(starts);
      });
    }
  }

  for (const name of ["activityRefreshInterval", "expiringSoonThreshold"]) {
    test(`${name} = ${HUGE[1]} is a threshold, not a timer: taken as given`, (t) => {
      mockClock(t, T0);
      const { client, warnings } = tab(t, { [name]: HUGE[1] });
      assert.deepEqual(warnings, []);
      if (name === "expiringSoonThreshold") assert.equal(client.isExpiringSoon, true);
    });
  }

  test("refetchInterval = 2³¹−1 ms: one GET after 24.8 days, none before", async (t) => {
    const clock = mockClock(t, T0);
    const { server, warnings } = tab(t, { refetchInterval: MAX_TIMER, refetchOnWindowFocus: false, refreshOnActivity: false }, { session: makeSession({ expiresAt: T0 + 60 * 24 * HOUR }) });
    clock.tick(MAX_TIMER - 1);
    await flush();
    assert.equal(server.count("GET"), 0);
    clock.tick(1);
    await flush();
    assert.equal(server.count("GET"), 1);
    assert.deepEqual(warnings, []);
  });
});

describe("values a porting user writes", () => {
  test("refreshInterval={3600000}: one refresh an hour, nothing in between", async (t) => {
    const clock = mockClock(t, T0);
    const { server, win, starts, warnings } = tab(t, { refreshInterval: 3_600_000, refetchOnWindowFocus: false });
    await busy(clock, win, 2 * HOUR, 60_000);
    assert.equal(server.count("POST"), 2);
    assert.equal(starts.length, 2);
    assert.deepEqual(warnings, []);
  });

  test("refetchInterval={3600000}: one GET an hour", async (t) => {
    const clock = mockClock(t, T0);
    const { server, win, warnings } = tab(t, { refetchInterval: 3_600_000, refetchOnWindowFocus: false, refreshOnActivity: false });
    await busy(clock, win, 3 * HOUR, 60_000);
    assert.equal(server.count("GET"), 3);
    assert.deepEqual(warnings, []);
  });

  test("a value in the old unit (seconds) is under one second: refused, and the warning says milliseconds", async (t) => {
    const clock = mockClock(t, T0);
    const { server, win, warnings } = tab(t, { refreshInterval: 300, refetchOnWindowFocus: false, refreshOnActivity: false });
    await busy(clock, win, HOUR, 60_000);
    assert.equal(server.requests.length, 0);
    assert.deepEqual(warnings, ["authsession: refreshInterval (milliseconds) 300 is under one second; it stays off"]);
  });

  test("0 turns the intervals off, silently; undefined and null keep the defaults", async (t) => {
    const clock = mockClock(t, T0);
    const a = tab(t, { refetchInterval: 0, refreshInterval: 0, timeout: 0, refetchOnWindowFocus: false });
    const b = tab(t, { refetchInterval: undefined, refreshInterval: null, activityRefreshInterval: null, expiringSoonThreshold: undefined, refetchOnWindowFocus: false });
    await busy(clock, a.win, HOUR, 60_000);
    assert.deepEqual([a.starts.length, b.starts.length, a.warnings.length, b.warnings.length], [0, 0, 0, 0]);
    const c = tab(t, { activityRefreshInterval: 0, expiringSoonThreshold: 0, refetchInterval: NaN, refreshInterval: -Infinity });
    assert.deepEqual(c.warnings, [
      "authsession: refetchInterval (milliseconds) NaN is not a number; it stays off",
      "authsession: refreshInterval (milliseconds) -Infinity is infinite; it stays off",
      "authsession: activityRefreshInterval (milliseconds) 0 is under one second; the server's refresh threshold applies",
      "authsession: expiringSoonThreshold (milliseconds) 0 is under one second; the default, 3600000 ms, applies",
    ], "0 is no threshold: refused");
  });

  test("the warnings go to console.warn by default, once per option and client", (t) => {
    const seen = [];
    t.mock.method(console, "warn", (m) => seen.push(m));
    const server = makeServer({ session: null });
    const mk = () => createSessionClient({ fetch: server.fetch, window: null, BroadcastChannel: null, initialSession: null, refreshInterval: "5m", timeout: -1 });
    const a = mk();
    const b = mk();
    t.after(() => (a.destroy(), b.destroy()));
    assert.equal(seen.length, 4);
    assert.match(seen[0], /^authsession: refreshInterval \(milliseconds\) is a string, not a number; it stays off$/);
    assert.match(seen[1], /^authsession: timeout \(milliseconds\) -1 is negative; the default, 30000 ms, applies$/);
  });
});

describe("one request a second, whatever triggers it", () => {
  test("every trigger at once for a minute: requests at least a second apart", async (t) => {
    const clock = mockClock(t, T0);
    const Channel = makeChannelClass();
    const { win, starts, client } = tab(t, {
      refetchInterval: 1000,
      refreshInterval: 1000,
      activityRefreshInterval: 1000,
      refetchOnPathChange: true,
      BroadcastChannel: Channel,
    });
    const other = new Channel("authsession:/api/session");
    t.after(() => other.close());
    for (let at = 0; at < 60_000; at += 50) {
      clock.tick(50);
      win.dispatchEvent(new Event("keydown"));
      win.dispatchEvent(new Event("focus"));
      win.setHidden(false);
      win.history.pushState({}, "", "/p/" + at);
      other.postMessage({ type: "session", session: { user: "not an object" } }); // makes it ask the server
      await flush();
    }
    assertPaced(starts);
    assert.ok(starts.length >= 50 && starts.length <= 60, `${starts.length} requests in 60 s`);
    assert.equal(client.status, "authenticated");
  });

  test("explicit calls are not delayed, and the automatic ones keep their distance from them", async (t) => {
    const clock = mockClock(t, T0);
    const { client, server, win, starts } = tab(t, { refetchInterval: 1000, refetchOnWindowFocus: false });
    clock.tick(1000);
    await flush();
    assert.equal(server.count("GET"), 1);
    clock.tick(500);
    await client.refresh();
    await client.update({ name: "Bea" });
    assert.deepEqual(server.requests.map((r) => r.method), ["GET", "POST", "PATCH"]);
    clock.tick(500); // the interval is due, half a second after the PATCH
    await flush();
    assert.equal(server.count("GET"), 1);
    clock.tick(500);
    await flush();
    assert.equal(server.count("GET"), 2);
    assert.equal(win.location.assigned.length, 0);
    assert.deepEqual(starts.slice(-1), [T0 + 2500]);
  });

  test("a clock ahead of the server's: the expired-looking session is checked once a minute, not in a loop", async (t) => {
    const clock = mockClock(t, T0);
    // The server still vouches for a session that ends, by our clock, in the past.
    const session = makeSession({ expiresAt: T0 - 5 * 60_000 });
    const { server, win, starts } = tab(t, { refetchOnWindowFocus: false, refreshOnActivity: false }, { session });
    await busy(clock, win, 10 * 60_000, 250);
    assert.ok(server.count("GET") >= 10 && server.count("GET") <= 11, `${server.count("GET")} GETs in 10 minutes`);
    for (let i = 1; i < starts.length; i++) assert.ok(starts[i] - starts[i - 1] >= 60_000);
  });

  test("destroy cancels a deferred request", async (t) => {
    const clock = mockClock(t, T0);
    const { client, server, win } = tab(t, {});
    win.dispatchEvent(new Event("focus"));
    await flush();
    win.dispatchEvent(new Event("focus"));
    assert.equal(clock.pending > 0, true);
    client.destroy();
    assert.equal(clock.pending, 0);
    clock.tick(HOUR);
    await flush();
    assert.equal(server.requests.length, 1);
  });
});

describe("real timers", () => {
  // Where a timer overflows, Node (like a browser) fires it after 1 ms: a
  // second of real time then shows hundreds of requests. Clamped, none.
  test("for a second, huge and nonsense intervals make no more than one request", async (t) => {
    const values = [3_600_000, MAX_TIMER + 1, 3_600_000 * 1000, 1e21, Infinity, NaN, -1, 0.5, "1000", {}];
    const tabs = [];
    for (const v of values) {
      for (const name of ["refetchInterval", "refreshInterval"]) {
        const session = makeSession({ expiresAt: Date.now() + HOUR });
        const server = makeServer({ session });
        const client = createSessionClient({ fetch: server.fetch, window: makeWindow(), BroadcastChannel: null, initialSession: session, onWarning: () => {}, [name]: v });
        t.after(() => client.destroy());
        tabs.push({ name, v, server });
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 1200));
    for (const { name, v, server } of tabs) assert.ok(server.requests.length <= 1, `${name}=${label(v)}: ${server.requests.length} requests`);
  });
});
