// Shared set-up for the end-to-end tests: where the demo runs, whether the
// tests may skip, and a headless Chromium from the system (never a
// downloaded browser build).
import { mkdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

/** Base URL of a demo started with the default (stateless) configuration. */
export const baseURL = (process.env.AUTHSESSION_DEMO_URL || "").replace(/\/+$/, "");

/** Base URL of a demo started with SESSION_STORE=memory, if any. */
export const storeURL = (process.env.AUTHSESSION_DEMO_STORE_URL || "").replace(/\/+$/, "");

/** True under scripts/test: a missing server is a failure, not a skip. */
export const required = process.env.AUTHSESSION_REQUIRE_SERVICES === "1";

/** Where screenshots go: $AUTHSESSION_ARTIFACTS or artifacts/ at the repository root. */
export const artifactsDir =
  process.env.AUTHSESSION_ARTIFACTS || path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "artifacts");

/**
 * The skip option for a suite needing url: false to run, else a reason.
 * Under AUTHSESSION_REQUIRE_SERVICES=1 a separate test fails instead.
 */
export function skipUnless(url, envName) {
  return url ? false : `${envName} is not set (run scripts/test, or start the demo and set it)`;
}

const executablePath = process.env.CHROMIUM_PATH || "/usr/bin/chromium";

/** Launches headless Chromium with a fresh temporary profile. */
export function launch() {
  return chromium.launch({
    executablePath,
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

/** Creates the artifacts directory and returns the path of file in it. */
export function artifact(file) {
  mkdirSync(artifactsDir, { recursive: true });
  return path.join(artifactsDir, file);
}

/** Signs in through the login form (remember: tick "remember me") and waits for the dashboard. */
export async function signIn(page, base, name, role = "user", prefix = "", { remember = false } = {}) {
  await page.goto(`${base}${prefix}/login`);
  await page.fill("#name", name);
  await page.selectOption("#role", role);
  if (remember) await page.check("#remember");
  await Promise.all([
    page.waitForURL((u) => u.pathname === `${prefix}/dashboard`),
    page.click("#login-form button[type=submit]"),
  ]);
}

/** Seconds shown by the countdown ("29:58" or "1:02:03"). */
export function countdownSeconds(text) {
  const parts = text.trim().split(":").map(Number);
  if (parts.length < 2 || parts.some((n) => !Number.isInteger(n))) throw new Error(`unexpected countdown ${JSON.stringify(text)}`);
  return parts.reduce((acc, n) => acc * 60 + n, 0);
}
