// Runs tests/consistency/fixtures/worker.js on workerd through Miniflare 4, bundled with esbuild
// as wrangler would bundle it, with a KV namespace TOKENS and the TokenStore Durable Object as
// TOKEN_DO. The .wasm reaches workerd as a CompiledWasm module, as wrangler ships it.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { Miniflare } from "miniflare";

// esbuild is wrangler's bundler, not a dependency of this package: take the one wrangler uses.
const { build } = createRequire(createRequire(import.meta.url).resolve("wrangler/package.json"))("esbuild");

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const WASM = `${ROOT}dist/wasm/edge_token_bg.wasm`;

async function bundle() {
  const out = await build({
    entryPoints: [`${ROOT}tests/consistency/fixtures/worker.js`],
    bundle: true,
    write: false,
    format: "esm",
    platform: "browser",
    conditions: ["workerd", "worker", "browser"],
    external: ["cloudflare:*"],
    logLevel: "silent",
    plugins: [
      {
        name: "wasm-module",
        setup(b) {
          b.onResolve({ filter: /\.wasm$/ }, () => ({ path: "./edge_token_bg.wasm", external: true }));
        },
      },
    ],
  });
  return out.outputFiles[0].text;
}

// The fixture sends Maps as {"$map": [[key, value], ...]}.
const decodeMaps = (_key, value) => (value?.$map ? new Map(value.$map) : value);

/** Starts the fixture; `call(name, args, store)` runs one engine call through the Worker. */
export async function startWorkerd() {
  const mf = new Miniflare({
    modulesRoot: "/virtual",
    modules: [
      { type: "ESModule", path: "/virtual/worker.js", contents: await bundle() },
      { type: "CompiledWasm", path: "/virtual/edge_token_bg.wasm", contents: readFileSync(WASM) },
    ],
    compatibilityDate: "2025-04-01",
    kvNamespaces: ["TOKENS"],
    durableObjects: {
      TOKEN_DO: { className: "TokenStore", useSQLite: true },
      PROBE: { className: "AdapterProbe", useSQLite: true },
    },
  });
  const base = await mf.ready;
  async function call(name, args, store = "durable_object") {
    const response = await mf.dispatchFetch(new URL(`/engine?store=${store}`, base), {
      method: "POST",
      body: JSON.stringify({ name, args }),
    });
    const out = await response.json();
    if (out.thrown) throw new Error(`the Worker threw: ${out.thrown}`);
    return out;
  }
  async function dump(store = "durable_object") {
    return (await mf.dispatchFetch(new URL(`/dump?store=${store}`, base))).json();
  }
  /** Calls AdapterProbe's `method`; a thrown error comes back as {thrown: "Name: message"}. */
  async function probe(method, ...args) {
    const response = await mf.dispatchFetch(new URL("/probe", base), { method: "POST", body: JSON.stringify({ method, args }) });
    return JSON.parse(await response.text(), decodeMaps);
  }
  /** One operation on resolveStore(env)'s binding: {ok: result} or {thrown: "Name: message"}. */
  async function kv(operation, args, store = "durable_object") {
    const response = await mf.dispatchFetch(new URL(`/kv?store=${store}`, base), {
      method: "POST",
      body: JSON.stringify({ operation, args }),
    });
    return JSON.parse(await response.text(), decodeMaps);
  }
  return { mf, call, dump, probe, kv, stop: () => mf.dispose() };
}
