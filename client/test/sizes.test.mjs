// The browser client and the React package stay within 500 lines per file
// and 80 lines per function (sizes.mjs), and the scanner behind that check
// finds functions where a naive one would not.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { checkLimits, functionSpans, MAX_FUNC_LINES } from "./sizes.mjs";

const root = (p) => fileURLToPath(new URL("../" + p, import.meta.url));

// Library files: the client the Go package serves and the React package's
// sources. Declarations have no function bodies: only their length counts.
const LIBRARY = [
  ["client.js", true],
  ["client.d.ts", false],
  ["react/src/index.js", true],
  ["react/src/index.d.ts", false],
  ["react/scripts/build.mjs", true],
];

test("library files: at most 500 lines each, functions at most 80", (t) => {
  const files = LIBRARY.map(([name, functions]) => ({ name, functions, src: readFileSync(root(name), "utf8") }));
  for (const { name, src, functions } of files) {
    const spans = functions ? functionSpans(src) : [];
    const longest = spans.reduce((m, s) => Math.max(m, s.end - s.line + 1), 0);
    t.diagnostic(`${name}: ${src.split("\n").length - 1} lines, ${spans.length} functions, the longest ${longest} lines`);
  }
  assert.deepEqual(checkLimits(files), []);
});

describe("the scanner", () => {
  const spans = (src) => functionSpans(src).map(({ line, end }) => [line, end]);

  test("declarations, expressions, methods, getters, arrows", () => {
    const src = [
      "function a(x) {", // 1
      "  return x;",
      "}",
      "const b = function () { return 1; };", // 4
      "const o = {",
      "  m(y) {", // 6
      "    return y;",
      "  },",
      "  get g() { return 2; },", // 9
      "  [Symbol.iterator]() { return null; },", // 10
      "};",
      "const c = (p,", // 12
      "  q) => {",
      "  return p + q;",
      "};",
      "const d = (v) => v * 2;", // 16
      "const e = async (v) =>", // 17
      "  (v ? { k: 1 } : null);",
      "class K {",
      "  constructor() {", // 20
      "    this.x = 1;",
      "  }",
      "}",
    ].join("\n");
    assert.deepEqual(spans(src), [[1, 3], [4, 4], [6, 8], [9, 9], [10, 10], [12, 15], [16, 16], [17, 18], [20, 22]]);
  });

  test("blocks are not functions", () => {
    const src = "if (a) {\n}\nfor (const x of y) {\n}\nwhile (b) {\n}\nswitch (c) {\n}\ntry {\n} catch (e) {\n}\nfor await (const z of w) {\n}\n{\n}\nconst o = { a: { b: 1 } };\n";
    assert.deepEqual(spans(src), []);
  });

  test("braces and slashes in strings, comments, templates and regular expressions", () => {
    const src = [
      'const s = "}{" + \'{\' + `${"}"}{`;',
      "// function x() {",
      "/* } { */",
      "const r = /[/{]}\\//g.test(s) ? 1 / 2 : 3;",
      "const t = `a ${(() => {",
      "  return `${1}}`;",
      "})()} b`;",
      "function f() {",
      "  return s.replace(/(.)\\/+$/, \"$1\") / 2;",
      "}",
    ].join("\n");
    assert.deepEqual(spans(src), [[5, 7], [8, 10]]);
  });

  test("a function past the limit is reported with its line", () => {
    const body = Array.from({ length: MAX_FUNC_LINES - 1 }, (_, i) => `  x += ${i};`).join("\n");
    const fits = `let x = 0;\nfunction fits() {\n${body.split("\n").slice(1).join("\n")}\n}\n`;
    const long = `let x = 0;\nfunction tooLong() {\n${body}\n}\n`;
    assert.deepEqual(checkLimits([{ name: "fits.js", src: fits }]), []);
    assert.deepEqual(checkLimits([{ name: "long.js", src: long }]), [`long.js:2: a function of ${MAX_FUNC_LINES + 1} lines, want at most ${MAX_FUNC_LINES}`]);
    const nested = `function outer() {\n  const inner = () => {\n${body}\n  };\n}\n`;
    assert.equal(checkLimits([{ name: "n.js", src: nested }]).length, 2, "the inner arrow and the function around it");
  });

  test("a file past 500 lines is reported", () => {
    const src = "x;\n".repeat(501);
    assert.deepEqual(checkLimits([{ name: "big.js", src }]), ["big.js: 501 lines, want at most 500: split it by concept"]);
    assert.deepEqual(checkLimits([{ name: "ok.js", src: "x;\n".repeat(500) }]), []);
  });
});
