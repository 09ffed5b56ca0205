// Node.js side of authsession's interoperability tests (interop_node_test.go).
//
// Reads one JSON command on stdin, writes one JSON result on stdout:
//
//   {"op":"encrypt","format":"default","secret":"…","cookieName":"session","payload":{…}}
//     -> {"token":"…","kid":"…"}
//   {"op":"decrypt","format":"default","secret":"…","cookieName":"session","token":"…","now":1767139200}
//     -> {"header":{…},"payload":{…}}
//   {"op":"encrypt","format":"authjs"|"nextauth-v4","secret":"…"|["…"],"cookieName":"…","payload":{…},"maxAge":604800}
//   {"op":"decrypt","format":"authjs"|"nextauth-v4","secret":"…"|["…"],"cookieName":"…","token":"…"}
//   {"op":"getToken","format":"authjs"|"nextauth-v4","secret":"…","cookieName":"…","cookies":{"name.0":"…",…}}
//
// The default format follows only the README's "Token format" section, with
// Node's crypto.hkdfSync and the jose package. The other formats call the
// real packages' own encode/decode (@auth/core/jwt, next-auth/jwt).
// Errors go to stdout as {"error":"…"} with exit code 1.
import { hkdfSync } from "node:crypto";
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

let input = "";
for await (const chunk of process.stdin) input += chunk;
try {
  process.stdout.write(JSON.stringify(await run(JSON.parse(input))) + "\n");
} catch (err) {
  process.stdout.write(JSON.stringify({ error: String(err?.message ?? err) }) + "\n");
  process.exitCode = 1;
}
