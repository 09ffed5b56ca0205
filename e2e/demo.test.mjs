// End-to-end tests of examples/demo in headless Chromium. scripts/steps/
// 80-e2e.sh starts the demo twice and sets AUTHSESSION_DEMO_URL (stateless)
// and AUTHSESSION_DEMO_STORE_URL (SESSION_STORE=memory, COOKIE_SECURE=1).
// Without them the tests skip, unless AUTHSESSION_REQUIRE_SERVICES=1, where
// they fail.
import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { artifact, baseURL, countdownSeconds, launch, required, signIn, skipUnless, storeURL } from "./browser.mjs";

if (required && (!baseURL || !storeURL)) {
  test("demo servers are running", () => {
    assert.fail("AUTHSESSION_DEMO_URL and AUTHSESSION_DEMO_STORE_URL must be set when AUTHSESSION_REQUIRE_SERVICES=1 (scripts/steps/80-e2e.sh starts the demo)");
  });
}

// One browser for the whole file, launched by the first test that needs it.
let browserPromise;
function browser() {
  browserPromise ??= launch();
  return browserPromise;
}
after(async () => {
  if (browserPromise) await (await browserPromise).close();
});

describe("demo (stateless)", { skip: skipUnless(baseURL, "AUTHSESSION_DEMO_URL") }, () => {
  // newPage opens a page in a fresh browser context (its own cookie jar).
  async function newPage(t) {
    const context = await (await browser()).newContext({ viewport: { width: 1000, height: 760 } });
    t.after(() => context.close());
    return { context, page: await context.newPage() };
  }

  test("a visitor is sent to the login page and back to where they were going", async (t) => {
    const { page } = await newPage(t);
    await page.goto(`${baseURL}/dashboard/session`);
    const url = new URL(page.url());
    assert.equal(url.pathname, "/login");
    assert.equal(url.searchParams.get("callbackUrl"), "/dashboard/session");
    await page.fill("#name", "Vera");
    await Promise.all([page.waitForURL(/\/dashboard\/session$/), page.click("#login-form button[type=submit]")]);
    assert.equal(await page.textContent("#session-details td"), "Vera user");
  });

  test("sign in, reach the dashboard, session cookie is HttpOnly", async (t) => {
    const { context, page } = await newPage(t);
    await signIn(page, baseURL, "Ann", "user");
    assert.equal(await page.textContent("#user-name"), "Ann");
    assert.equal(await page.textContent("#user-role"), "user");

    const visible = await page.evaluate(() => document.cookie);
    assert.doesNotMatch(visible, /(^|;\s*)session(\.\d+)?=/, "document.cookie shows the session cookie");
    const cookies = await context.cookies();
    const session = cookies.find((c) => c.name === "session");
    assert.ok(session, `no session cookie among ${cookies.map((c) => c.name)}`);
    assert.equal(session.httpOnly, true);
    assert.equal(session.sameSite, "Lax");
    assert.equal(session.secure, false, "the stateless demo runs without COOKIE_SECURE");
    // Nor does the page's HTML carry the token.
    assert.ok(!(await page.content()).includes(session.value), "the page contains the session token");
  });

  test("a user is refused the admin page; an admin is let in", async (t) => {
    const { page } = await newPage(t);
    await signIn(page, baseURL, "Uma", "user");
    assert.equal(await page.locator("nav a[href='/admin']").count(), 0);
    const resp = await page.goto(`${baseURL}/admin`);
    assert.equal(resp.status(), 403);
    assert.ok(await page.isVisible("#forbidden"));
    assert.equal(new URL(page.url()).pathname, "/admin");

    const admin = await newPage(t);
    await signIn(admin.page, baseURL, "Ada", "admin");
    const ok = await admin.page.goto(`${baseURL}/admin`);
    assert.equal(ok.status(), 200);
    assert.ok(await admin.page.isVisible("#admin-config"));
  });

  test("update the display name", async (t) => {
    const { page } = await newPage(t);
    await signIn(page, baseURL, "Bob", "user");
    await page.fill("#display-name", "Robert <b>");
    await Promise.all([page.waitForURL(/\/dashboard$/), page.click("#name-form button[type=submit]")]);
    assert.equal(await page.textContent("#user-name"), "Robert <b>");
    // The banner is a flash value: shown once, gone on reload.
    assert.equal(await page.textContent(".notice"), "Your display name was updated.");
    await page.reload();
    assert.equal(await page.locator(".notice").count(), 0, "the banner came back on reload");
    // The new name is in the cookie: a fresh load shows it too.
    await page.goto(`${baseURL}/dashboard/session`);
    assert.equal(await page.textContent("#session-details td"), "Robert <b> user");

    // An empty name is refused and changes nothing.
    await page.goto(`${baseURL}/dashboard`);
    await page.$eval("#display-name", (el) => { el.removeAttribute("required"); el.value = "   "; });
    const [resp] = await Promise.all([page.waitForResponse((r) => r.url().endsWith("/dashboard/name")), page.click("#name-form button[type=submit]")]);
    assert.equal(resp.status(), 400);
    assert.equal(await page.textContent("#user-name"), "Robert <b>");
  });

  test("remember me: a browser-session cookie unless ticked, kept across a refresh", async (t) => {
    for (const remember of [false, true]) {
      const { context, page } = await newPage(t);
      await signIn(page, baseURL, remember ? "Remi" : "Sam", "user", "", { remember });
      const cookie = (await context.cookies()).find((c) => c.name === "session");
      if (remember) {
        const left = cookie.expires - Date.now() / 1000;
        assert.ok(left > 25 * 60 && left <= 30 * 60 + 5, `remembered cookie expires in ${left}s, want about 30 minutes`);
      } else {
        assert.equal(cookie.expires, -1, "an unticked box must give a browser-session cookie");
      }
      await page.goto(`${baseURL}/dashboard/session`);
      assert.match(await page.textContent("#remembered"), remember ? /^yes/ : /^no/);
      // Extending the session (the client's POST) keeps the choice.
      await page.goto(`${baseURL}/dashboard`);
      await page.waitForFunction(() => window.demoSession?.status === "authenticated");
      const [resp] = await Promise.all([
        page.waitForResponse((r) => new URL(r.url()).pathname === "/api/session" && r.request().method() === "POST"),
        page.click("#extend"),
      ]);
      assert.equal(resp.status(), 200);
      const after = (await context.cookies()).find((c) => c.name === "session");
      assert.notEqual(after.value, cookie.value, "the refresh did not re-issue the cookie");
      assert.equal(after.expires === -1, !remember, `after the refresh: expires ${after.expires}`);
    }
  });

  test("a note in the session's data; banners are flash values", async (t) => {
    const { page } = await newPage(t);
    await signIn(page, baseURL, "Nora", "user");
    await page.fill("#note-text", "call <Bob> back");
    await Promise.all([page.waitForURL(/\/dashboard$/), page.click("#note-form button[type=submit]")]);
    assert.equal(await page.textContent("#note"), "call <Bob> back");
    assert.equal(await page.textContent(".notice"), "Your note was saved.");
    // The note is in the encrypted cookie, not in what page scripts see.
    const api = await page.evaluate(async () => (await fetch("/api/session")).text());
    assert.ok(!api.includes("call <Bob>") && !api.includes('"data"'), `GET /api/session exposes the data: ${api}`);
    await page.reload();
    assert.equal(await page.textContent("#note"), "call <Bob> back");
    assert.equal(await page.locator(".notice").count(), 0);
    await page.fill("#note-text", "");
    await Promise.all([page.waitForURL(/\/dashboard$/), page.click("#note-form button[type=submit]")]);
    assert.equal(await page.locator("#note").count(), 0);
    assert.equal(await page.textContent(".notice"), "Your note was removed.");
  });

  test("switch accounts: the sign-in form posted while signed in", async (t) => {
    const { context, page } = await newPage(t);
    await signIn(page, baseURL, "Ann", "user");
    // The sign-in page itself sends a signed-in visitor home...
    await page.goto(`${baseURL}/login`);
    assert.equal(new URL(page.url()).pathname, "/");
    // ...but its form, posted from this site, signs in someone else.
    await page.evaluate(() => {
      const f = document.createElement("form");
      f.method = "post";
      f.action = "/login";
      for (const [k, v] of [["name", "Bea"], ["role", "admin"]]) {
        const i = document.createElement("input");
        i.name = k;
        i.value = v;
        f.append(i);
      }
      document.body.append(f);
      f.submit();
    });
    await page.waitForURL((u) => u.pathname === "/dashboard");
    assert.equal(await page.textContent("#user-name"), "Bea");
    assert.equal((await context.cookies()).filter((c) => c.name.startsWith("session")).length, 1);
  });

  test("the countdown moves, extending moves the expiry later; screenshot", async (t) => {
    const { page } = await newPage(t);
    await signIn(page, baseURL, "Cleo", "admin");
    await page.waitForFunction(() => window.demoSession?.status === "authenticated");

    const first = countdownSeconds(await page.textContent("#countdown"));
    await page.waitForTimeout(1500);
    const second = countdownSeconds(await page.textContent("#countdown"));
    assert.ok(second < first, `countdown did not move: got ${second} after ${first}`);
    assert.ok(first <= 30 * 60 && second > 25 * 60, `countdown out of range: ${first}, ${second}`);

    const before = Number(await page.getAttribute("#expires-at", "data-expires-at"));
    const [resp] = await Promise.all([
      page.waitForResponse((r) => new URL(r.url()).pathname === "/api/session" && r.request().method() === "POST"),
      page.click("#extend"),
    ]);
    assert.equal(resp.status(), 200);
    await page.waitForFunction(() => document.getElementById("extend-status").textContent !== "");
    assert.equal(await page.textContent("#extend-status"), "Session extended.");
    const later = Number(await page.getAttribute("#expires-at", "data-expires-at"));
    assert.ok(later > before, `expiry did not move later: got ${later}, was ${before}`);
    assert.equal(new URL(page.url()).pathname, "/dashboard", "extending reloaded the page");

    await page.screenshot({ path: artifact("dashboard.png"), fullPage: true });
  });

  test("logging out in one tab signs the other tab out", async (t) => {
    const { page: a, context } = await newPage(t);
    await signIn(a, baseURL, "Dora", "user");
    const b = await context.newPage();
    await b.goto(`${baseURL}/dashboard`);
    await b.waitForFunction(() => window.demoSession?.status === "authenticated");
    await a.waitForFunction(() => window.demoSession?.status === "authenticated");

    await Promise.all([
      a.waitForURL((u) => u.pathname === "/"),
      b.waitForURL((u) => u.pathname === "/login" && u.searchParams.get("reason") === "signedout", { timeout: 10_000 }),
      a.click("#logout"),
    ]);
    assert.ok(await b.isVisible(".notice"));
    assert.equal((await context.cookies()).filter((c) => c.name.startsWith("session")).length, 0);
  });

  test("Arabic pages are right-to-left and keep the locale prefix", async (t) => {
    const { page } = await newPage(t);
    await page.goto(`${baseURL}/ar/dashboard`);
    const url = new URL(page.url());
    assert.equal(url.pathname, "/ar/login");
    assert.equal(url.searchParams.get("callbackUrl"), "/ar/dashboard");
    assert.equal(await page.getAttribute("html", "dir"), "rtl");
    assert.equal(await page.getAttribute("html", "lang"), "ar");
    assert.equal(await page.textContent("h1"), "تسجيل الدخول");

    await page.fill("#name", "Layla");
    await Promise.all([page.waitForURL((u) => u.pathname === "/ar/dashboard"), page.click("#login-form button[type=submit]")]);
    assert.equal(await page.getAttribute("html", "dir"), "rtl");
    const hrefs = await page.$$eval("nav a", (as) => as.map((a) => a.getAttribute("href")));
    assert.ok(hrefs.length > 0 && hrefs.every((h) => h === "/ar" || h.startsWith("/ar/")), `links lost the locale: ${hrefs}`);
    await page.waitForFunction(() => window.demoSession?.status === "authenticated");
    await page.screenshot({ path: artifact("dashboard-ar.png"), fullPage: true });
    const resp = await page.goto(`${baseURL}/ar/admin`);
    assert.equal(resp.status(), 403);
    assert.equal(await page.textContent("h1"), "غير مسموح");
  });
  test("the favicon is served and the sign-in page says identities are self-asserted", async (t) => {
    const { page } = await newPage(t);
    const failed = [];
    page.on("response", (r) => { if (r.status() >= 400) failed.push(`${r.status()} ${r.url()}`); });
    await page.goto(`${baseURL}/login`);
    await page.waitForLoadState("networkidle");
    assert.deepEqual(failed, [], "a request of the page failed");
    const href = await page.getAttribute("link[rel=icon]", "href");
    assert.equal(href, "/favicon.ico");
    const icon = await page.request.get(new URL(href, baseURL).href);
    assert.equal(icon.status(), 200);
    assert.equal(icon.headers()["content-type"], "image/x-icon");
    assert.deepEqual([...(await icon.body()).subarray(0, 4)], [0, 0, 1, 0], "not an ICO file");
    assert.match(await page.textContent("#self-asserted"), /self-asserted/);
  });

  test("Arabic pages isolate left-to-right text and localise every date", async (t) => {
    const { page } = await newPage(t);
    await signIn(page, baseURL, "Ann (QA)", "user", "/ar");
    for (const path of ["/ar/dashboard", "/ar/dashboard/session"]) {
      // As served: the name in <bdi>, every date marked left to right.
      const html = await (await page.request.get(`${baseURL}${path}`)).text();
      assert.ok(html.includes("<bdi>Ann (QA)</bdi>"), `${path}: the name is not in <bdi>`);
      const tags = html.match(/<time[^>]*>/g) ?? [];
      assert.ok(tags.length > 0 && tags.every((tag) => tag.includes(' dir="ltr"')), `${path}: <time> without dir="ltr": ${tags}`);

      // In the browser: every date in the page's language and the
      // reader's time zone, in the page's direction.
      await page.goto(`${baseURL}${path}`);
      const times = await page.$$eval("time[datetime]", (els) => els.map((el) => ({
        text: el.textContent,
        dir: el.dir,
        want: new Intl.DateTimeFormat("ar", { dateStyle: "medium", timeStyle: "medium" }).format(new Date(el.dateTime)),
      })));
      assert.equal(times.length, path.endsWith("session") ? 3 : 1, `${path}: dates ${JSON.stringify(times)}`);
      for (const tm of times) {
        assert.equal(tm.text, tm.want, `${path}: a date is not localised`);
        assert.equal(tm.dir, "rtl", `${path}: a localised date keeps dir=ltr`);
      }
      assert.equal(await page.textContent("#user-name bdi, #session-details bdi"), "Ann (QA)");
    }
    await page.screenshot({ path: artifact("session-ar.png"), fullPage: true });
  });
});

describe("demo with SESSION_STORE=memory", { skip: skipUnless(storeURL, "AUTHSESSION_DEMO_STORE_URL") }, () => {
  test("the session page lists both devices and logs out everywhere", async (t) => {
    // Two contexts are two devices of the same user.
    const b = await browser();
    const phone = await b.newContext({ userAgent: "DemoPhone/1.0" });
    const laptop = await b.newContext({ userAgent: "DemoLaptop/1.0" });
    t.after(() => Promise.all([phone.close(), laptop.close()]));
    const p = await phone.newPage();
    const l = await laptop.newPage();
    await signIn(p, storeURL, "Eve", "user");
    await signIn(l, storeURL, "Eve", "user");

    // This server runs with COOKIE_SECURE=1, over plain HTTP on 127.0.0.1.
    const cookie = (await laptop.cookies()).find((c) => c.name === "session");
    assert.equal(cookie?.secure, true, "the session cookie is not Secure");
    assert.equal(cookie?.httpOnly, true);

    await l.goto(`${storeURL}/dashboard/session`);
    const devices = await l.$$eval("tr.device td:first-child", (tds) => tds.map((td) => td.textContent));
    assert.equal(devices.length, 2, `devices: ${devices}`);
    assert.ok(devices.some((d) => d.startsWith("DemoPhone/1.0")) && devices.some((d) => d.startsWith("DemoLaptop/1.0") && d.includes("this device")), `devices: ${devices}`);

    await Promise.all([l.waitForURL(/\/login\?reason=signedout$/), l.click("#logout-everywhere button")]);
    // The phone's cookie is still there, but its session was revoked.
    await p.goto(`${storeURL}/dashboard`);
    assert.equal(new URL(p.url()).pathname, "/login");
  });

  test("Arabic session page: user agents stay left to right, device dates are localised", async (t) => {
    const ua = "Mozilla/5.0 (X11; Linux x86_64) DemoBrowser/1.0";
    const context = await (await browser()).newContext({ userAgent: ua });
    t.after(() => context.close());
    const page = await context.newPage();
    await signIn(page, storeURL, "Farah", "user", "/ar");
    await page.goto(`${storeURL}/ar/dashboard/session`);
    const client = await page.$eval("tr.device .client", (el) => ({ text: el.textContent, dir: el.getAttribute("dir") }));
    assert.deepEqual(client, { text: ua, dir: "ltr" });
    const dates = await page.$$eval("tr.device time", (els) => els.map((el) => [el.textContent, new Intl.DateTimeFormat("ar", { dateStyle: "medium", timeStyle: "medium" }).format(new Date(el.dateTime))]));
    assert.equal(dates.length, 2);
    for (const [got, want] of dates) assert.equal(got, want);
  });
});
