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
});

export class UsageError extends Error {}
