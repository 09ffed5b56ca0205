// signIn(provider, options): the page goes to the server's OpenID Connect
// sign-in route, <basePath>/signin/<provider>?callbackUrl=<local path>,
// and nowhere else whatever it is given.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { signIn } from "../client.js";
import { makeWindow } from "./fakes.mjs";

function quiet(t) {
  const warnings = [];
  t.mock.method(console, "warn", (m) => warnings.push(m));
  return warnings;
}

describe("signIn", () => {
  test("goes to /auth/signin/<provider> with the current path and query as callbackUrl", (t) => {
    const warnings = quiet(t);
    const win = makeWindow({ path: "/dashboard/a b", search: "?tab=1&x=%2F" });
    const url = signIn("google", { window: win });
    const want = "/auth/signin/google?callbackUrl=" + encodeURIComponent("/dashboard/a b?tab=1&x=%2F");
    assert.equal(url, want);
    assert.deepEqual(win.location.assigned, [want]);
    assert.deepEqual(warnings, []);
  });

  test("takes a local callbackUrl and another base path (a trailing slash trimmed)", (t) => {
    quiet(t);
    const win = makeWindow({ path: "/login" });
    assert.equal(signIn("azure-ad.v2_x", { window: win, basePath: "/oauth/", callbackUrl: "/settings?x=1" }), "/oauth/signin/azure-ad.v2_x?callbackUrl=%2Fsettings%3Fx%3D1");
  });

  test("uses globalThis.window by default", (t) => {
    quiet(t);
    const win = makeWindow({ path: "/p" });
    const saved = Object.getOwnPropertyDescriptor(globalThis, "window");
    globalThis.window = win;
    t.after(() => (saved ? Object.defineProperty(globalThis, "window", saved) : delete globalThis.window));
    signIn("oidc");
    assert.deepEqual(win.location.assigned, ["/auth/signin/oidc?callbackUrl=%2Fp"]);
  });

  for (const bad of ["//evil.example/x", "https://evil.example/", "/\\evil.example", "javascript:alert(1)", "dashboard", "/a\nb", 42, null, {}]) {
    test(`callbackUrl ${JSON.stringify(bad)} is not followed: the current page is used, with a warning`, (t) => {
      const warnings = quiet(t);
      const win = makeWindow({ path: "/here" });
      assert.equal(signIn("google", { window: win, callbackUrl: bad }), "/auth/signin/google?callbackUrl=%2Fhere");
      assert.equal(warnings.length, 1);
      assert.match(warnings[0], /^authsession: signIn: callbackUrl must be a local path/);
    });
  }

  for (const bad of ["", ".", "..", "../admin", "a/b", "a?b", "a#b", "%2e%2e", "-x", "x".repeat(65), 42, null, undefined, {}, new Event("click")]) {
    test(`provider ${typeof bad === "string" ? JSON.stringify(bad.slice(0, 10)) : String(bad)}: no navigation, a warning, null`, (t) => {
      const warnings = quiet(t);
      const win = makeWindow();
      assert.equal(signIn(bad, { window: win }), null);
      assert.deepEqual(win.location.assigned, []);
      assert.match(warnings[0], /^authsession: signIn: provider must be an id/);
    });
  }

  for (const bad of ["//evil.example", "https://evil.example/auth", "auth", "/", "/a\\b", 7]) {
    test(`basePath ${JSON.stringify(bad)}: no navigation`, (t) => {
      const warnings = quiet(t);
      const win = makeWindow();
      assert.equal(signIn("google", { window: win, basePath: bad }), null);
      assert.deepEqual(win.location.assigned, []);
      assert.match(warnings[0], /basePath must be a path on this origin/);
    });
  }

  test("without a window: null and a warning, nothing thrown", (t) => {
    const warnings = quiet(t);
    assert.equal(signIn("google", { window: null }), null);
    assert.equal(signIn("google", "not options"), null); // and no window in Node
    assert.equal(warnings.length, 2);
  });
});
