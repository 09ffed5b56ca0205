// The demo's "Sign in with OpenID Connect" (examples/demo/oidc.go) against
// zitadel's example OpenID provider, in headless Chromium from Debian: the
// button on the login page, the provider's login form, the dashboard with
// the provider's name and email for the user and the access token's
// remaining lifetime, and sign-out at the provider. scripts/steps/50-oidc.sh
// starts the demo with OIDC_ISSUER, OIDC_CLIENT_ID and OIDC_CLIENT_SECRET.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const demo = (process.env.AUTHSESSION_OIDC_DEMO_URL || "").replace(/\/+$/, "");
const issuer = process.env.AUTHSESSION_OIDC_ISSUER || "";
const required = process.env.AUTHSESSION_REQUIRE_SERVICES === "1";
const artifacts =
  process.env.AUTHSESSION_ARTIFACTS || path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "artifacts");
const skip = demo && issuer ? false : "AUTHSESSION_OIDC_DEMO_URL and AUTHSESSION_OIDC_ISSUER are not set (run scripts/steps/50-oidc.sh)";

if (skip && required) {
  test("the demo and the provider are running", () => assert.fail(skip));
}

test("the demo's Sign in with OpenID Connect", { skip }, async () => {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || "/usr/bin/chromium",
    headless: true,
    timeout: 30_000,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  try {
    const page = await browser.newPage();
    await page.goto(`${demo}/dashboard`); // the guard sends the visitor to the login page
    await page.waitForSelector("#oidc-signin");
    assert.equal((await page.textContent("#oidc-signin")).trim(), "Sign in with OpenID Connect");
    await page.click("#oidc-signin");
    await page.waitForURL((u) => u.href.startsWith(issuer) && u.pathname === "/login/username");
    await page.fill("#username", "test-user@localhost");
    await page.fill("#password", "verysecure");
    await page.click("button[type=submit]");
    await page.waitForURL(`${demo}/dashboard`);

    assert.equal(await page.textContent("#oidc-provider"), new URL(issuer).host);
    assert.equal(await page.textContent("#oidc-name"), "Test User");
    assert.equal(await page.textContent("#oidc-email"), "test-user@zitadel.ch");
    assert.match(await page.textContent("#oidc-token-left"), /^[1-5]m[0-9]+s$/);
    assert.equal(await page.textContent("#user-name"), "Test User");
    mkdirSync(artifacts, { recursive: true });
    await page.screenshot({ path: path.join(artifacts, "oidc-demo-dashboard.png"), fullPage: true });

    // Sign out here and at the provider.
    await page.click("#oidc-signout button");
    await page.waitForURL((u) => u.href.startsWith(issuer));
    assert.match(await page.textContent("body"), /signed out successfully/);
    await page.goto(`${demo}/dashboard`);
    await page.waitForSelector("#oidc-signin");
  } finally {
    await browser.close();
  }
});
