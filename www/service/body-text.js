// A request body's bytes as text. Bytes that are not UTF-8 are refused with a 400, as ES's JSON
// parser (Jackson) refuses them, rather than replaced by U+FFFD: a silently replaced byte would
// turn a broken password, username or token into a different, valid-looking one.
import { badRequest } from "./http.js";

// fatal: throw on the first bad sequence. A leading BOM is dropped, as Jackson drops it.
const strict = new TextDecoder("utf-8", { fatal: true });
const lenient = new TextDecoder("utf-8");

/** Length of the sequence a lead byte starts, and the smallest and largest second byte it allows. */
function sequenceOf(lead) {
  if (lead >= 0xc2 && lead <= 0xdf) return { length: 2, low: 0x80, high: 0xbf };
  if (lead === 0xe0) return { length: 3, low: 0xa0, high: 0xbf }; // no overlong forms
  if (lead === 0xed) return { length: 3, low: 0x80, high: 0x9f }; // no UTF-16 surrogates
  if (lead >= 0xe1 && lead <= 0xef) return { length: 3, low: 0x80, high: 0xbf };
  if (lead === 0xf0) return { length: 4, low: 0x90, high: 0xbf };
  if (lead === 0xf4) return { length: 4, low: 0x80, high: 0x8f }; // nothing above U+10FFFF
  if (lead >= 0xf1 && lead <= 0xf3) return { length: 4, low: 0x80, high: 0xbf };
  return null;
}

/** `{offset, message}` for the first byte that breaks UTF-8, in Jackson's words. */
function firstProblem(bytes) {
  for (let i = 0; i < bytes.length; ) {
    const lead = bytes[i];
    if (lead < 0x80) {
      i++;
      continue;
    }
    const seq = sequenceOf(lead);
    if (seq === null) return { offset: i, message: `Invalid UTF-8 start byte 0x${hex(lead)}` };
    for (let k = 1; k < seq.length; k++) {
      const next = bytes[i + k];
      if (next === undefined) return { offset: i + k, message: "Unexpected end-of-input in the middle of a UTF-8 character" };
      const [low, high] = k === 1 ? [seq.low, seq.high] : [0x80, 0xbf];
      if (next < low || next > high) return { offset: i + k, message: `Invalid UTF-8 middle byte 0x${hex(next)}` };
    }
    i += seq.length;
  }
  return null;
}

const hex = (byte) => byte.toString(16).padStart(2, "0");

/** `[line:column]` of a byte offset, counted in characters as ES's parse errors count them. */
function location(bytes, offset) {
  let lineStart = 0;
  let line = 1;
  for (let i = 0; i < offset; i++) {
    if (bytes[i] === 0x0a) {
      line++;
      lineStart = i + 1;
    }
  }
  const column = lenient.decode(bytes.subarray(lineStart, offset)).length + 1;
  return `[${line}:${column}]`;
}

/** `{text}`, or `{reply}` with the 400 for bytes that are not UTF-8. */
export function decodeBody(bytes) {
  try {
    return { text: strict.decode(bytes) };
  } catch {
    const problem = firstProblem(bytes) ?? { offset: 0, message: "Invalid UTF-8" };
    return { reply: badRequest("x_content_parse_exception", `${location(bytes, problem.offset)} ${problem.message}`) };
  }
}
