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
  createHandler,
  parsePutUser,
  putUserRecord,
  loginUser,
  EdgeTokenError,
  MemoryKV,
  type AuthenticateResponse,
  type GetTokenResponse,
  type InvalidateTokenResponse,
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
  const refreshed = await refreshToken(kv, token.refresh_token ?? "", { username, realm: "default_native" });
  const mode: string = parseInvalidateRequest({ username }).mode;
  const timeout: number = validateSettings({ timeout: "5m" }).timeout_ms;
  const handle = createHandler({ TOKENS: kv, ELASTIC_PASSWORD: "changeme" });
  const response: Response = await handle(new Request("http://localhost/"));
  try {
    await checkToken(kv, refreshed.access_token);
  } catch (error) {
    if (error instanceof EdgeTokenError) return error.status + counts.invalidated_tokens + mode.length + timeout;
  }
  return response.status;
}

export function nativeRealm(): boolean {
  const request = parsePutUser("joe", '{"password":"s3krit-password","roles":[]}');
  const roles: string[] = request.roles;
  const { record, created } = putUserRecord(request, "{PBKDF2}10000$c2FsdA==$a2V5", null);
  const principal = loginUser("joe", record, false).principal;
  return created && roles.length === 0 && principal?.authentication_type === "realm";
}

export async function misuse(kv: MemoryKV): Promise<void> {
  // @ts-expect-error: the body is text
  parsePutUser("joe", { roles: [] });
  // @ts-expect-error: the token is a string
  await checkToken(kv, 42);
  // @ts-expect-error: a binding is required
  await invalidateToken(undefined, { token: "t" });
  const who = await checkToken(kv, "t");
  // @ts-expect-error: the username is a string
  const wrong: number = who.username;
  void wrong;
}
