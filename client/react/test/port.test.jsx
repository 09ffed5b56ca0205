// The component of test/types/port.tsx (written against next-auth-session's
// README, only the import path changed) works, not just type-checks.
import { act, cleanup, fireEvent, render, screen } from "@testing-library/react";
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { ExpiryBanner, Profile, ProtectedPage, Providers, UserMenu } from "./types/port.tsx";
import { makeChannelClass, makeServer, makeSession, settle } from "./helpers.js";

let server;
beforeEach(() => {
  const user = { id: "u_1", email: "ann@example.com", name: "Ann", role: "admin" };
  server = makeServer({ session: makeSession({ user, lastActivity: 0 }) });
  vi.stubGlobal("fetch", server.fetch);
  vi.stubGlobal("BroadcastChannel", makeChannelClass());
  vi.spyOn(console, "info").mockImplementation(() => {});
});
afterEach(cleanup);

test("the ported components: menu, profile, expiry, extend, rename, sign out", async () => {
  render(
    <Providers>
      <UserMenu />
      <Profile />
      <ExpiryBanner />
    </Providers>,
  );
  expect(screen.getAllByText("Loading...").length).toBe(2);
  expect(await screen.findByTestId("menu-name")).toHaveProperty("textContent", "Ann");
  expect(screen.getByTestId("menu-role").textContent).toBe("admin");
  expect(screen.getByTestId("profile").textContent).toBe("ann@example.com");
  expect(screen.getByTestId("expiry").textContent).toMatch(/^Session expires in 10079 min/);

  await act(async () => fireEvent.click(screen.getByText("Extend session")));
  await act(settle);
  expect(server.count("POST")).toBe(1);

  await act(async () => fireEvent.click(screen.getByText("Rename")));
  await act(settle);
  expect(server.requests.at(-1).body).toEqual({ user: { name: "Ann Lee" } });
  expect(screen.getByTestId("menu-name").textContent).toBe("Ann Lee");

  await act(async () => fireEvent.click(screen.getByText("Sign out")));
  await act(settle);
  expect(server.count("DELETE")).toBe(1);
  expect(screen.getByText("Sign in").getAttribute("href")).toBe("/login");
  expect(screen.getByText("Not signed in")).toBeTruthy();
  expect(screen.queryByTestId("expiry")).toBeNull();
});

test("the ported protected page renders for a signed-in user", async () => {
  render(
    <Providers session={server.session}>
      <ProtectedPage />
    </Providers>,
  );
  expect(screen.getByText("Dashboard")).toBeTruthy();
  await act(settle);
  expect(server.requests).toEqual([]);
});
