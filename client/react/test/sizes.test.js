// The scanner that holds the client and this package to 80 lines per
// function (client/test/sizes.mjs, run by the client's tests without any
// npm package) finds the same functions as TypeScript's parser does.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { expect, test } from "vitest";
import { functionSpans } from "../../test/sizes.mjs";

const FILES = ["../client.js", "src/index.js", "scripts/build.mjs", "../test/sizes.mjs", "../test/fakes.mjs", "../test/intervals.test.mjs"];

/** Every function with a body, as "start-end" lines, by TypeScript. */
function parsed(name, src) {
  const sf = ts.createSourceFile(name, src, ts.ScriptTarget.Latest, true, ts.ScriptKind.JS);
  const spans = [];
  const line = (pos) => sf.getLineAndCharacterOfPosition(pos).line + 1;
  const visit = (n) => {
    if (ts.isFunctionLike(n) && n.body) spans.push(`${line(n.getStart(sf))}-${line(n.end)}`);
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return spans.sort();
}

for (const name of FILES) {
  test(`${name}: the scanner's functions are TypeScript's`, () => {
    const src = readFileSync(fileURLToPath(new URL("../" + name, import.meta.url)), "utf8");
    const ours = functionSpans(src).map((s) => `${s.line}-${s.end}`).sort();
    const theirs = parsed(name, src);
    expect(theirs.length).toBeGreaterThan(0);
    expect(ours).toEqual(theirs);
  });
}
