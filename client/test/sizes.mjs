// Source size limits for the browser client and the React package, as
// layout_test.go has them for the Go library: at most 500 lines per file
// and 80 per function. functionSpans() finds every function of a
// JavaScript file (declarations, expressions, methods, getters, arrows
// with block or expression bodies) with a small scanner that knows
// comments, strings, template literals and regular expressions; the React
// package's tests check that it agrees with TypeScript's parser.

export const MAX_FILE_LINES = 500;
export const MAX_FUNC_LINES = 80;

// A "(" after these opens a condition, not a parameter list.
const CONTROL = new Set(["if", "for", "while", "switch", "catch", "with"]);
// A "/" after these (or after punctuation) starts a regular expression.
const BEFORE_EXPR = new Set(["return", "typeof", "instanceof", "in", "of", "new", "delete", "void", "throw", "case", "do", "else", "yield", "await"]);

/**
 * The functions of a JavaScript source as { line, end } (1-based, from the
 * line where the function starts to the line of its last character).
 */
export function functionSpans(src) {
  const spans = [];
  const stack = []; // open brackets: { ch, fn, line, prev, template }
  const arrows = []; // expression-bodied arrows: { line, depth }
  let prev = null; // the last significant token: { t, line, opener }
  let line = 1;
  const endArrows = (depth, at) => {
    while (arrows.length && arrows.at(-1).depth >= depth) spans.push({ line: arrows.pop().line, end: at });
  };
  const token = (t, opener) => (prev = { t, line, opener });
  let i = 0;
  const skipString = (q) => {
    for (i++; i < src.length && src[i] !== q; i++) if (src[i] === "\\") i++;
  };
  const skipRegex = () => {
    let cls = false;
    for (i++; i < src.length && (cls || src[i] !== "/"); i++) {
      if (src[i] === "\\") i++;
      else if (src[i] === "[") cls = true;
      else if (src[i] === "]") cls = false;
    }
    while (/[a-z]/.test(src[i + 1] || "")) i++;
  };
  // Scans a template literal's text from i up to its end or a "${".
  const template = () => {
    for (; i < src.length; i++) {
      if (src[i] === "\\") i++;
      else if (src[i] === "\n") line++;
      else if (src[i] === "`") return token("`");
      else if (src[i] === "$" && src[i + 1] === "{") return i++, stack.push({ ch: "{", template: true }), token("${");
    }
  };
  for (; i < src.length; i++) {
    const ch = src[i];
    if (ch === "\n") line++;
    else if (/\s/.test(ch)) continue;
    else if (ch === "/" && src[i + 1] === "/") while (i + 1 < src.length && src[i + 1] !== "\n") i++;
    else if (ch === "/" && src[i + 1] === "*") {
      const end = src.indexOf("*/", i + 2);
      const stop = end < 0 ? src.length : end + 2;
      line += (src.slice(i, stop).match(/\n/g) || []).length;
      i = stop - 1;
    } else if (ch === "'" || ch === '"') skipString(ch), token("str");
    else if (ch === "`") i++, template();
    else if (ch === "/" && (!prev || /^[^\w)\]"'`]/.test(prev.t) || BEFORE_EXPR.has(prev.t))) skipRegex(), token("regex");
    else if (/[\w$]/.test(ch)) {
      let j = i;
      while (j + 1 < src.length && /[\w$]/.test(src[j + 1])) j++;
      token(src.slice(i, j + 1));
      i = j;
    } else if (ch === "=" && src[i + 1] === ">") {
      i++;
      const opener = prev && prev.t === ")" ? prev.opener : prev;
      token("=>", opener);
      let j = i + 1;
      while (/\s/.test(src[j] || "")) j++;
      if (src[j] !== "{") arrows.push({ line: opener ? opener.line : line, depth: stack.length });
    } else if (ch === "(" || ch === "[") stack.push({ ch, line, prev }), token(ch);
    else if (ch === "{") {
      const fn = fnStart(prev);
      stack.push({ ch, fn, line: fn ? fn.line : line });
      token("{");
    } else if (ch === ")" || ch === "]" || ch === "}") {
      endArrows(stack.length, line);
      const open = stack.pop();
      if (open && open.template) {
        i++;
        template();
        continue;
      }
      if (open && open.fn) spans.push({ line: open.line, end: line });
      token(ch, open && open.prev ? { t: open.prev.t, line: open.line, before: open.prev } : open);
    } else if (ch === "," || ch === ";") {
      endArrows(stack.length, line);
      token(ch);
    } else token(ch);
  }
  endArrows(0, line);
  return spans.sort((a, b) => a.line - b.line);
}

/** Where a "{" after this token starts a function body: the start of that function, else null. */
function fnStart(prev) {
  if (!prev) return null;
  if (prev.t === "=>") return prev.opener ? { line: prev.opener.line } : { line: prev.line };
  if (prev.t !== ")" || !prev.opener) return null;
  // prev.opener: the token before the "(" (a name, "function", "if", …).
  const before = prev.opener.before;
  if (!before || CONTROL.has(before.t)) return null;
  if (before.t === "await" || before.t === "=>") return null; // for await (…) {; x => (…) { is no function
  if (/^[\w$\]]+$/.test(before.t) || before.t === "*") return { line: before.line };
  return null;
}

/** Every breach of the limits in these { name, src } files, as messages. */
export function checkLimits(files, { fileLines = MAX_FILE_LINES, funcLines = MAX_FUNC_LINES } = {}) {
  const problems = [];
  for (const { name, src, functions = true } of files) {
    const lines = src.split("\n").length - (src.endsWith("\n") ? 1 : 0);
    if (lines > fileLines) problems.push(`${name}: ${lines} lines, want at most ${fileLines}: split it by concept`);
    if (!functions) continue;
    for (const { line, end } of functionSpans(src)) {
      const n = end - line + 1;
      if (n > funcLines) problems.push(`${name}:${line}: a function of ${n} lines, want at most ${funcLines}`);
    }
  }
  return problems;
}
