// Compiled (not run) by tsconfig.checkjs.json: the implementation behind every entry
// (www/package.js, as checkJs infers it from the JavaScript) must be assignable to the
// declarations users compile against (www/index.d.ts). A declared export that the JavaScript
// lacks, or one whose inferred type contradicts its declaration, fails the check.
import type * as Declared from "../../www/index.js";
import * as implementation from "../../www/package.js";
import * as memoryKv from "../../www/memory-kv.js";

export const api: Pick<
  typeof Declared,
  | "createToken"
  | "checkToken"
  | "refreshToken"
  | "invalidateToken"
  | "parseTokenRequest"
  | "parseInvalidateRequest"
  | "validateSettings"
  | "createHandler"
  | "EdgeTokenError"
  | "MemoryKV"
> = implementation;
export const memoryKvSubpath: Pick<typeof Declared, "MemoryKV"> = memoryKv;
