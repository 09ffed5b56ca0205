// Assembles dist/: the package's own module and declarations (src/) and a
// copy of the browser client it is built on (client/client.js and
// client.d.ts, the files the Go package embeds and serves). The client has
// one source, client/; dist/ is generated and not committed. No
// dependencies: runs before `npm ci` too.
import { copyFileSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const pkg = path.join(path.dirname(fileURLToPath(import.meta.url)), "..");
const dist = path.join(pkg, "dist");
const files = [
  [path.join(pkg, "src", "index.js"), "index.js"],
  [path.join(pkg, "src", "index.d.ts"), "index.d.ts"],
  [path.join(pkg, "..", "client.js"), "client.js"],
  [path.join(pkg, "..", "client.d.ts"), "client.d.ts"],
];

rmSync(dist, { recursive: true, force: true });
mkdirSync(dist, { recursive: true });
for (const [from, to] of files) {
  copyFileSync(from, path.join(dist, to));
  if (!readFileSync(path.join(dist, to)).equals(readFileSync(from))) throw new Error(`build: ${to} differs from ${from}`);
}
console.log(`@authsession/react: dist/ built (${files.map(([, to]) => to).join(", ")})`);
