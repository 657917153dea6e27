// The body of PUT/POST /_security/user/{username}, parsed and validated as Elasticsearch does it
// (PutUserRequestBuilder.source, PutUserRequest.validate, TransportPutUserAction), with ES's
// error types and messages. Passwords are only checked here; they are hashed once the caller is
// known to be allowed.
import { badRequest, esError, reply, validationFailure } from "./http.js";
import { parseJsonBody } from "./json-body.js";
import { CONFIGURED_HASHER, UnsupportedHash, describeHash } from "./passwords.js";
import { INTERNAL_USERNAMES, RESERVED_USERNAMES } from "./users.js";

const NAME_MESSAGE =
  "%s names must be at least 1 and no more than 1024 characters. They can contain alphanumeric characters (a-z, A-Z, 0-9), " +
  "spaces, punctuation, and printable symbols in the Basic Latin (ASCII) block. Leading or trailing whitespace is not allowed.";

function isValidName(name) {
  return /^[\x20-\x7e]{1,1024}$/.test(name) && !name.startsWith(" ") && !name.endsWith(" ");
}

/** Jackson's token names, which ES puts in its parse errors. */
function tokenName(value) {
  if (value === null) return "VALUE_NULL";
  if (Array.isArray(value)) return "START_ARRAY";
  switch (typeof value) {
    case "string":
      return "VALUE_STRING";
    case "number":
      return "VALUE_NUMBER";
    case "boolean":
      return "VALUE_BOOLEAN";
    default:
      return "START_OBJECT";
  }
}

class Rejected extends Error {
  constructor(out) {
    super("rejected");
    this.reply = out;
  }
}

const parseError = (reason) => new Rejected(badRequest("parse_exception", reason));
const typeError = (field, wanted, value) =>
  parseError(`expected field [${field}] to be of type ${wanted}, but found [${tokenName(value)}] instead`);

function readRoles(value) {
  // A string is ES's comma-separated list.
  if (typeof value === "string") return value.split(",").map((r) => r.trim()).filter((r) => r !== "");
  if (!Array.isArray(value)) {
    throw parseError(`could not parse [roles] field. expected a string array but found [${tokenName(value)}] value instead`);
  }
  for (const role of value) {
    if (typeof role !== "string") {
      throw parseError(`could not parse [roles] field. expected a string array but one of the value in the array is [${tokenName(role)}]`);
    }
  }
  return [...value];
}

function nullableString(field, value) {
  if (value === null || typeof value === "string") return value;
  throw typeError(field, "string", value);
}

/**
 * The put-user request in `text`, or throws a Rejected carrying ES's 400. The password itself is
 * only checked here (length); it is hashed later, once the caller is known to be allowed.
 */
function parseBody(username, text) {
  const parsed = parseJsonBody(text);
  if (parsed.syntaxError) throw new Rejected(badRequest("x_content_parse_exception", "Failed to parse the request body as JSON"));
  if (parsed.problem) throw new Rejected(badRequest("x_content_parse_exception", parsed.problem));
  const body = parsed.value;
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    throw parseError(`expected an object, but found token [${tokenName(body)}]`);
  }
  const request = { username, roles: null, full_name: null, email: null, metadata: null, enabled: true };
  for (const [field, value] of Object.entries(body)) {
    switch (field) {
      case "password":
      case "password_hash":
        if (typeof value !== "string") throw typeError(field, "string", value);
        if (request.password !== undefined || request.password_hash !== undefined) {
          throw new Rejected(validationFailure(["password_hash has already been set"], "validation_exception"));
        }
        if (field === "password" && value.length < 6) {
          throw new Rejected(validationFailure(["passwords must be at least [6] characters long"], "validation_exception"));
        }
        if (field === "password_hash") checkHash(value);
        request[field] = value;
        break;
      case "roles":
        request.roles = readRoles(value);
        break;
      case "full_name":
      case "email":
        request[field] = nullableString(field, value);
        break;
      case "metadata":
        if (value === null || typeof value !== "object" || Array.isArray(value)) throw typeError(field, "object", value);
        request.metadata = value;
        break;
      case "enabled":
        if (typeof value !== "boolean") throw typeError(field, "boolean", value);
        request.enabled = value;
        break;
      case "username":
        if (typeof value !== "string") throw typeError(field, "string", value);
        if (value !== username) {
          throw new Rejected(badRequest("illegal_argument_exception", `[username] in source does not match the username provided [${username}]`));
        }
        break;
      default:
        throw parseError(`failed to parse add user request. unexpected field [${field}]`);
    }
  }
  return request;
}

/**
 * A given hash must be one this service can verify. ES insists on its one configured hasher;
 * here every bcrypt and PBKDF2 form ES can produce is taken, so hashes from a cluster configured
 * either way can be brought over.
 */
function checkHash(hash) {
  let described;
  try {
    described = describeHash(hash);
  } catch (error) {
    if (error instanceof UnsupportedHash) throw new Rejected(badRequest("illegal_argument_exception", error.message));
    throw error;
  }
  if (described.kind === "other") {
    throw new Rejected(
      badRequest(
        "illegal_argument_exception",
        `Provided password hash uses [${described.name}] but the configured hashing algorithm is [${CONFIGURED_HASHER}]`,
      ),
    );
  }
}

/** PutUserRequest.validate(): runs before authorization in ES. */
function requestProblems(request) {
  const problems = [];
  if (request.roles === null) problems.push("roles are missing");
  if (request.metadata !== null && Object.keys(request.metadata).some((k) => k.startsWith("_"))) {
    problems.push("metadata keys may not start with [_]");
  }
  return problems;
}

/** `{request}` or `{reply}` (a 400). Parse errors, then request validation, as ES orders them. */
export function parsePutUser(username, text) {
  if (text === "") return { reply: badRequest("parse_exception", "request body is required") };
  let request;
  try {
    request = parseBody(username, text);
  } catch (error) {
    if (error instanceof Rejected) return { reply: error.reply };
    throw error;
  }
  const problems = requestProblems(request);
  return problems.length > 0 ? { reply: validationFailure(problems) } : { request };
}

/** TransportPutUserAction's checks, which ES runs after authorization. A 400 reply or null. */
export function putUserProblems(request) {
  const problems = [];
  const { username } = request;
  if (RESERVED_USERNAMES.has(username)) problems.push(`user [${username}] is reserved and only the password can be changed`);
  else if (INTERNAL_USERNAMES.has(username)) problems.push(`user [${username}] is internal`);
  else if (!isValidName(username)) problems.push(NAME_MESSAGE.replace("%s", "User"));
  for (const role of request.roles) {
    if (!isValidName(role)) problems.push(NAME_MESSAGE.replace("%s", "Role"));
  }
  return problems.length > 0 ? validationFailure(problems) : null;
}

/** ES's answer to a new user without a password. */
export function passwordRequired() {
  return reply(400, esError(400, "validation_exception", "Validation Failed: 1: password must be specified unless you are updating an existing user;"));
}
