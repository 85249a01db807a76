/** True for a unique-constraint violation, on SQLite (better-sqlite3) and PostgreSQL (pg) alike. */
export function isUniqueViolation(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === '23505';
}

/**
 * PostgreSQL gave up on a transaction that can simply run again: a deadlock (40P01), typically with
 * pg-boss's own maintenance in a worker, or a serialization failure (40001).
 */
export function isRetryableTransactionError(e: unknown): boolean {
  const code = (e as { code?: unknown }).code;
  return code === '40P01' || code === '40001';
}
