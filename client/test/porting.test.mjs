// docs/porting.md backs each behaviour it describes with a test, named in
// the last column of its tables ("shown by"): a file, then test names
// (Go) or test titles in quotes. Every one of them must exist, so a
// renamed or removed test shows up here instead of leaving the guide
// unbacked; and every relative link must resolve.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = (p) => fileURLToPath(new URL("../../" + p, import.meta.url));
const guide = readFileSync(root("docs/porting.md"), "utf8");

/** The "shown by" cells: the last cell of each table row under a header that has that column. */
function shownBy() {
  const cells = [];
  let inTable = false;
  for (const line of guide.split("\n")) {
    if (!line.startsWith("|")) inTable = false;
    else if (/\| shown by \|$/.test(line)) inTable = true;
    else if (inTable && !/^\|---/.test(line)) cells.push(line.split("|").at(-2).trim());
  }
  return cells;
}

test("every test the porting guide names exists", () => {
  const cells = shownBy();
  assert.ok(cells.length >= 40, `only ${cells.length} rows found`);
  const missing = [];
  let checked = 0;
  for (const cell of cells) {
    let file = null;
    let src = "";
    // Tokens: `path/file`, `TestName`, "a test title".
    for (const [, code, title] of cell.matchAll(/`([^`]+)`|"([^"]+)"/g)) {
      if (code && /\.(go|mjs|jsx|tsx|js)$/.test(code)) {
        file = code;
        src = existsSync(root(file)) ? readFileSync(root(file), "utf8") : null;
        if (src === null) missing.push(file);
        checked++;
      } else if (code && /^(Test|Example|Fuzz)\w*$/.test(code)) {
        if (!file || !new RegExp(`^func ${code}\\(`, "m").test(src || "")) missing.push(`${file} ${code}`);
        checked++;
      } else if (title) {
        if (!file || !(src || "").includes(title)) missing.push(`${file}: "${title}"`);
        checked++;
      }
    }
  }
  assert.ok(checked >= 60, `only ${checked} references checked`);
  assert.deepEqual(missing, []);
});

test("every relative link of the porting guide resolves", () => {
  const links = [...guide.matchAll(/\]\((\.\.\/[^)#\s]+)/g)].map((m) => m[1]);
  assert.ok(links.length > 0);
  assert.deepEqual(links.filter((l) => !existsSync(root("docs/" + l))), []);
});
