// Which endpoint serves a path and method. The table is the service's whole REST surface; the
// method order of each route is the order ES's 405 message and Allow header list them in.

const ROUTES = [
  { pattern: [], methods: { GET: "info", HEAD: "info" } },
  { pattern: ["_security", "_authenticate"], methods: { GET: "authenticate" } },
  { pattern: ["_security", "oauth2", "token"], methods: { POST: "getToken", DELETE: "invalidateToken" } },
  { pattern: ["_security", "user"], methods: { GET: "getUsers" } },
  {
    pattern: ["_security", "user", "{username}"],
    methods: { PUT: "putUser", POST: "putUser", GET: "getUsers", DELETE: "deleteUser" },
  },
];

// The endpoints that read a request body. ES answers a body sent to any other endpoint with a
// 400 (BaseRestHandler: "does not support having a body") rather than ignoring it.
const READS_BODY = new Set(["getToken", "invalidateToken", "putUser"]);

/** Percent-decoding as ES does for path parameters; a bad escape keeps the raw text. */
function decodeParam(raw) {
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

function matchPattern(pattern, segments) {
  if (pattern.length !== segments.length) return null;
  const params = {};
  for (let i = 0; i < pattern.length; i++) {
    const part = pattern[i];
    if (part.startsWith("{")) params[part.slice(1, -1)] = decodeParam(segments[i]);
    else if (part !== segments[i]) return null;
  }
  return params;
}

/**
 * `{kind: "ok", endpoint, params, readsBody}`, `{kind: "method", allowed}` when the path exists under other
 * methods, or `{kind: "none"}`. Empty segments are ignored, so a trailing slash still matches.
 */
export function route(pathname, method) {
  const segments = pathname.split("/").filter((s) => s !== "");
  for (const { pattern, methods } of ROUTES) {
    const params = matchPattern(pattern, segments);
    if (params === null) continue;
    const endpoint = methods[method];
    if (endpoint !== undefined) return { kind: "ok", endpoint, params, readsBody: READS_BODY.has(endpoint) };
    return { kind: "method", allowed: Object.keys(methods) };
  }
  return { kind: "none" };
}
