import { ERROR_CATALOG, KIND_EXIT_CODE, KIND_HTTP_STATUS, type ErrorCode, type ErrorKind } from './error-catalog.js';

/** One problem with an input, by path (`commit.sha`, `reports.0.data`). */
export interface FieldProblem {
  readonly path: string;
  readonly message: string;
}

/**
 * A catalogued error. Services throw these (transport-neutral: no HTTP status in sight); the HTTP
 * layer and the CLI map the kind to a status or an exit code. Messages are shown to clients, so
 * they never carry secrets.
 */
export class AppError extends Error {
  readonly kind: ErrorKind;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly fields?: readonly FieldProblem[],
  ) {
    super(message);
    this.name = 'AppError';
    this.kind = ERROR_CATALOG[code].kind;
  }
  get httpStatus(): number {
    return KIND_HTTP_STATUS[this.kind];
  }
  get exitCode(): number {
    return KIND_EXIT_CODE[this.kind];
  }
}

/** Turns zod issues into field problems with dotted paths (`reports.0.format`; `(root)` for the whole value). */
export function fieldProblems(issues: readonly { path: readonly PropertyKey[]; message: string }[]): FieldProblem[] {
  return issues.map((i) => ({ path: i.path.length === 0 ? '(root)' : i.path.map(String).join('.'), message: i.message }));
}
