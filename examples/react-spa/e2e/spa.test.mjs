// End-to-end tests of the React SPA (examples/react-spa) in Debian's
// headless Chromium, driven by playwright-core from e2e/ (the repository's
// shared browser set-up). scripts/steps/85-react.sh builds the app, starts
// the Go server and sets AUTHSESSION_REACT_SPA_URL. Without it the tests
// skip, unless AUTHSESSION_REQUIRE_SERVICES=1, where they fail.
import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { artifact, countdownSeconds, launch, required, skipUnless } from "../../../e2e/browser.mjs";

const baseURL = (process.env.AUTHSESSION_REACT_SPA_URL || "").replace(/\/+$/, "");

if (required && !baseURL) {
  test("the React SPA server is running", () => {
    assert.fail("AUTHSESSION_REACT_SPA_URL must be set when AUTHSESSION_REQUIRE_SERVICES=1 (scripts/steps/85-react.sh starts the server)");
  });
}

let browserPromise;
function browser() {
  browserPromise ??= launch();
  return browserPromise;
}
after(async () => {
  if (browserPromise) await (await browserPromise).close();
});

/** A fresh browser context (its own cookie jar); pages for it, errors collected. */
async function newContext(t) {
  const context = await (await browser()).newContext({ viewport: { width: 1000, height: 700 } });
  t.after(() => context.close());
  const errors = [];
  const page = async () => {
    const p = await context.newPage();
    p.on("pageerror", (e) => errors.push(String(e)));
    p.on("console", (m) => m.type() === "error" && !/Failed to load resource/.test(m.text()) && errors.push(m.text()));
    return p;
  };
  return { context, page, errors };
}

/** Counts the page's requests to the session API, by method. */
function watchAPI(page) {
  const seen = [];
  page.on("request", (r) => new URL(r.url()).pathname === "/api/session" && seen.push(r.method()));
  return seen;
}

/** Signs in through the app's form, starting from path, and waits for the dashboard. */
async function signIn(page, name, path = "/login") {
  await page.goto(baseURL + path);
  await page.waitForSelector("#login-form");
  await page.fill("#name", name);
  await Promise.all([page.waitForSelector("#user-name"), page.click("#login-form button[type=submit]")]);
}

describe("React SPA", { skip: skipUnless(baseURL, "AUTHSESSION_REACT_SPA_URL") }, () => {
  test("a visitor to /dashboard is sent to sign in, and back; the cookie stays HttpOnly", async (t) => {
    const { context, page, errors } = await newContext(t);
    const p = await page();
    await p.goto(baseURL + "/dashboard");
    const url = new URL(p.url());
    assert.equal(url.pathname, "/login", "the Go guard redirects");
    assert.equal(url.searchParams.get("callbackUrl"), "/dashboard");
    await p.waitForSelector("#login-form");
    await p.fill("#name", "Vera");
    await Promise.all([p.waitForSelector("#user-name"), p.click("#login-form button[type=submit]")]);
    assert.equal(new URL(p.url()).pathname, "/dashboard");
    assert.equal(await p.textContent("#user-name"), "Vera");
    assert.equal(await p.textContent("[data-testid=user-menu]"), "Vera");

    const cookies = await context.cookies();
    assert.equal(cookies.find((c) => c.name === "session")?.httpOnly, true);
    assert.doesNotMatch(await p.evaluate(() => document.cookie), /(^|;\s*)session=/);
    assert.deepEqual(errors, []);
  });

  test("the dashboard: user menu, live expiry timer, extend, rename", async (t) => {
    const { page, errors } = await newContext(t);
    const p = await page();
    await signIn(p, "Ann");

    // Loaded with the session rendered into the page: no GET on load.
    const api = watchAPI(p);
    await p.reload();
    await p.waitForSelector("#countdown");
    assert.deepEqual(api, [], "the provider used the page's initial session");

    const first = countdownSeconds(await p.textContent("#countdown"));
    assert.ok(first > 29 * 60 && first <= 30 * 60, `countdown ${first}s, want about 30 minutes`);
    await p.waitForFunction((s) => {
      const [m, sec] = document.querySelector("#countdown").textContent.split(":").map(Number);
      return m * 60 + sec < s;
    }, first, { timeout: 5000 });

    const before = Number(await p.getAttribute("#countdown", "data-expires-at"));
    await p.waitForTimeout(1100);
    await p.click("#extend");
    await p.waitForSelector("#message:text('Session extended.')");
    const extended = Number(await p.getAttribute("#countdown", "data-expires-at"));
    assert.ok(extended > before, `expiresAt ${extended} after extend, want more than ${before}`);
    assert.ok(api.includes("POST"), `extend POSTs: ${api}`);

    await p.fill("#new-name", "Ann Lee");
    await p.click("#rename-form button[type=submit]");
    await p.waitForSelector("#message:text('Name updated.')");
    assert.equal(await p.textContent("#user-name"), "Ann Lee");
    assert.equal(await p.textContent("[data-testid=user-menu]"), "Ann Lee");
    assert.ok(api.includes("PATCH"));

    await p.fill("#new-name", "   ");
    await p.click("#rename-form button[type=submit]");
    await p.waitForSelector("#message.error");
    assert.equal(await p.textContent("#user-name"), "Ann Lee", "a refused rename keeps the name");

    await p.reload();
    await p.waitForSelector("#user-name");
    assert.equal(await p.textContent("#user-name"), "Ann Lee", "the new name is in the cookie");

    await p.click("[data-testid=user-menu]");
    await p.waitForSelector("[role=menu]");
    await p.screenshot({ path: artifact("react-spa-dashboard.png") });
    assert.deepEqual(errors, []);
  });

  test("refreshInterval={3600000} and a busy user: at most one request a second, no warning", async (t) => {
    const { page, errors } = await newContext(t);
    const p = await page();
    const warnings = [];
    p.on("console", (m) => m.type() === "warning" && warnings.push(m.text()));
    await signIn(p, "Flo");
    const starts = [];
    p.on("request", (r) => new URL(r.url()).pathname === "/api/session" && starts.push(Date.now()));
    // Two seconds of mouse, keyboard, scroll and focus, then a second of quiet.
    const until = Date.now() + 2000;
    for (let i = 0; Date.now() < until; i++) {
      await p.mouse.move(100 + (i % 300), 200 + (i % 50));
      await p.keyboard.press("Shift");
      await p.evaluate(() => (window.dispatchEvent(new Event("focus")), window.scrollBy(0, 1)));
    }
    await p.waitForTimeout(1000);
    // (Measured here, as the requests reach Playwright: a little jitter is allowed.)
    for (let i = 1; i < starts.length; i++) assert.ok(starts[i] - starts[i - 1] >= 950, `${starts.length} requests, two of them ${starts[i] - starts[i - 1]} ms apart`);
    assert.ok(starts.length <= 3, `${starts.length} session API requests in 3 s`);
    assert.deepEqual(warnings.filter((w) => w.includes("authsession")), []);
    assert.deepEqual(errors, []);
  });

  test("/account is protected on the client by useRequireAuth", async (t) => {
    const { page, errors } = await newContext(t);
    const p = await page();
    await p.goto(baseURL + "/account"); // the server lets it through (Hybrid)
    await p.waitForURL((u) => u.pathname === "/login");
    assert.equal(new URL(p.url()).searchParams.get("callbackUrl"), "/account");
    await p.fill("#name", "Uma");
    await Promise.all([p.waitForSelector("#account"), p.click("#login-form button[type=submit]")]);
    assert.equal(new URL(p.url()).pathname, "/account");

    // Client-side navigation: no page load, and the session is re-read (refetchOnPathChange).
    const api = watchAPI(p);
    await p.evaluate(() => (window.__stayed = true));
    const reread = p.waitForResponse((r) => new URL(r.url()).pathname === "/api/session");
    await p.click("nav a[href='/dashboard']");
    await p.waitForSelector("#user-name");
    await reread;
    assert.equal(await p.evaluate(() => window.__stayed), true, "no page load");
    assert.deepEqual(api, ["GET"]);
    assert.deepEqual(errors, []);
  });

  test("two tabs stay in sync on sign-out", async (t) => {
    const { page, errors } = await newContext(t);
    const a = await page();
    await signIn(a, "Tab");
    const b = await page();
    await b.goto(baseURL + "/account");
    await b.waitForSelector("#account");

    await a.click("[data-testid=user-menu]");
    await Promise.all([a.waitForURL((u) => u.pathname === "/login"), a.click("[data-testid=sign-out]")]);
    assert.equal(new URL(a.url()).searchParams.get("reason"), "signedout");

    // The other tab hears it (BroadcastChannel) and its useRequireAuth sends it to sign in.
    await b.waitForURL((u) => u.pathname === "/login", { timeout: 5000 });
    assert.equal(new URL(b.url()).searchParams.get("callbackUrl"), "/account");
    assert.deepEqual(errors, []);
  });

  test("a failing session API is shown, never thrown; the last session stays", async (t) => {
    const { page, errors } = await newContext(t);
    const p = await page();
    await signIn(p, "Sam");
    const answers = [
      { status: 503, contentType: "text/html", body: "<h1>Service Unavailable</h1>" },
      { status: 200, contentType: "text/html", body: "<!doctype html><p>a proxy's page</p>" },
      { status: 500, contentType: "application/json", body: '{"error":{"code":"internal","message":"boom"}}' },
    ];
    const codes = ["http_503", "bad_response", "internal"];
    // Each client-side navigation to the other page re-reads the session.
    let onAccount = false;
    const move = () => p.click((onAccount = !onAccount) ? "nav a[href='/account']" : "nav a[href='/dashboard']");
    for (const [i, answer] of answers.entries()) {
      await p.route("**/api/session", (route) => (route.request().method() === "GET" ? route.fulfill(answer) : route.continue()));
      await move();
      await p.waitForSelector(`[data-testid=session-error]:has-text('${codes[i]}')`);
      assert.equal(await p.textContent("[data-testid=user-menu]"), "Sam", `after ${codes[i]}`);
      await p.unroute("**/api/session");
    }
    await p.route("**/api/session", (route) => route.abort("connectionreset"));
    await move();
    await p.waitForSelector("[data-testid=session-error]:has-text('network_error')");
    assert.ok(await p.isVisible(onAccount ? "#account" : "#user-name"), "the page still renders");
    await p.unroute("**/api/session");
    await move();
    await p.waitForSelector("[data-testid=session-error]", { state: "detached" });
    assert.equal(await p.textContent("[data-testid=user-menu]"), "Sam");
    assert.deepEqual(errors, []);
  });
});
