// A fake raw module (the wasm-bindgen glue's exports) for the wrapper's tests (api.test.mjs,
// api-traps.test.mjs), so they run without the wasm.

// The async calls share one machinery; refreshToken stands for all of them here (checkToken
// runs as synchronous steps instead, see www/engine/check.js).
export const CLIENT = { username: "u", realm: "r" };

export const envelope = (status, body, headers = {}) => JSON.stringify({ status, headers, body });

export const INTERNAL_BODY = {
  error: {
    root_cause: [{ type: "exception", reason: "internal error" }],
    type: "exception",
    reason: "internal error",
  },
  status: 500,
};

/** A raw module whose exports record their arguments and answer with `answer(name, args)`. */
export function fakeRaw(answer) {
  const calls = [];
  const raw = {};
  for (const name of ["createToken", "checkToken", "refreshToken", "invalidateToken", "parseTokenRequest"]) {
    raw[name] = (...args) => {
      calls.push({ name, args });
      const result = answer(name, args);
      return name === "parseTokenRequest" ? result : Promise.resolve(result);
    };
  }
  // Every body goes to the async export here, as a realm or user does (one token's steps are
  // tested on the real wasm, tests/js/invalidate-steps.test.mjs).
  raw.invalidateOneKeys = () => "";
  return { raw, calls };
}

/** A deferred promise, to hold a raw call in flight. */
export function deferred() {
  let resolve, reject;
  const promise = new Promise((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

export function trap() {
  return new WebAssembly.RuntimeError("unreachable");
}
