// Reading a .wasm file's binary format: unsigned LEB128 numbers, names, import entries and the
// section list. Shared by the build (drop-target-features.mjs), the size bench
// (bench/wasm-size.mjs) and the exports test (tests/js/wasm-exports.test.mjs).

const decoder = new TextDecoder();

/** A cursor over `bytes` from `at`: `c.at` is where it stands, each read moves it. */
export function cursor(bytes, at = 8) {
  const c = {
    at,
    byte: () => bytes[c.at++],
    leb() {
      let value = 0;
      let shift = 0;
      let byte;
      do {
        byte = bytes[c.at++];
        value += (byte & 0x7f) * 2 ** shift;
        shift += 7;
      } while (byte & 0x80);
      return value;
    },
    name() {
      const length = c.leb();
      c.at += length;
      return decoder.decode(bytes.subarray(c.at - length, c.at));
    },
  };
  return c;
}

/** The module's sections in order: `start` at the id byte, `body` after the length, `end`. */
export function* sections(bytes) {
  const c = cursor(bytes, 8); // after the magic and the version
  while (c.at < bytes.length) {
    const start = c.at;
    const id = c.byte();
    const length = c.leb();
    yield { id, start, body: c.at, end: c.at + length };
    c.at += length;
  }
}

/** One entry of the import section at the cursor: its kind, and a function's type index. */
export function readImport(c) {
  c.name(); // module
  c.name(); // field
  const kind = c.byte();
  if (kind === 0) return { kind, type: c.leb() };
  if (kind === 1) c.at++; // a table's element type, then its limits
  if (kind === 1 || kind === 2) {
    const flags = c.leb(); // limits: flags, minimum, and a maximum when flag 1 is set
    c.leb();
    if (flags & 1) c.leb();
  } else if (kind === 3) {
    c.at += 2; // a global's value type and mutability
  } else if (kind === 4) {
    c.at++; // a tag's attribute, then its type
    c.leb();
  }
  return { kind };
}
