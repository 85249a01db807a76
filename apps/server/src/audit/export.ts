import type { AuditRepository } from './audit.repository.js';
import { checkpointLine, fromStored } from './checkpoints.js';

/**
 * The export of `coverwatch-server audit export [--since SEQ]`: JSON Lines, one object per line.
 * - line 1: `{"type":"audit.export","v":1,"exportedAt":"<time>","since":<SEQ>,"head":{"seq","hash"}}`
 *   (the head when the export started: records after it are left for the next export);
 * - each record: `{"type":"audit.record","record":{...},"prevHash":"<hex>","hash":"<hex>"}`, where
 *   `record` is the object that was hashed (chain.ts) and `prevHash` the hash of the record before;
 * - each checkpoint right after the record it signs: `{"type":"audit.checkpoint","checkpoint":{...},"signature":"<base64>"}`.
 * The header is not signed: it only lets the verifier notice an export cut short.
 */
export async function* exportLines(repo: AuditRepository, options: { since?: number; now?: () => Date } = {}): AsyncGenerator<string> {
  const since = options.since ?? 0;
  const head = await repo.head();
  yield JSON.stringify({ type: 'audit.export', v: 1, exportedAt: (options.now?.() ?? new Date()).toISOString(), since, head: { seq: head.seq, hash: head.hash } });
  if (head.seq <= since) return;
  const checkpoints = await repo.checkpoints(since, head.seq);
  let c = 0;
  let after = since;
  for (;;) {
    const page = await repo.list(after, head.seq, 1000);
    if (page.length === 0) break;
    for (const r of page) {
      yield JSON.stringify({ type: 'audit.record', record: r.record, prevHash: r.prevHash, hash: r.hash });
      while (c < checkpoints.length && checkpoints[c]!.seq <= r.record.seq) yield checkpointLine(fromStored(checkpoints[c++]!));
      after = r.record.seq;
    }
  }
  while (c < checkpoints.length) yield checkpointLine(fromStored(checkpoints[c++]!));
}
