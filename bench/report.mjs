// Renders bench results as BENCHMARKS.md and as the console summary. Everything numeric comes
// from `results`; the prose around it says how each number was made and what it means.
import {
  bundlesSection,
  peerTargetRows,
  realmInvalidationSection,
  sideBySideSection,
  sideBySideTable,
  workerdCpuSection,
} from "./report-peer.mjs";

const int = (n) => Math.round(n).toLocaleString("en-US");
const ms = (n, digits = 1) => `${n.toFixed(digits)} ms`;
const kB = (bytes) => `${(bytes / 1000).toFixed(1)} kB`;
const pct = (n) => `${n.toFixed(1)} %`;
const table = (head, rows) =>
  [`| ${head.join(" | ")} |`, `|${head.map(() => "---").join("|")}|`, ...rows.map((r) => `| ${r.join(" | ")} |`)].join("\n");

const SIZE_TARGET = { raw: 150_000, gzip: 60_000 };
const RATIO_TARGET = 0.5;
const BULK_TARGET = 30;
const CHECK_TARGET = 2;
const BULK_LABELS = ["invalidate realm_name", "invalidate username", "invalidate realm_name+username"];
const SCOPE_NAMES = {
  "invalidate realm_name": "a realm",
  "invalidate username": "a user",
  "invalidate realm_name+username": "a user in a realm",
};
const CALL_LABELS = ["check", "create", "refresh", "invalidate token", "invalidate refresh_token", ...BULK_LABELS];

function failed(section) {
  return section === undefined ? "not run" : section?.error ? `failed: ${section.error}` : null;
}

function targetRows(r) {
  const rows = [];
  const status = (ok, miss) => (ok ? "**met**" : `**missed**: ${miss}`);
  if (!failed(r.throughput)) {
    const t = r.throughput;
    rows.push([
      "checkToken vs the plain-JS check (Node, MemoryKV)",
      `${t.ratio.toFixed(2)}×`,
      `≥ ${RATIO_TARGET}×`,
      status(t.ratio >= RATIO_TARGET, `${(RATIO_TARGET / t.ratio).toFixed(1)}× too slow`),
    ]);
  }
  if (!failed(r.kvOps)) {
    const sizes = [...r.kvOps.bySize.keys()];
    const check = Math.max(...sizes.map((s) => r.kvOps.bySize.get(s).rows.check.ops));
    rows.push([
      "KV operations of a check (any realm size)",
      `${check}`,
      `≤ ${CHECK_TARGET}`,
      status(check <= CHECK_TARGET, `${check - CHECK_TARGET} over`),
    ]);
    const at = r.kvOps.bySize.get(10_000);
    if (at) {
      for (const label of BULK_LABELS) {
        const ops = at.rows[label].ops;
        rows.push([
          `KV operations to invalidate ${SCOPE_NAMES[label]} of 10,000 tokens (exact counts)`,
          `${ops}`,
          `≤ ${BULK_TARGET}`,
          status(ops <= BULK_TARGET, `${ops - BULK_TARGET} over`),
        ]);
      }
    }
  }
  if (!failed(r.size)) {
    for (const kind of ["raw", "gzip"]) {
      const size = r.size[kind];
      const target = SIZE_TARGET[kind];
      rows.push([
        `wasm ${kind === "raw" ? "raw" : "gzipped (-9)"}, after wasm-opt -Oz`,
        kB(size),
        `≤ ${kB(target)}`,
        status(size <= target, `${kB(size - target)} over (${(size / target).toFixed(2)}×)`),
      ]);
    }
  }
  return rows;
}

function throughputSection(r) {
  const t = r.throughput;
  if (failed(t)) return `## checkToken throughput\n\n${failed(t)}\n`;
  return `## checkToken throughput (Node, MemoryKV)

${table(
  ["", "ops/s"],
  [
    ["edge-token `checkToken` (www/entry-node.js on MemoryKV)", int(t.engine)],
    ["plain-JS check (bench/plain-check.mjs)", int(t.plain)],
    ["ratio", `**${t.ratio.toFixed(2)}×**`],
  ],
)}

The plain-JS check is the floor, not a rival: base64-decode the token, node:crypto SHA-256 of its
suffix for the document id, one get of the stored document text on the same MemoryKV, \`JSON.parse\`, SHA-256 of
the token compared in constant time, flag and expiry check; async like any store read. It does
not read the invalidation keys and watermarks (edge-token bulk-gets them with the document) nor build an error body.
Both run back to back in one process, alternating ${t.rounds} rounds of ${t.roundMs} ms; the figures
are medians.
`;
}

/** The summed share of the profile categories whose name matches `pattern`. */
const share = (profile, pattern) => profile.categories.filter((c) => pattern.test(c.name)).reduce((a, c) => a + c.percent, 0);

function profileSection(r) {
  const p = r.profile;
  if (failed(p)) return `## Where checkToken's time goes\n\n${failed(p)}\n`;
  const t = r.throughput && !failed(r.throughput) ? r.throughput : null;
  const perCall = t
    ? `${(1e6 / t.engine).toFixed(1)} µs per check against ${(1e6 / t.plain).toFixed(1)} µs for the plain-JS check`
    : "";
  return `## Where checkToken's time goes

A CPU profile (\`node --cpu-prof\`, 100 µs sampling) of the checkToken loop, on a copy of the wasm
built like the shipped one but keeping function names. Self time by category (V8 builtins such as
\`JSON.parse\` count toward the JavaScript function that called them):

${table(
  ["category", "share"],
  p.categories.map((c) => [c.name, pct(c.percent)]),
)}

The same samples by stage (inclusive: a sample counts for every stage on its stack):

${table(
  ["stage", "share"],
  p.stages.map((c) => [c.name, pct(c.percent)]),
)}

What this says${perCall ? ` (${perCall})` : ""}:

- The check runs as synchronous engine calls around its KV read (one bulk get for a token that
  carries its owner tag), which engine/check.js makes itself (no future, no promise, no binding
  lookup in wasm); the token decoded in step 1 is kept for step 2, and a valid check's body
  crosses alone (no envelope around it, so JavaScript parses only the body), written straight
  from the stored owner's text, which the check's own document reader (src/token_text.rs, with
  src/json_skip.rs finding where values end) keeps as stored. SHA-256 and base64 are built at
  opt-level 3, the rest for size. Before all that (async export, value trees) the ratio was
  0.12–0.19×.
- serde, allocation, strings and the copies across the boundary take ${pct(share(p, /serde|allocator|strings|boundary/))}
  of the time; SHA-256 (document id, token hash, realm and user digests for the watermark
  keys) ${pct(share(p, /SHA-256/))}.
- The JavaScript around the engine (engine/ with the body's \`JSON.parse\`, kv-guard.js's
  deadlines, Node's timers and promises, MemoryKV) takes ${pct(share(p, /wrapper|Node runtime|MemoryKV/))}; the wasm-bindgen glue
  another ${pct(share(p, /glue|futures/))}.
- What separates this from the floor: the invalidation keys and watermarks read with the document
  (the plain-JS check reads one key), the SHA-256 digests that name them (cacheable per realm and
  user), the body the engine answers as text and engine/check.js parses, and MemoryKV's own
  checks. Each is a few percent.
`;
}

function kvOpsSection(r) {
  const k = r.kvOps;
  if (failed(k)) return `## KV operations per call\n\n${failed(k)}\n`;
  const sizes = [...k.bySize.keys()];
  const head = ["call", ...sizes.map((s) => `${int(s)} tokens${k.bySize.get(s).direct ? " ¹" : ""}`)];
  const rows = CALL_LABELS.map((label) => [label, ...sizes.map((s) => k.bySize.get(s).rows[label].detail)]);
  const bulkRows = BULK_LABELS.map((label) => [
    label,
    ...sizes.map((s) => {
      const row = k.bySize.get(s).rows[label];
      return `${ms(row.ms, 0)} / ${ms(row.engineMs, 0)}`;
    }),
  ]);
  const verified = k.verification
    ? `¹ Written directly in MemoryKV following docs/storage-schema.md (bench/seed.mjs), not through
createToken. At ${int(k.verification.size)} tokens both ways were measured: every call above gave
identical operation counts and identical results (and seeded tokens check and refresh).`
    : "";
  return `## KV operations per call

Counted by a wrapper around the binding (bench/counting-kv.mjs) that counts as Workers does: one
get, one bulk get (an array of up to 100 keys), one put, one delete, one list page each count
one. Total, then by kind.

${table(head, rows)}

Fixture for N: realm \`bench_realm\` holds N live password-grant tokens of user \`bench_user\`, so
the realm, the user and the user in the realm each cover exactly N tokens; 10 tokens of other
users in another realm sit beside them and are never listed. Every bulk invalidation answered
exactly \`{"invalidated_tokens": 2N, "previously_invalidated_tokens": 0, "error_count": 0}\` (two
halves per token) and wrote exactly one key, its watermark. A bulk invalidation costs one list
page per 1,000 tokens, one list page per 1,000 halves invalidated by themselves (\`i:\` keys; for a
user in every realm, one per realm), plus 2 (user scopes: one bulk read of the covering
watermarks, one write) or 4 (realm: one list of the realm's user watermarks, one of \`w:*:\`, one
read, one write).

${verified}

Time of one bulk invalidation, wall time on MemoryKV / the engine alone (on a snapshot binding
that costs next to nothing, bench/snapshot-kv.mjs; median of 3 runs, 1 at 100,000):

${table(["call", ...sizes.map((s) => `${int(s)} tokens`)], bulkRows)}

${(() => {
  const big = sizes.filter((s) => s >= 1_000).at(-1);
  if (!big) return "";
  const perToken = k.bySize.get(big).rows["invalidate username"].engineMs / big; // ms
  return `The engine spends about ${(1000 * perToken).toFixed(1)} µs of CPU per listed token, most of it taking each
listed key across the boundary (\`JsKv::list\` reads name and metadata per key and round-trips
the metadata through \`JSON.stringify\` and serde). On Workers that is far inside the paid plan's
CPU limit (30 s by default) even at 100,000 tokens, but the free plan's 10 ms is spent from about
${int(Math.round(10 / perToken / 100) * 100)} tokens.`;
})()}
`;
}

function sizeSection(r) {
  const s = r.size;
  if (failed(s)) return `## Wasm size\n\n${failed(s)}\n`;
  return `## Wasm size

\`dist/wasm/edge_token_bg.wasm\` as \`scripts/build.sh\` ships it (cargo opt-level "z", LTO, then
wasm-opt -Oz): **${kB(s.raw)}** raw (${int(s.raw)} bytes), **${kB(s.gzip)}** gzipped at level 9
(${int(s.gzip)} bytes). Targets ${kB(SIZE_TARGET.raw)} / ${kB(SIZE_TARGET.gzip)}.
${
  s.breakdown
    ? `
Where the bytes are, from the same build with function names kept: ${kB(s.breakdown.code)} of
function bodies and ${kB(s.breakdown.data)} of constant data (strings and tables).
Function bytes by crate (generic code counts for the crate that defines it, inlined code for its
caller), and the largest functions:

${table(
  ["crate", "code", "share"],
  s.breakdown.crates.filter((c) => c.size >= 1000).map((c) => [c.crate, kB(c.size), pct((100 * c.size) / s.breakdown.code)]),
)}

${table(
  ["largest functions", "code"],
  s.breakdown.largest.map((f) => [`\`${f.name.replace(/\[[0-9a-f]{16}\]/g, "")}\``, kB(f.size)]),
)}
`
    : ""
}`;
}

function coldStartSection(r) {
  const c = r.coldStart;
  if (failed(c)) return `## Cold start (Node)\n\n${failed(c)}\n`;
  return `## Cold start (Node)

Median of ${c.runs} fresh \`node\` processes (bench/cold-start-child.mjs), each timing the three
steps below on a store seeded without the engine:

${table(
  ["step", "median"],
  [
    ["compile (`new WebAssembly.Module`)", ms(c.compileMs, 2)],
    ["instantiate (`initSync`, bind the API)", ms(c.instantiateMs, 2)],
    ["first `checkToken` (lazy tier-up of the functions it runs)", ms(c.firstCheckMs, 2)],
    ["**total**", `**${ms(c.totalMs, 1)}** (range ${ms(c.totalRange[0])}–${ms(c.totalRange[1])})`],
    ["(before that: importing the glue, api.js and the seeder)", ms(c.modulesMs, 1)],
  ],
)}

As a user of the package sees it (\`node\` processes of their own, \`cold-start-child.mjs package\`):
\`import("edge-token")\` (the Node entry: its modules, reading, compiling and instantiating the
wasm; the HTTP service is not loaded until a handler serves its first request) then a first
\`checkToken\`: ${ms(c.packageImportMs, 1)} + ${ms(c.packageCheckMs, 1)} = **${ms(c.packageTotalMs, 1)}**.
`;
}

function workerdSection(r) {
  const w = r.workerd;
  if (w === undefined) return "## End to end on workerd\n\nSkipped (--no-workerd).\n";
  if (failed(w)) return `## End to end on workerd\n\n${failed(w)}\n`;
  const rows = [];
  for (const [mode, result] of Object.entries(w.results)) {
    const name = mode === "kv" ? "plain KV (wrangler.toml)" : "Durable Object (bench/fixtures/worker-do.js)";
    if (result.error) {
      rows.push([name, "—", `failed: ${result.error}`, "", "", ""]);
      continue;
    }
    for (const [endpoint, label] of [
      ["authenticate", "GET /_security/_authenticate"],
      ["invalidate", "DELETE /_security/oauth2/token {username}"],
    ]) {
      const s = result[endpoint];
      rows.push([name, label, `**${int(s.requestsPerSecond)}**`, `${s.p50} / ${s.p99} ms`, int(s.requests), `${s.failures}`]);
    }
  }
  return `## End to end on workerd

\`wrangler dev\` (workerd, local KV and Durable Object storage on disk) on loopback, driven by
autocannon with ${w.connections} connections for ${w.durationS} s per endpoint, on the same shared
machine as the load generator. \`_authenticate\` carries a bearer token (one token check);
invalidate is an admin's bearer token plus \`{"username": "bench_user"}\` (10 tokens: a token check,
a list, a bulk read, a watermark write). In Durable Object mode each engine call is one call into
the TokenStore object, run one at a time there.

${table(["store", "request", "requests/s", "latency p50 / p99", "requests", "non-2xx + errors"], rows)}

Local KV under \`wrangler dev\` is a simulator (every operation a loopback call into a SQLite-backed
service); on Cloudflare, KV reads are served from the edge cache and a Durable Object is one
location away. These numbers compare the two modes on one machine, not production latency.
`;
}

export function renderMarkdown(r) {
  const m = r.machine;
  return `# Benchmarks

Written by \`npm run bench\` (bench/run.mjs)${r.quick ? " with --quick" : ""}. One run on a machine shared
with other work: compare ratios and counts, not absolute speeds across machines.

${table(
  ["", ""],
  [
    ["date", m.date],
    ["CPU", m.cpu],
    ["memory", m.memory],
    ["OS", m.os],
    ["Node", m.node],
    ["load average at start", m.load],
    ["commit", m.commit],
    ["the whole run took", r.elapsedS === undefined ? "—" : `${(r.elapsedS / 60).toFixed(1)} min`],
  ],
)}

## Beside the peer

${sideBySideTable(r)}

## Targets

${table(["measure", "result", "target", ""], [...targetRows(r), ...peerTargetRows(r)])}

${throughputSection(r)}
${profileSection(r)}
${kvOpsSection(r)}
${sizeSection(r)}
${coldStartSection(r)}
${workerdSection(r)}
${sideBySideSection(r)}
${workerdCpuSection(r)}
${bundlesSection(r)}
${realmInvalidationSection(r)}`;
}

/** The console summary: the targets, and the KV table. */
export function renderConsole(r) {
  const lines = [
    "",
    sideBySideTable(r),
    "",
    table(["measure", "result", "target", ""], [...targetRows(r), ...peerTargetRows(r)]),
    "",
  ];
  if (!failed(r.throughput))
    lines.push(`checkToken ${int(r.throughput.engine)} ops/s, plain JS ${int(r.throughput.plain)} ops/s`, "");
  if (!failed(r.kvOps)) {
    const sizes = [...r.kvOps.bySize.keys()];
    lines.push(
      table(
        ["KV ops per call", ...sizes.map(int)],
        CALL_LABELS.map((l) => [l, ...sizes.map((s) => r.kvOps.bySize.get(s).rows[l].detail)]),
      ),
      "",
    );
  }
  if (!failed(r.coldStart)) lines.push(`cold start (compile + instantiate + first check): ${ms(r.coldStart.totalMs)}`, "");
  if (r.workerd && !failed(r.workerd)) {
    for (const [mode, result] of Object.entries(r.workerd.results)) {
      if (result.error) lines.push(`workerd ${mode}: failed: ${result.error}`);
      else
        lines.push(
          `workerd ${mode}: authenticate ${int(result.authenticate.requestsPerSecond)} req/s, invalidate ${int(result.invalidate.requestsPerSecond)} req/s`,
        );
    }
    lines.push("");
  }
  return lines.join("\n");
}
