// The oidc module's example (../example) against zitadel's example OpenID
// provider, in headless Chromium from Debian: sign in on the provider's
// page, land signed in, refresh the access token (the example runs with a
// refresh margin longer than the provider's five-minute tokens, so every
// dashboard visit renews it, and the provider rotates the refresh token),
// and sign out through the provider. scripts/steps/50-oidc.sh starts both
// servers and sets the variables below.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const app = (process.env.AUTHSESSION_OIDC_APP_URL || "").replace(/\/+$/, "");
const issuer = process.env.AUTHSESSION_OIDC_ISSUER || "";
const required = process.env.AUTHSESSION_REQUIRE_SERVICES === "1";
const artifacts =
  process.env.AUTHSESSION_ARTIFACTS || path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "artifacts");
const skip = app && issuer ? false : "AUTHSESSION_OIDC_APP_URL and AUTHSESSION_OIDC_ISSUER are not set (run scripts/steps/50-oidc.sh)";

if (skip && required) {
  test("the example and the provider are running", () => assert.fail(skip));
}

function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || "/usr/bin/chromium",
    headless: true,
    timeout: 30_000,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

async function screenshot(page, name) {
  mkdirSync(artifacts, { recursive: true });
  await page.screenshot({ path: path.join(artifacts, name) });
}

/** Signs in on the provider's login form, from the example's home page. */
async function signIn(page, password = "verysecure") {
  await page.click("#signin");
  await page.waitForURL((u) => u.href.startsWith(issuer) && u.pathname === "/login/username");
  await page.fill("#username", "test-user@localhost");
  await page.fill("#password", password);
  await page.click("button[type=submit]");
}

test("sign in with OpenID Connect, refresh, sign out through the provider", { skip }, async () => {
  const browser = await launch();
  try {
    const page = await browser.newPage();
    // The dashboard needs a session: the guard sends the visitor home.
    await page.goto(`${app}/dashboard`);
    await page.waitForSelector("#anonymous");
    assert.equal(new URL(page.url()).searchParams.get("callbackUrl"), "/dashboard");

    await signIn(page);
    await page.waitForURL(`${app}/dashboard`);
    assert.equal(await page.textContent("#name"), "Test User");
    assert.equal(await page.textContent("#email"), "test-user@zitadel.ch");
    const first = await page.textContent("#token");
    assert.match(first, /^[0-9a-f]{8}$/);
    assert.match(await page.textContent("#remaining"), /^[1-5]m/);
    // The session cookie is out of JavaScript's reach.
    assert.equal(await page.evaluate(() => document.cookie), "");
    await screenshot(page, "oidc-dashboard.png");

    // Refresh: a new access token from a rotated refresh token, still signed in.
    await page.reload();
    const second = await page.textContent("#token");
    assert.notEqual(second, first);
    await page.reload();
    assert.notEqual(await page.textContent("#token"), second);
    assert.equal(await page.textContent("#name"), "Test User");

    // Sign out here and at the provider (RP-initiated logout).
    await page.click("#signout button");
    await page.waitForURL((u) => u.href.startsWith(issuer));
    assert.match(await page.textContent("body"), /signed out successfully/);
    await page.goto(`${app}/dashboard`);
    await page.waitForSelector("#anonymous");
    await screenshot(page, "oidc-signed-out.png");
  } finally {
    await browser.close();
  }
});

test("a wrong password stays at the provider; a forged callback signs nobody in", { skip }, async () => {
  const browser = await launch();
  try {
    const page = await browser.newPage();
    await page.goto(`${app}/`);
    await signIn(page, "wrong");
    await page.waitForSelector("text=/password/i");
    assert.ok(page.url().startsWith(issuer), `left the provider for ${page.url()}`);

    const res = await page.goto(`${app}/auth/callback?code=forged&state=forged`);
    assert.equal(res.status(), 400);
    assert.equal(await page.getAttribute("#error", "data-code"), "invalid_state");
    await page.goto(`${app}/`);
    await page.waitForSelector("#anonymous");
  } finally {
    await browser.close();
  }
});
