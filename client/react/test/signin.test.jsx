// signIn from @authsession/react is the client's: a button that starts an
// OpenID Connect sign-in sends the page to the server's sign-in route with
// the current path and query as callbackUrl.
import { cleanup, fireEvent, render, screen } from "@testing-library/react";
import { afterEach, expect, test, vi } from "vitest";
import { signIn } from "@authsession/react";
import { signIn as clientSignIn } from "../dist/client.js";

afterEach(cleanup);

test("a sign-in button goes to /auth/signin/<provider>?callbackUrl=<path>", () => {
  vi.spyOn(console, "error").mockImplementation(() => {}); // jsdom: "Not implemented: navigation"
  expect(signIn).toBe(clientSignIn);
  window.history.pushState(null, "", "/dashboard?tab=2");
  const urls = [];
  render(<button onClick={() => urls.push(signIn("google"))}>Sign in with Google</button>);
  fireEvent.click(screen.getByText("Sign in with Google"));
  expect(urls).toEqual(["/auth/signin/google?callbackUrl=%2Fdashboard%3Ftab%3D2"]);
});

test("onClick={signIn} passes an event, not a provider: nothing happens", () => {
  const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
  const urls = [];
  render(<button onClick={(e) => urls.push(signIn(e))}>Go</button>);
  fireEvent.click(screen.getByText("Go"));
  expect(urls).toEqual([null]);
  expect(warn).toHaveBeenCalledTimes(1);
});
