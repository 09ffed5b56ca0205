// SessionProvider's duration props are milliseconds, and no value of any of
// them — huge, tiny or nonsense from untyped JavaScript — makes a tab send
// more than one request a second. Each bad value gives one console warning
// naming the prop and its unit (also under StrictMode). Fake timers for the
// counts; real ones for the overflow that flooded the server.
import { act, cleanup, render } from "@testing-library/react";
import { StrictMode } from "react";
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { SessionProvider } from "@authsession/react";
import { makeChannelClass, makeServer, makeSession } from "./helpers.js";

const T0 = Date.UTC(2026, 0, 1);
const MAX_TIMER = 2 ** 31 - 1;
const PROPS = ["refreshInterval", "refetchInterval", "activityRefreshInterval", "expiringSoonThreshold", "timeout"];
const HUGE = [MAX_TIMER + 1, 3_600_000 * 1000, 1e21];
const TINY = [1, 500, 999, 0.5];
const NONSENSE = [-1, NaN, Infinity, -Infinity, "60000", "5m", {}, [], true, () => 1000, 60_000n];
const label = (v) => (typeof v === "bigint" ? `${v}n` : typeof v === "function" ? "a function" : JSON.stringify(v) ?? String(v));

let server;
let starts;
let warnings;
beforeEach(() => {
  server = makeServer({ session: makeSession({ lastActivity: T0, expiresAt: T0 + 100 * 3600_000 }) });
  starts = [];
  vi.stubGlobal("fetch", (url, init) => (starts.push(Date.now()), server.fetch(url, init)));
  vi.stubGlobal("BroadcastChannel", makeChannelClass());
  warnings = [];
  vi.spyOn(console, "warn").mockImplementation((m) => warnings.push(m));
});
afterEach(() => {
  cleanup();
  vi.useRealTimers();
});

/** 10 s of a busy tab in 250 ms steps: activity, focus and navigation in each. */
async function busy(seconds = 10) {
  for (let i = 0; i < seconds * 4; i++) {
    await act(async () => {
      vi.advanceTimersByTime(250);
      window.dispatchEvent(new Event("mousemove"));
      window.dispatchEvent(new Event("focus"));
      window.history.pushState(null, "", "/p/" + i);
      await vi.advanceTimersByTimeAsync(0);
    });
  }
}

function assertPaced() {
  for (let i = 1; i < starts.length; i++) expect(starts[i] - starts[i - 1]).toBeGreaterThanOrEqual(1000);
}

describe("each duration prop, driven with huge, tiny and nonsense values", () => {
  for (const prop of PROPS) {
    for (const v of [...HUGE, ...TINY, ...NONSENSE]) {
      const timer = ["refreshInterval", "refetchInterval", "timeout"].includes(prop);
      if (HUGE.includes(v) && !timer) continue; // a threshold, not a timer: taken as given
      test(`${prop}=${label(v)}: one warning, at most one request a second`, async () => {
        vi.useFakeTimers({ toFake: ["setInterval", "clearInterval", "setTimeout", "clearTimeout", "Date"], now: T0 });
        render(<SessionProvider initialSession={makeSession({ lastActivity: T0 - 3600_000 })} {...{ [prop]: v }}>{null}</SessionProvider>);
        await busy();
        expect(warnings).toHaveLength(1);
        expect(warnings[0]).toMatch(new RegExp(`^authsession: ${prop} \\(milliseconds\\) `));
        assertPaced();
        expect(starts.length).toBeLessThanOrEqual(10);
      });
    }
  }
});

test("the seed's values: refreshInterval={5 * 60 * 1000} and refetchInterval={3600000}, no warning", async () => {
  vi.useFakeTimers({ toFake: ["setInterval", "clearInterval", "setTimeout", "clearTimeout", "Date"], now: T0 });
  render(<SessionProvider initialSession={makeSession()} refreshInterval={5 * 60 * 1000} refetchInterval={3_600_000} refetchOnPathChange={false} refetchOnWindowFocus={false} autoActivityRefresh={false}>{null}</SessionProvider>);
  // 61 minutes: at 60 both are due; the one that comes second waits a second.
  for (let i = 0; i < 61; i++) await act(async () => void (await vi.advanceTimersByTimeAsync(60_000)));
  expect(server.count("POST")).toBe(12);
  expect(server.count("GET")).toBe(1);
  expect(warnings).toEqual([]);
});

test("StrictMode mounts the provider twice: still one warning", async () => {
  render(<StrictMode><SessionProvider initialSession={makeSession()} refreshInterval={300}>{null}</SessionProvider></StrictMode>);
  await act(async () => {});
  expect(warnings).toEqual(["authsession: refreshInterval (milliseconds) 300 is under one second; it stays off"]);
});

test("the retired props are named in a warning", async () => {
  render(<SessionProvider initialSession={makeSession()} refreshThreshold={60} activityThrottle={60}>{null}</SessionProvider>);
  await act(async () => {});
  expect(warnings).toHaveLength(2);
  expect(warnings[0]).toMatch(/refreshThreshold was renamed activityRefreshInterval \(milliseconds\)/);
});

test("real timers: for a second, refreshInterval={3600000} and overflowing values send at most one request", async () => {
  const values = [3_600_000, MAX_TIMER + 1, 3_600_000 * 1000, Infinity, "3600000"];
  for (const v of values) {
    for (const prop of ["refreshInterval", "refetchInterval"]) {
      render(<SessionProvider initialSession={makeSession()} crossTab={false} {...{ [prop]: v }}>{null}</SessionProvider>);
    }
  }
  await act(async () => {
    await new Promise((resolve) => setTimeout(resolve, 1200));
  });
  // Ten providers share the fake server here: at most one request each.
  expect(starts.length).toBeLessThanOrEqual(values.length * 2);
  expect(server.count("POST")).toBe(0);
});
