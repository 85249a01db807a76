/** Exit codes of every `coverwatch` command (documented in docs/cli.md; a test keeps them in step). */
export const EXIT = Object.freeze({
  ok: 0,
  /** An unexpected failure inside coverwatch itself (a bug: please report it). */
  internal: 1,
  /** Bad flags or arguments. */
  usage: 2,
  /** No report file was given or found. */
  noReport: 3,
  /** A report could not be read: unrecognized format, corrupt content, unreadable file. */
  invalidReport: 4,
  /** Path resolution failed: the root is not a git checkout, or a path is ambiguous. */
  paths: 5,
  /** upload: configuration is missing or unsafe (no URL, no credential, plain HTTP to a remote host, bad CA file, no commit sha). */
  config: 6,
  /** upload: the server refused the credential (401/403), or no OIDC token could be obtained. */
  auth: 7,
  /** upload: the server could not be reached, even after retries. */
  network: 8,
  /** upload: the server refused the upload (other 4xx), kept failing (5xx after retries), or failed to process it (--wait). */
  server: 9,
});

export class UsageError extends Error {}
