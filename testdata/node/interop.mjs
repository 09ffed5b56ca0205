// Node.js side of authsession's interoperability tests (formats_node_test.go).
//
// Reads one JSON command on stdin, writes one JSON result on stdout (with
// --serve: one command per line, one result per line, until stdin closes):
//
//   {"op":"encrypt","format":"default","secret":"…","cookieName":"session","payload":{…}}
//     -> {"token":"…","kid":"…"}
//   {"op":"decrypt","format":"default","secret":"…","cookieName":"session","token":"…","now":1767139200}
//     -> {"header":{…},"payload":{…}}
//   {"op":"encrypt","format":"authjs"|"nextauth-v4","secret":"…"|["…"],"cookieName":"…","payload":{…},"maxAge":604800}
//   {"op":"decrypt","format":"authjs"|"nextauth-v4","secret":"…"|["…"],"cookieName":"…","token":"…"}
//   {"op":"getToken","format":"authjs"|"nextauth-v4","secret":"…","cookieName":"…","cookies":{"name.0":"…",…}}
//   {"op":"signIn","format":"authjs"|"nextauth-v4","secret":"…","base":"https://app.example","maxAge":…,
//    "user":{"id":"…","name":"…",…},"claims":{…},"dropSub":false}
//     -> {"setCookie":["…",…],"cookies":{"name":"value",…}}
//   {"op":"session","format":…,"secret":…,"base":…,"maxAge":…,"cookies":{"name":"value",…}}
//     -> {"status":200,"body":{…},"setCookie":["…",…]}
//
// The default format follows only the README's "Token format" section, with
// Node's crypto.hkdfSync and the jose package. The other formats call the
// real packages' own encode/decode (@auth/core/jwt, next-auth/jwt), and
// signIn and session run the packages' own request handlers (@auth/core's
// Auth, next-auth 4's AuthHandler) with a Credentials provider that signs
// in "user": the CSRF dance and the credentials callback, then the
// session endpoint, which re-encodes the token through the jwt callback as
// a Next.js app does on every session read. The jwt callback adds "claims"
// at sign-in (and drops sub with "dropSub"), and otherwise returns the
// token it is given, as the packages' default does.
// Errors go to stdout as {"error":"…"} with exit code 1.
import { hkdfSync } from "node:crypto";
import { createRequire } from "node:module";
import { createInterface } from "node:readline";
import { CompactEncrypt, compactDecrypt, base64url, calculateJwkThumbprint, decodeProtectedHeader } from "jose";

const INFO = "authsession session encryption key";

async function defaultKey(secret, cookieName) {
  const key = new Uint8Array(hkdfSync("sha256", Buffer.from(secret, "utf8"), Buffer.from(cookieName, "utf8"), INFO, 32));
  const kid = await calculateJwkThumbprint({ kty: "oct", k: base64url.encode(key) }, "sha256");
  return { key, kid };
}

async function run(cmd) {
  const format = cmd.format ?? "default";
  if (format === "default") {
    const secrets = Array.isArray(cmd.secret) ? cmd.secret : [cmd.secret];
    if (cmd.op === "encrypt") {
      const { key, kid } = await defaultKey(secrets[0], cmd.cookieName);
      const token = await new CompactEncrypt(new TextEncoder().encode(JSON.stringify(cmd.payload)))
        .setProtectedHeader({ alg: "dir", enc: "A256GCM", kid })
        .encrypt(key);
      return { token, kid };
    }
    if (cmd.op === "decrypt") {
      const { kid } = decodeProtectedHeader(cmd.token);
      for (const s of secrets) {
        const k = await defaultKey(s, cmd.cookieName);
        if (kid !== undefined && kid !== k.kid) continue;
        const { plaintext, protectedHeader } = await compactDecrypt(cmd.token, k.key, {
          keyManagementAlgorithms: ["dir"],
          contentEncryptionAlgorithms: ["A256GCM"],
        });
        const payload = JSON.parse(new TextDecoder().decode(plaintext));
        const now = cmd.now ?? Math.floor(Date.now() / 1000);
        if (typeof payload.exp !== "number" || payload.exp <= now) throw new Error("token expired");
        return { header: protectedHeader, payload };
      }
      throw new Error("no matching key");
    }
  }
  if (cmd.op === "signIn" || cmd.op === "session") return handle(format, cmd);
  // Loaded on demand: each package takes a while to load.
  let lib;
  if (format === "authjs") lib = await import("@auth/core/jwt");
  else if (format === "nextauth-v4") lib = (await import("next-auth/jwt")).default;
  else throw new Error(`unknown format ${format}`);
  if (cmd.op === "encrypt") {
    const token = await lib.encode({
      token: cmd.payload,
      secret: cmd.secret,
      salt: format === "authjs" ? cmd.cookieName : undefined,
      maxAge: cmd.maxAge,
    });
    return { token, header: decodeProtectedHeader(token) };
  }
  if (cmd.op === "decrypt") {
    const payload = await lib.decode({
      token: cmd.token,
      secret: cmd.secret,
      salt: format === "authjs" ? cmd.cookieName : undefined,
    });
    return { header: decodeProtectedHeader(cmd.token), payload };
  }
  if (cmd.op === "getToken") {
    // The cookies as the browser would send them (chunks included), read by
    // the package's own getToken.
    const header = Object.entries(cmd.cookies).map(([n, v]) => `${n}=${v}`).join("; ");
    const secureCookie = cmd.cookieName.startsWith("__Secure-");
    const payload = format === "authjs"
      ? await lib.getToken({ req: { headers: { cookie: header } }, secret: cmd.secret, cookieName: cmd.cookieName, secureCookie })
      : await lib.getToken({ req: { cookies: cmd.cookies, headers: {} }, secret: cmd.secret, cookieName: cmd.cookieName, secureCookie });
    if (payload === null) throw new Error("getToken found no valid session");
    return { payload };
  }
  throw new Error(`unknown op ${cmd.op}`);
}

// authOptions is the configuration of either package: JWT sessions of
// cmd.maxAge seconds, a Credentials provider signing in cmd.user.
function authOptions(cmd, Credentials) {
  return {
    secret: cmd.secret,
    trustHost: true,
    basePath: "/api/auth",
    session: { strategy: "jwt", maxAge: cmd.maxAge ?? 30 * 24 * 3600 },
    // next-auth 4's token lifetime is jwt.maxAge (30 days unless set);
    // Auth.js takes session.maxAge for both.
    jwt: { maxAge: cmd.maxAge ?? 30 * 24 * 3600 },
    providers: [Credentials({ credentials: { username: {} }, authorize: async () => cmd.user })],
    callbacks: {
      jwt: async ({ token, user }) => {
        if (user) {
          Object.assign(token, cmd.claims ?? {});
          if (cmd.dropSub) delete token.sub;
        }
        return token;
      },
    },
    logger: { error() {}, warn() {}, debug() {} },
  };
}

// handler returns a function answering a Web Request with the package's
// own handler: {status, body, setCookie: [Set-Cookie lines]}.
async function handler(format, cmd) {
  if (format === "authjs") {
    const { Auth } = await import("@auth/core");
    const Credentials = (await import("@auth/core/providers/credentials")).default;
    const config = authOptions(cmd, Credentials);
    return async (req) => {
      const res = await Auth(req, config);
      const text = await res.text();
      let body = null;
      try { body = JSON.parse(text); } catch {}
      return { status: res.status, body, setCookie: res.headers.getSetCookie() };
    };
  }
  if (format === "nextauth-v4") {
    // next-auth 4's framework-independent handler (what its Next.js route
    // handler calls); not in the package's exports map, hence the path.
    const require = createRequire(import.meta.url);
    const { AuthHandler } = require("./node_modules/next-auth/core/index.js");
    const Credentials = require("next-auth/providers/credentials").default;
    const { serialize } = require("cookie");
    process.env.NEXTAUTH_URL = cmd.base + "/api/auth";
    const options = authOptions(cmd, Credentials);
    return async (req) => {
      const res = await AuthHandler({ req, options });
      return {
        status: res.status ?? (res.redirect ? 302 : 200),
        body: res.body ?? null,
        setCookie: (res.cookies ?? []).map((c) => serialize(c.name, c.value, c.options)),
      };
    };
  }
  throw new Error(`unknown format ${format}`);
}

// handle runs signIn or session against the package's handler.
async function handle(format, cmd) {
  const call = await handler(format, cmd);
  const jar = { ...(cmd.cookies ?? {}) };
  const all = [];
  const send = async (path, init = {}) => {
    const cookie = Object.entries(jar).filter(([, v]) => v !== "").map(([n, v]) => `${n}=${v}`).join("; ");
    const res = await call(new Request(cmd.base + path, { ...init, headers: { ...(init.headers ?? {}), cookie } }));
    for (const line of res.setCookie) {
      const pair = line.split(";")[0];
      const i = pair.indexOf("=");
      jar[pair.slice(0, i)] = /max-age=0\b/i.test(line) ? "" : pair.slice(i + 1);
    }
    all.push(...res.setCookie);
    return res;
  };
  if (cmd.op === "session") {
    const res = await send("/api/auth/session");
    return { status: res.status, body: res.body, setCookie: res.setCookie };
  }
  const csrf = await send("/api/auth/csrf");
  const { csrfToken } = csrf.body;
  const res = await send("/api/auth/callback/credentials", {
    method: "POST",
    headers: { "content-type": format === "authjs" ? "application/x-www-form-urlencoded" : "application/json" },
    body: format === "authjs"
      ? new URLSearchParams({ csrfToken, username: "u", callbackUrl: cmd.base + "/dashboard" })
      : JSON.stringify({ csrfToken, username: "u", callbackUrl: cmd.base + "/dashboard", json: "true" }),
  });
  if (!Object.keys(jar).some((n) => n.includes("session-token") && jar[n] !== "")) {
    throw new Error(`sign-in set no session cookie (status ${res.status})`);
  }
  return { setCookie: all, cookies: Object.fromEntries(Object.entries(jar).filter(([, v]) => v !== "")) };
}

async function answer(line) {
  try {
    return JSON.stringify(await run(JSON.parse(line))) + "\n";
  } catch (err) {
    return JSON.stringify({ error: String(err?.message ?? err) }) + "\n";
  }
}

if (process.argv.includes("--serve")) {
  // One command per line, one answer per line, in order, until stdin
  // closes: the packages load once for a whole test.
  for await (const line of createInterface({ input: process.stdin, crlfDelay: Infinity })) {
    if (line.trim() !== "") process.stdout.write(await answer(line));
  }
} else {
  let input = "";
  for await (const chunk of process.stdin) input += chunk;
  const out = await answer(input);
  process.stdout.write(out);
  if (out.startsWith('{"error":')) process.exitCode = 1;
}
