// How createHandler gets the service's env reader (service/config.js) without the package
// loading the service's modules at import: createHandler(env) must throw its ConfigError at once
// (synchronously), so the reader has to be there when it is called, but a program that only
// checks tokens never calls it. Node since 20.19 and 22.12 can load an ES module synchronously
// (require of ESM, `process.features.require_module`): there the reader loads with the first
// createHandler call, the same module instance an import would give. Every other runtime's entry
// imports it at load and hands it over (provideConfigReader).

/** @type {((engine: any, env: any) => any) | undefined} */
let reader;

/** For entries that cannot load it later: the reader, imported at their load. */
export function provideConfigReader(readServiceConfig) {
  reader = readServiceConfig;
}

/** Whether this runtime can load the reader when it is first needed (Node's require of ESM). */
export function canLoadConfigLater() {
  const process = /** @type {any} */ (globalThis).process;
  return process?.features?.require_module === true && typeof process.getBuiltinModule === "function";
}

/** service/config.js's readServiceConfig: provided by the entry, else loaded now. */
export function configReader() {
  if (reader === undefined) {
    const { createRequire } = /** @type {any} */ (globalThis).process.getBuiltinModule("node:module");
    reader = createRequire(import.meta.url)("./service/config.js").readServiceConfig;
  }
  return /** @type {(engine: any, env: any) => any} */ (reader);
}
