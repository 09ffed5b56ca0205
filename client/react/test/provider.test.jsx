// SessionProvider: how it creates, configures and destroys its client, and
// which of next-auth-session's props do what.
import { StrictMode } from "react";
import { act, cleanup, render, screen } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { SessionProvider, useSession } from "../dist/index.js";
import { fakeClient, makeChannelClass, makeServer, makeSession, probe, settle } from "./helpers.js";

function Status() {
  const { status, session, error } = useSession();
  return (
    <p data-testid="status">
      {status}
      {session ? ` ${session.user.name}` : ""}
      {error ? ` error:${error.code}` : ""}
    </p>
  );
}
const statusText = () => screen.getByTestId("status").textContent;

let server;
let Channel;
beforeEach(() => {
  server = makeServer({ session: makeSession() });
  Channel = makeChannelClass();
  vi.stubGlobal("fetch", server.fetch);
  vi.stubGlobal("BroadcastChannel", Channel);
});
afterEach(() => {
  cleanup();
  document.getElementById("authsession-initial")?.remove();
  window.history.replaceState(null, "", "/");
});

describe("SessionProvider creates its own client", () => {
  test("it GETs the session: loading, then authenticated", async () => {
    render(<SessionProvider><Status /></SessionProvider>);
    expect(statusText()).toBe("loading");
    expect(await screen.findByText("authenticated Ann")).toBeTruthy();
    expect(server.requests.map((r) => [r.method, r.url])).toEqual([["GET", "/api/session"]]);
  });

  test("basePath", async () => {
    render(<SessionProvider basePath="/auth/session"><Status /></SessionProvider>);
    await screen.findByText("authenticated Ann");
    expect(server.requests[0].url).toBe("/auth/session");
  });

  test("initialSession: authenticated on the first render, no request", async () => {
    const [Probe, renders] = probe(useSession);
    render(<SessionProvider initialSession={makeSession({ user: { id: "u_2", name: "Bo" } })}><Probe /></SessionProvider>);
    expect(renders[0].status).toBe("authenticated");
    expect(renders[0].session.user.name).toBe("Bo");
    await settle();
    expect(server.requests).toEqual([]);
  });

  test("initialSession null: unauthenticated on the first render, no request", async () => {
    const [Probe, renders] = probe(useSession);
    render(<SessionProvider initialSession={null}><Probe /></SessionProvider>);
    expect(renders[0].status).toBe("unauthenticated");
    await settle();
    expect(server.requests).toEqual([]);
  });

  test("the page's authsession-initial element is read like initialSession", async () => {
    const el = document.createElement("script");
    el.type = "application/json";
    el.id = "authsession-initial";
    el.textContent = JSON.stringify({ session: makeSession({ user: { id: "u_3", name: "Cy" } }), refreshThreshold: 60 });
    document.body.append(el);
    const [Probe, renders] = probe(useSession);
    render(<SessionProvider><Probe /></SessionProvider>);
    expect(renders[0].session.user.name).toBe("Cy");
    await settle();
    expect(server.requests).toEqual([]);
  });

  test("fetchOnMount false: unauthenticated without a request", async () => {
    render(<SessionProvider fetchOnMount={false}><Status /></SessionProvider>);
    expect(statusText()).toBe("unauthenticated");
    await settle();
    expect(server.requests).toEqual([]);
  });

  test("unmounting destroys the client: channel closed, history restored, no more requests", async () => {
    const pushState = window.history.pushState;
    const { unmount } = render(<SessionProvider><Status /></SessionProvider>);
    await screen.findByText("authenticated Ann");
    expect(Channel.open.size).toBe(1);
    expect(window.history.pushState).not.toBe(pushState);
    unmount();
    expect(Channel.open.size).toBe(0);
    expect(window.history.pushState).toBe(pushState);
    window.dispatchEvent(new Event("focus"));
    await settle();
    expect(server.requests.length).toBe(1);
  });

  test("StrictMode: one live client in the end, none leaked", async () => {
    const { unmount } = render(<StrictMode><SessionProvider><Status /></SessionProvider></StrictMode>);
    await screen.findByText("authenticated Ann");
    expect(Channel.open.size).toBe(1);
    unmount();
    expect(Channel.open.size).toBe(0);
  });

  test("refetchOnPathChange (on by default): a pushState to another path GETs", async () => {
    render(<SessionProvider initialSession={makeSession()}><Status /></SessionProvider>);
    await act(async () => window.history.pushState(null, "", "/account"));
    await settle();
    expect(server.count("GET")).toBe(1);
  });

  test("refetchOnPathChange false", async () => {
    const pushState = window.history.pushState;
    render(<SessionProvider initialSession={makeSession()} refetchOnPathChange={false}><Status /></SessionProvider>);
    expect(window.history.pushState).toBe(pushState);
    await act(async () => window.history.pushState(null, "", "/account"));
    await settle();
    expect(server.count("GET")).toBe(0);
  });

  test("autoActivityRefresh (on by default): activity refreshes a session older than the threshold", async () => {
    render(<SessionProvider initialSession={{ session: makeSession({ lastActivity: 0 }), refreshThreshold: 60 }}><Status /></SessionProvider>);
    await act(async () => window.dispatchEvent(new Event("keydown")));
    await settle();
    expect(server.count("POST")).toBe(1);
  });

  test("autoActivityRefresh false", async () => {
    render(<SessionProvider initialSession={makeSession({ lastActivity: 0 })} autoActivityRefresh={false}><Status /></SessionProvider>);
    await act(async () => window.dispatchEvent(new Event("keydown")));
    await settle();
    expect(server.count("POST")).toBe(0);
  });

  test("activityRefreshInterval (milliseconds) replaces the server's threshold", async () => {
    vi.useFakeTimers({ toFake: ["Date"], now: Date.UTC(2026, 0, 1) });
    try {
      const start = Date.now();
      render(
        <SessionProvider initialSession={{ session: makeSession({ lastActivity: start }), refreshThreshold: 86_400 }} activityRefreshInterval={300_000}>
          <Status />
        </SessionProvider>,
      );
      vi.setSystemTime(start + 299_999);
      await act(async () => window.dispatchEvent(new Event("keydown"))); // 300 s less 1 ms: not due
      await settle();
      expect(server.count("POST")).toBe(0);
      vi.setSystemTime(start + 300_000);
      await act(async () => window.dispatchEvent(new Event("keydown")));
      await settle();
      expect(server.count("POST")).toBe(1);
      vi.setSystemTime(start + 310_000);
      await act(async () => window.dispatchEvent(new Event("keydown")));
      await settle();
      expect(server.count("POST")).toBe(1, "refreshed 10 s ago");
    } finally {
      vi.useRealTimers();
    }
  });

  test("refreshInterval (milliseconds) extends the session with POST on a timer", async () => {
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval", "setTimeout", "clearTimeout", "Date"] });
    try {
      render(<SessionProvider initialSession={makeSession()} refreshInterval={60_000}><Status /></SessionProvider>);
      await act(async () => vi.advanceTimersByTime(59_999));
      expect(server.count("POST")).toBe(0);
      await act(async () => vi.advanceTimersByTime(1));
      expect(server.count("POST")).toBe(1);
      expect(server.count("GET")).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });

  test("onSessionChange: the new session on update, null on logout, nothing for an equal re-read", async () => {
    const changes = [];
    const [Probe, renders] = probe(useSession);
    const session = makeSession();
    server.session = session;
    render(<SessionProvider initialSession={session} onSessionChange={(s) => changes.push(s && s.user.name)}><Probe /></SessionProvider>);
    await act(async () => void (await renders.at(-1).refetch()));
    expect(changes).toEqual([]);
    await act(async () => void (await renders.at(-1).update({ user: { name: "Bea" } })));
    await act(async () => void (await renders.at(-1).logout()));
    expect(changes).toEqual(["Bea", null]);
  });

  test("onSessionChange: the latest callback is called, and a throwing one breaks nothing", async () => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    const seen = [];
    const [Probe, renders] = probe(useSession);
    const ui = (fn) => <SessionProvider initialSession={makeSession()} onSessionChange={fn}><Probe /></SessionProvider>;
    const { rerender } = render(ui(() => { throw new Error("app bug"); }));
    await act(async () => void (await renders.at(-1).update({ user: { name: "Bea" } })));
    expect(renders.at(-1).session.user.name).toBe("Bea");
    rerender(ui((s) => seen.push(s && s.user.name)));
    await act(async () => void (await renders.at(-1).logout()));
    expect(seen).toEqual([null]);
    expect(renders.at(-1).status).toBe("unauthenticated");
  });
});

describe("SessionProvider with a given client", () => {
  test("uses it, and leaves it alive on unmount", async () => {
    const { client, server: s } = fakeClient();
    const { unmount } = render(<SessionProvider client={client}><Status /></SessionProvider>);
    expect(await screen.findByText("authenticated Ann")).toBeTruthy();
    unmount();
    const r = await client.refetch();
    expect(r.ok).toBe(true);
    expect(s.count("GET")).toBe(2);
    client.destroy();
  });
});
