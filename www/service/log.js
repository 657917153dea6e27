// What the service logs about an error it did not expect: the error's class and the place in the
// code that threw it, never its message. A message can quote request data (V8's JSON.parse
// errors quote the text they failed on, which may be a password or a token), and a log line
// outlives the request.

/** `file.js:line` of the innermost stack frame, or "unknown". Frames carry no request data. */
function origin(error) {
  const frames = typeof error?.stack === "string" ? error.stack.split("\n").slice(1).join("\n") : "";
  const match = /([^/\\(\s]+\.m?js):(\d+):\d+\)?[^\S\n]*$/m.exec(frames);
  return match ? `${match[1]}:${match[2]}` : "unknown";
}

/**
 * One log line for an unexpected error, e.g. `edge-token: unexpected TypeError at handler.js:42`,
 * with the request's `trace.id` when its traceparent gave one (the core checked it is hex).
 */
export function unexpectedErrorLine(error, traceId) {
  const name = typeof error?.name === "string" && /^[A-Za-z]{1,64}$/.test(error.name) ? error.name : "error";
  return `edge-token: unexpected ${name} at ${origin(error)}${traceId ? ` trace.id=${traceId}` : ""}`;
}
