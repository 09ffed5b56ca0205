// A session API that answers 5xx, HTML, an empty body, malformed JSON,
// nothing (a dropped connection) or never: the hooks stay in a defined
// state (unauthenticated, or the last known session) with the error
// exposed, and nothing throws while rendering.
import { act, cleanup, render, screen } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { SessionProvider, useRequireAuth, useSession, useSessionExpiry, useUser } from "../dist/index.js";
import { makeChannelClass, makeServer, makeSession, reply, settle } from "./helpers.js";

/** Everything the hooks give, rendered. */
function Everything() {
  const { status, session, error } = useSession();
  const { user, isAuthenticated, isLoading } = useUser();
  const { expiresAt, expiresIn, isExpiringSoon } = useSessionExpiry();
  const auth = useRequireAuth("/login");
  return (
    <dl data-testid="all">
      <dt>status</dt><dd data-testid="status">{status}</dd>
      <dt>name</dt><dd data-testid="name">{session ? session.user.name : "-"}</dd>
      <dt>error</dt><dd data-testid="error">{error ? `${error.code}/${error.status}` : "-"}</dd>
      <dd>{String(isAuthenticated)} {String(isLoading)} {user ? user.id : "-"}</dd>
      <dd>{String(expiresAt)} {String(expiresIn)} {String(isExpiringSoon)}</dd>
      <dd>{String(auth.isLoading)} {String(auth.isAuthenticated)}</dd>
    </dl>
  );
}
const text = (id) => screen.getByTestId(id).textContent;

let server;
beforeEach(() => {
  server = makeServer({ session: makeSession() });
  vi.stubGlobal("fetch", server.fetch);
  vi.stubGlobal("BroadcastChannel", makeChannelClass());
  window.history.replaceState(null, "", "/");
});
afterEach(cleanup);

/** A response that never comes, until the request is aborted (as fetch does). */
const never = (req) =>
  new Promise((_, reject) => req.init.signal.addEventListener("abort", () => reject(new DOMException("aborted", "AbortError"))));

const failures = [
  ["500 with a JSON error", () => reply(500, { error: { code: "internal", message: "boom" } }), "internal/500"],
  ["503 with an HTML page", () => reply(503), "http_503/503"],
  ["200 with an HTML page", () => reply(200), "bad_response/200"],
  ["200 with an empty body", () => ({ ok: true, status: 200, json: async () => JSON.parse("") }), "bad_response/200"],
  ["a dropped connection", () => new TypeError("Failed to fetch"), "network_error/0"],
];

describe("on load", () => {
  for (const [name, answer, error] of failures) {
    test(`${name}: unauthenticated, error exposed`, async () => {
      server.next.push(answer());
      render(<SessionProvider><Everything /></SessionProvider>);
      await act(settle);
      expect(text("status")).toBe("unauthenticated");
      expect(text("name")).toBe("-");
      expect(text("error")).toBe(error);
    });
  }

  const malformed = [
    ["a session without a user", { session: { expiresAt: 1 } }],
    ["a session that is a string", { session: "<b>hi</b>" }],
    ["an array", [1, 2, 3]],
    ["a user that is an array", { session: { user: [] } }],
  ];
  for (const [name, body] of malformed) {
    test(`${name}: unauthenticated, no error`, async () => {
      server.next.push(reply(200, body));
      render(<SessionProvider><Everything /></SessionProvider>);
      await act(settle);
      expect(text("status")).toBe("unauthenticated");
      expect(text("error")).toBe("-");
    });
  }

  test("an API that never answers: loading, then after the timeout unauthenticated with the error", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] });
    try {
      server.next.push(never);
      render(<SessionProvider timeout={10_000}><Everything /></SessionProvider>);
      expect(text("status")).toBe("loading");
      await act(async () => vi.advanceTimersByTime(10_000));
      expect(text("status")).toBe("unauthenticated");
      expect(text("error")).toBe("timeout/0");
    } finally {
      vi.useRealTimers();
    }
  });
});

describe("while signed in", () => {
  for (const [name, answer, error] of failures) {
    test(`${name} on a re-read keeps the last known session, error exposed`, async () => {
      render(<SessionProvider initialSession={makeSession()}><Everything /></SessionProvider>);
      expect(text("name")).toBe("Ann");
      server.next.push(answer());
      await act(async () => window.history.pushState(null, "", "/elsewhere"));
      await act(settle);
      expect(server.count("GET")).toBe(1);
      expect(text("status")).toBe("authenticated");
      expect(text("name")).toBe("Ann");
      expect(text("error")).toBe(error);
    });
  }

  test("the next good answer clears the error", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] });
    try {
      render(<SessionProvider initialSession={makeSession()}><Everything /></SessionProvider>);
      server.next.push(reply(502));
      await act(async () => window.history.pushState(null, "", "/a"));
      await act(async () => void (await vi.advanceTimersByTimeAsync(0)));
      expect(text("error")).toBe("http_502/502");
      await act(async () => window.history.pushState(null, "", "/b"));
      // A second navigation within a second: its GET waits for the second to pass.
      await act(async () => void (await vi.advanceTimersByTimeAsync(1000)));
      expect(text("error")).toBe("-");
      expect(text("status")).toBe("authenticated");
    } finally {
      vi.useRealTimers();
    }
  });

  test("a failed refresh keeps the session; its promise resolves with the error", async () => {
    let result;
    function Extend() {
      const { refresh } = useSession();
      return <button onClick={async () => (result = await refresh())}>extend</button>;
    }
    render(<SessionProvider initialSession={makeSession()}><Extend /><Everything /></SessionProvider>);
    server.next.push(reply(500));
    await act(async () => screen.getByText("extend").click());
    await act(settle);
    expect(result).toMatchObject({ ok: false, error: { code: "http_500" } });
    expect(text("name")).toBe("Ann");
  });
});
