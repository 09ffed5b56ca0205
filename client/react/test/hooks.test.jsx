// The hooks' return shapes and behaviour: useSession, useUser,
// useSessionExpiry, useRequireAuth, each on a client wired to the fakes.
import { act, cleanup, render } from "@testing-library/react";
import { afterEach, describe, expect, test, vi } from "vitest";
import { SessionProvider, useRequireAuth, useSession, useSessionClient, useSessionExpiry, useUser } from "../dist/index.js";
import { HOUR, deferred, fakeClient, makeServer, makeSession, makeWindow, probe, reply, settle } from "./helpers.js";

const clients = [];
afterEach(() => {
  cleanup();
  for (const c of clients.splice(0)) c.destroy();
});

/** Renders probes under a provider using a fake client; returns the fakes. */
function mount(probes, options = {}) {
  const fake = fakeClient(options);
  clients.push(fake.client);
  const utils = render(<SessionProvider client={fake.client}>{probes}</SessionProvider>);
  return { ...fake, ...utils };
}
const last = (renders) => renders[renders.length - 1];
const run = (fn) => act(async () => void (await fn()));

describe("useSession", () => {
  test("returns { session, status, refresh, update, logout } and the error", async () => {
    const [Probe, renders] = probe(useSession);
    mount(<Probe />);
    expect(renders[0]).toMatchObject({ status: "loading", session: null, error: null });
    await act(settle);
    const s = last(renders);
    expect(s.status).toBe("authenticated");
    expect(s.session.user.name).toBe("Ann");
    for (const fn of ["refresh", "refetch", "update", "logout"]) expect(typeof s[fn]).toBe("function");
  });

  test("refresh POSTs, update PATCHes { user }, logout DELETEs", async () => {
    const [Probe, renders] = probe(useSession);
    const { server } = mount(<Probe />, { initialSession: makeSession({ lastActivity: 0 }) });
    await run(() => last(renders).refresh());
    expect(last(renders).session.lastActivity).toBeGreaterThan(0);
    const r = await act(() => last(renders).update({ user: { name: "Bea" } }));
    expect(r.ok).toBe(true);
    expect(last(renders).session.user.name).toBe("Bea");
    await run(() => last(renders).logout());
    expect(last(renders)).toMatchObject({ status: "unauthenticated", session: null });
    expect(server.requests.map((q) => [q.method, q.body])).toEqual([
      ["POST", undefined],
      ["PATCH", { user: { name: "Bea" } }],
      ["DELETE", undefined],
    ]);
  });

  for (const [name, arg] of [["nothing", undefined], ["flat fields", { name: "x" }], ["a string user", { user: "x" }], ["null", null]]) {
    test(`update with ${name} is refused without a request`, async () => {
      const [Probe, renders] = probe(useSession);
      const { server } = mount(<Probe />, { initialSession: makeSession() });
      const r = await act(() => last(renders).update(arg));
      expect(r.ok).toBe(false);
      expect(r.error.code).toBe("bad_request");
      expect(server.requests).toEqual([]);
      expect(last(renders).session.user.name).toBe("Ann");
    });
  }

  test("a refused update keeps the session and exposes the error", async () => {
    const [Probe, renders] = probe(useSession);
    mount(<Probe />, { initialSession: makeSession() });
    const r = await act(() => last(renders).update({ user: { id: "u_x" } }));
    expect(r.error.code).toBe("field_not_allowed");
    expect(last(renders)).toMatchObject({ status: "authenticated", error: { code: "field_not_allowed", status: 403 } });
  });

  test("the result keeps its identity while nothing it shows changes", async () => {
    const [Probe, renders] = probe(useSession);
    const { rerender, client } = mount(<Probe />, { initialSession: makeSession() });
    rerender(<SessionProvider client={client}><Probe /></SessionProvider>);
    expect(renders.length).toBe(2);
    expect(renders[1]).toBe(renders[0]);
  });

  test("outside a provider it throws a clear error", () => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    const [Probe] = probe(useSession);
    expect(() => render(<Probe />)).toThrow("useSession() must be used inside <SessionProvider>");
  });
});

describe("useUser", () => {
  test("{ user, isAuthenticated, isLoading } through loading, signed in, signed out", async () => {
    const [Probe, renders] = probe(useUser);
    const [SessionProbe, sessions] = probe(useSession);
    mount(<><Probe /><SessionProbe /></>);
    expect(renders[0]).toEqual({ user: null, isAuthenticated: false, isLoading: true });
    await act(settle);
    expect(last(renders)).toEqual({ user: expect.objectContaining({ id: "u_1", name: "Ann" }), isAuthenticated: true, isLoading: false });
    await run(() => last(sessions).logout());
    expect(last(renders)).toEqual({ user: null, isAuthenticated: false, isLoading: false });
  });

  test("does not re-render for changes it does not show", async () => {
    const [Probe, renders] = probe(useUser);
    const [SessionProbe, sessions] = probe(useSession);
    mount(<><Probe /><SessionProbe /></>, { initialSession: makeSession({ lastActivity: 0 }) });
    const before = renders.length;
    await run(() => last(sessions).refresh()); // new expiry, same user
    expect(sessions.length).toBeGreaterThan(1);
    expect(renders.length).toBe(before);
  });
});

describe("useSessionExpiry", () => {
  test("{ expiresAt, expiresIn, isExpiringSoon, recalculate }; recalculate brings expiresIn up to now", async () => {
    vi.useFakeTimers({ toFake: ["Date", "setTimeout", "clearTimeout"], now: Date.UTC(2026, 0, 1) });
    try {
      const t0 = Date.now();
      const [Probe, renders] = probe(useSessionExpiry);
      const [SessionProbe, sessions] = probe(useSession);
      mount(<><Probe /><SessionProbe /></>, { initialSession: makeSession({ expiresAt: t0 + 3 * HOUR }) });
      expect(renders[0]).toMatchObject({ expiresAt: t0 + 3 * HOUR, expiresIn: 3 * HOUR, isExpiringSoon: false });
      act(() => vi.advanceTimersByTime(60_000));
      expect(last(renders).expiresIn).toBe(3 * HOUR, "as of the last change");
      const sessionRenders = sessions.length;
      act(() => last(renders).recalculate());
      expect(last(renders).expiresIn).toBe(3 * HOUR - 60_000);
      expect(sessions.length).toBe(sessionRenders, "useSession users do not re-render");
      const count = renders.length;
      act(() => last(renders).recalculate());
      expect(renders.length).toBe(count, "nothing changed: no render");
      act(() => vi.advanceTimersByTime(2 * HOUR - 60_000)); // into the last hour: the client's timer
      expect(last(renders)).toMatchObject({ expiresIn: HOUR, isExpiringSoon: true });
    } finally {
      vi.useRealTimers();
    }
  });

  test("without a session: nulls, and recalculate does nothing", () => {
    const [Probe, renders] = probe(useSessionExpiry);
    mount(<Probe />, { initialSession: null });
    expect(renders[0]).toMatchObject({ expiresAt: null, expiresIn: null, isExpiringSoon: false });
    act(() => renders[0].recalculate());
    expect(renders.length).toBe(1);
  });
});

describe("useRequireAuth", () => {
  test("signed out: sends the page to the login path with callbackUrl", async () => {
    const win = makeWindow({ path: "/account", search: "?tab=2" });
    const [Probe, renders] = probe(() => useRequireAuth("/login"));
    mount(<Probe />, { win, server: makeServer({ session: null }) });
    expect(renders[0]).toEqual({ isLoading: true, isAuthenticated: false });
    await act(settle);
    expect(last(renders)).toEqual({ isLoading: false, isAuthenticated: false });
    expect(win.location.assigned).toEqual(["/login?callbackUrl=%2Faccount%3Ftab%3D2"]);
  });

  test("signed in: no redirect, until the session ends while mounted", async () => {
    const win = makeWindow();
    const [Probe, renders] = probe(() => useRequireAuth());
    const { client } = mount(<Probe />, { win, initialSession: makeSession() });
    await act(settle);
    expect(last(renders)).toEqual({ isLoading: false, isAuthenticated: true });
    expect(win.location.assigned).toEqual([]);
    await run(() => client.logout());
    expect(win.location.assigned).toEqual(["/login?callbackUrl=%2Fdashboard"]);
  });

  test("after the component unmounts, a sign-out does not redirect", async () => {
    const win = makeWindow();
    const [Probe] = probe(() => useRequireAuth("/login"));
    const fake = fakeClient({ win, initialSession: makeSession() });
    clients.push(fake.client);
    const { rerender } = render(<SessionProvider client={fake.client}><Probe /></SessionProvider>);
    await act(settle);
    rerender(<SessionProvider client={fake.client}><p>public page</p></SessionProvider>);
    await run(() => fake.client.logout());
    expect(win.location.assigned).toEqual([]);
  });

  test("a changed login path takes over", async () => {
    const win = makeWindow();
    const Page = ({ to }) => (useRequireAuth(to), null);
    const fake = fakeClient({ win, initialSession: makeSession() });
    clients.push(fake.client);
    const { rerender } = render(<SessionProvider client={fake.client}><Page to="/login" /></SessionProvider>);
    rerender(<SessionProvider client={fake.client}><Page to="/signin" /></SessionProvider>);
    await act(settle);
    await run(() => fake.client.logout());
    expect(win.location.assigned).toEqual(["/signin?callbackUrl=%2Fdashboard"]);
  });

  test("an off-site login path is replaced by /login", async () => {
    const win = makeWindow();
    const [Probe] = probe(() => useRequireAuth("//evil.example/login"));
    mount(<Probe />, { win, initialSession: null });
    await act(settle);
    expect(win.location.assigned).toEqual(["/login?callbackUrl=%2Fdashboard"]);
  });

  test("a server failure does not redirect; the error is exposed", async () => {
    const win = makeWindow();
    const server = makeServer({ session: makeSession() });
    server.next.push(reply(503, { error: { code: "store_unavailable", message: "try later" } }));
    const [Probe, renders] = probe(() => ({ ...useRequireAuth(), error: useSession().error }));
    mount(<Probe />, { win, server });
    await act(settle);
    expect(last(renders)).toMatchObject({ isLoading: false, isAuthenticated: false, error: { code: "store_unavailable" } });
    expect(win.location.assigned).toEqual([]);
  });
});

describe("useSessionClient", () => {
  test("gives the provider's client", () => {
    const [Probe, renders] = probe(useSessionClient);
    const { client } = mount(<Probe />, { initialSession: null });
    expect(renders[0]).toBe(client);
  });

  test("operations called before the provider's client started resolve not_ready", async () => {
    const gate = deferred();
    let early;
    function Early() {
      const { refresh } = useSession();
      if (!early) early = refresh();
      return null;
    }
    vi.stubGlobal("fetch", () => gate.promise);
    render(<SessionProvider><Early /></SessionProvider>);
    const r = await early;
    expect(r).toMatchObject({ ok: false, error: { code: "not_ready" } });
  });
});
