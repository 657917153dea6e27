// Compiled (not run) by tests/js/types.test.mjs with `tsc --strict`: the package's types must
// describe its API, and misuse must not compile (each @ts-expect-error fails the build if the
// line after it compiles, so the types cannot silently become `any`).
import {
  createToken,
  checkToken,
  refreshToken,
  invalidateToken,
  parseInvalidateRequest,
  validateSettings,
  parseRoles,
  authorize,
  createHandler,
  EdgeTokenError,
  MemoryKV,
  type AuthenticateResponse,
  type GetTokenResponse,
  type InvalidateTokenResponse,
  type Roles,
} from "edge-token";

export async function roundTrip(): Promise<number> {
  const kv = new MemoryKV({ now: () => Date.now() });
  const token: GetTokenResponse = await createToken(kv, {
    grant_type: "password",
    username: "token_user",
    realm: "default_native",
    roles: ["superuser"],
  });
  const who: AuthenticateResponse = await checkToken(kv, token.access_token, { timeout: "20m" });
  const username: string = who.username;
  const counts: InvalidateTokenResponse = await invalidateToken(kv, { token: token.access_token });
  const secret = "a-token-secret-of-at-least-32-characters";
  const refreshed = await refreshToken(kv, token.refresh_token ?? "", { username, realm: "default_native" }, { secret });
  const mode: string = parseInvalidateRequest({ username }).mode;
  const timeout: number = validateSettings({ timeout: "5m" }).timeout_ms;
  const roles: Roles = parseRoles({ token_admin: { cluster: ["manage_token"], indices: [] } });
  authorize(roles, username, who.roles, "invalidateToken");
  const handle = createHandler({ TOKENS: kv, ELASTIC_PASSWORD: "changeme", TOKEN_SECRET: secret });
  // Settings as a TOML [vars] table types them: booleans and numbers too.
  createHandler({ TOKENS: kv, TOKEN_SECRET: secret, AUDIT_ENABLED: true, CONSOLE: false, BULK_SEGMENT_OPS: 2 });
  createHandler({ TOKENS: kv, TOKEN_SECRET: secret, HTTP_CORS_ENABLED: true, HTTP_CORS_ALLOW_CREDENTIALS: false, HTTP_CORS_MAX_AGE: 60 });
  const response: Response = await handle(new Request("http://localhost/"));
  try {
    await checkToken(kv, refreshed.access_token);
  } catch (error) {
    if (error instanceof EdgeTokenError) return error.status + counts.invalidated_tokens + mode.length + timeout;
  }
  return response.status;
}

export async function misuse(kv: MemoryKV): Promise<void> {
  // @ts-expect-error: the token is a string
  await checkToken(kv, 42);
  // @ts-expect-error: a binding is required
  await invalidateToken(undefined, { token: "t" });
  // @ts-expect-error: a refresh needs the secret its pair is derived with
  await refreshToken(kv, "t", { username: "u", realm: "r" });
  // @ts-expect-error: the service needs TOKEN_SECRET
  createHandler({ TOKENS: kv });
  // @ts-expect-error: a boolean setting takes "true" or "false", not any text
  createHandler({ TOKENS: kv, TOKEN_SECRET: "s", CONSOLE: "yes" });
  const who = await checkToken(kv, "t");
  // @ts-expect-error: the username is a string
  const wrong: number = who.username;
  void wrong;
  // @ts-expect-error: a role table comes from parseRoles
  authorize({}, "u", [], "main");
  // @ts-expect-error: endpoints are named, not ES actions
  authorize(parseRoles(""), "u", [], "cluster:monitor/main");
}
