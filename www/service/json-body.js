// JSON bodies that the service parses itself (put user), read as ES's parser reads them rather
// than as JSON.parse does: a duplicate key is an error (ES turns on Jackson's strict duplicate
// detection; JSON.parse silently keeps the last value), and so is nesting deeper than a limit.
//
// The limit is lower than Jackson's 1000 on purpose: a user's metadata travels into every token
// document made for that user, and the engine reads those back with serde_json, whose recursion
// limit is 128 levels. Metadata deeper than that would make tokens that can never be checked.

/** Nesting levels a body may have, the outer object included. */
export const MAX_DEPTH = 100;

/** `[line:column]` of a character offset, 1-based, as ES prints parse locations. */
function location(text, offset) {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf("\n"); i !== -1 && i < offset; i = text.indexOf("\n", i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return `[${line}:${offset - lineStart + 1}]`;
}

/** Offset of the quote that closes the string opening at `start`. */
function endOfString(text, start) {
  for (let i = start + 1; i < text.length; i++) {
    if (text[i] === "\\") i++;
    else if (text[i] === '"') return i;
  }
  return text.length;
}

/**
 * The first duplicate key or over-deep container in `text`, which JSON.parse already accepted
 * (so only strings, brackets and commas need telling apart), as an ES parse reason; or null.
 */
function structureProblem(text, maxDepth) {
  const open = []; // per open container: the keys seen (objects) or null (arrays)
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      const end = endOfString(text, i);
      if (expectKey) {
        const key = JSON.parse(text.slice(i, end + 1));
        const keys = open[open.length - 1];
        if (keys.has(key)) return `${location(text, end)} Duplicate field '${key}'`;
        keys.add(key);
        expectKey = false;
      }
      i = end;
    } else if (c === "{" || c === "[") {
      if (open.length >= maxDepth) {
        return `${location(text, i)} Document nesting depth (${open.length + 1}) exceeds the maximum allowed (${maxDepth})`;
      }
      open.push(c === "{" ? new Set() : null);
      expectKey = c === "{";
    } else if (c === "}" || c === "]") {
      open.pop();
    } else if (c === ",") {
      expectKey = open[open.length - 1] instanceof Set;
    }
  }
  return null;
}

/**
 * `{value}`; `{syntaxError: true}` for text that is not JSON; or `{problem: reason}` for a
 * duplicate key or too deep a nesting, with the location in ES's `[line:col] message` form.
 */
export function parseJsonBody(text, { maxDepth = MAX_DEPTH } = {}) {
  let value;
  try {
    // V8's JSON.parse is not recursive: any depth parses without exhausting the stack.
    value = JSON.parse(text);
  } catch {
    return { syntaxError: true };
  }
  const problem = structureProblem(text, maxDepth);
  return problem === null ? { value } : { problem };
}
