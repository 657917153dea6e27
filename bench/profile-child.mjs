// The checkToken loop that profile.mjs runs under `node --cpu-prof`, on a copy of the wasm
// that keeps its function names (argv[2]: the folder of that copy; argv[3]: milliseconds).
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

const [dir, ms = "3000"] = process.argv.slice(2);
const glue = await import(pathToFileURL(`${dir}/edge_token.js`).href);
const { bindGlue } = await import(new URL("../www/engine/bind.js", import.meta.url));
const { MemoryKV } = await import(new URL("../www/memory-kv.js", import.meta.url));
glue.initSync({ module: new WebAssembly.Module(readFileSync(`${dir}/edge_token_bg.wasm`)) });
const api = bindGlue(glue);

const kv = new MemoryKV();
const token = await api.createToken(kv, {
  grant_type: "password",
  username: "token_user",
  realm: "default_native",
  roles: ["superuser"],
});
const end = performance.now() + Number(ms);
while (performance.now() < end) {
  for (let i = 0; i < 64; i++) await api.checkToken(kv, token.access_token);
}
