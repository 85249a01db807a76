import type { z } from 'zod';
import { AppError, fieldProblems } from '../errors/app-error.js';

/**
 * Validates one part of a request (`params`, `query`, `headers`, `body`) against its schema; on
 * failure a CW_ERR_REQUEST_INVALID whose field paths start with the part (`body.commit.sha`).
 */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, part: 'params' | 'query' | 'headers' | 'body'): z.infer<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const fields = fieldProblems(r.error.issues).map((f) => ({ path: f.path === '(root)' ? part : `${part}.${f.path}`, message: f.message }));
  throw new AppError('CW_ERR_REQUEST_INVALID', `invalid request: ${fields.map((f) => `${f.path}: ${f.message}`).join('; ')}`, fields);
}

/** Passes a response through its schema, which drops undeclared fields (secrets never leak by accident). */
export function output<S extends z.ZodType>(schema: S, value: z.input<S>): z.infer<S> {
  return schema.parse(value);
}
