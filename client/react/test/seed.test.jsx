// The snippets of next-auth-session's README (test/types/seed.tsx, only the
// import path changed) run as the README says: a profile with
// <button onClick={logout}>, an avatar, a SessionTimer counting down, a
// protected page, a profile form, and a provider whose
// refreshInterval={5 * 60 * 1000} means five minutes.
import { act, cleanup, fireEvent, render, screen } from "@testing-library/react";
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { AdminBadge, EditProfile, ProtectedPage, Providers, SessionTimer, UserAvatar, UserProfile, describeSession } from "./types/seed.tsx";
import { makeChannelClass, makeServer, makeSession, settle } from "./helpers.js";

const T0 = Date.UTC(2026, 0, 1);
let server;
let logs;
beforeEach(() => {
  vi.useFakeTimers({ toFake: ["setInterval", "clearInterval", "setTimeout", "clearTimeout", "Date"], now: T0 });
  const user = { id: "u_1", email: "ann@example.com", name: "Ann", image: "/ann.png", role: "admin" };
  server = makeServer({ session: makeSession({ user, expiresAt: T0 + 62 * 60_000, lastActivity: T0 }) });
  vi.stubGlobal("fetch", server.fetch);
  vi.stubGlobal("BroadcastChannel", makeChannelClass());
  logs = [];
  vi.spyOn(console, "log").mockImplementation((...args) => logs.push(args));
});
afterEach(() => {
  cleanup();
  vi.useRealTimers();
});

/** Lets the fake server answer while fake timers run. */
const answer = () => act(async () => void (await vi.advanceTimersByTimeAsync(0)));

test("the README's components, ported by their import path alone", async () => {
  const warn = vi.spyOn(console, "warn");
  render(
    <Providers>
      <UserProfile />
      <UserAvatar />
      <SessionTimer />
      <AdminBadge />
    </Providers>,
  );
  expect(screen.getByText("Loading...")).toBeTruthy();
  await answer();
  expect(screen.getByText("Welcome, Ann")).toBeTruthy();
  expect(screen.getByRole("img").getAttribute("src")).toBe("/ann.png");
  expect(screen.getByText("Admin")).toBeTruthy();
  expect(screen.getByText(/^Session expires in/).textContent).toBe("Session expires in 62:00");
  expect(warn).not.toHaveBeenCalled();

  // The SessionTimer counts down with its own setInterval(recalculate, 1000)…
  await act(async () => vi.advanceTimersByTime(6000));
  expect(screen.getByText(/^Session expires in/).textContent).toBe("Session expires in 61:54");
  expect(screen.getByText(/^Session expires in/).className).toBe("");
  // …and turns red inside the last hour.
  await act(async () => vi.advanceTimersByTime(2 * 60_000));
  expect(screen.getByText(/^Session expires in/).className).toBe("text-red-500");
  expect(server.count("POST")).toBe(0);

  // refreshInterval={5 * 60 * 1000}: the first refresh after five minutes, not before.
  await act(async () => vi.advanceTimersByTime(3 * 60_000 - 6000 - 1));
  expect(server.count("POST")).toBe(0);
  await act(async () => vi.advanceTimersByTime(1));
  await answer();
  expect(server.count("POST")).toBe(1);
  expect(screen.getByText(/^Session expires in/).className).toBe("");
  expect(logs.at(-1)[0]).toBe("Session changed:");

  // <button onClick={logout}>: the click event is not taken for options.
  await act(async () => fireEvent.click(screen.getByText("Logout")));
  await answer();
  expect(server.requests.at(-1).method).toBe("DELETE");
  expect(server.requests.at(-1).body).toBeUndefined();
  expect(screen.getByText("Not logged in")).toBeTruthy();
  expect(screen.queryByRole("img")).toBeNull();
  expect(screen.queryByText(/^Session expires in/)).toBeNull();
  expect(logs.at(-1)).toEqual(["Session changed:", null]);
  expect(server.requests.map((r) => r.method)).toEqual(["GET", "POST", "DELETE"]);
});

test("activityRefreshInterval={30000}: activity refreshes every 30 seconds, not more", async () => {
  render(
    <Providers>
      <UserProfile />
    </Providers>,
  );
  await answer();
  for (let i = 0; i < 90; i++) {
    await act(async () => vi.advanceTimersByTime(1000));
    await act(async () => window.dispatchEvent(new Event("mousemove")));
    await answer();
  }
  // 90 s of activity: refreshes at 30, 60 and 90 s.
  expect(server.count("POST")).toBe(3);
});

test("the protected page and the profile form", async () => {
  render(
    <Providers>
      <ProtectedPage />
      <EditProfile />
    </Providers>,
  );
  expect(screen.getByText("Loading...")).toBeTruthy();
  await answer();
  expect(screen.getByText("Protected content")).toBeTruthy();
  // The form's state starts from the session known at its first render (none yet).
  fireEvent.change(screen.getByRole("textbox"), { target: { value: "Ann Lee" } });
  await act(async () => fireEvent.click(screen.getByText("Save")));
  await answer();
  expect(server.requests.at(-1).body).toEqual({ user: { name: "Ann Lee" } });
  expect(server.session.user.name).toBe("Ann Lee");
});

test("the Session type describes what the API sends", () => {
  expect(describeSession(server.session)).toBe(`ann@example.com until ${server.session.expiryDate}`);
});

test("settles without fake timers too", async () => {
  vi.useRealTimers();
  render(
    <Providers>
      <UserProfile />
    </Providers>,
  );
  await act(settle);
  await act(settle);
  expect(screen.getByText("Welcome, Ann")).toBeTruthy();
});
