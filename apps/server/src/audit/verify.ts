import { canonicalJson } from './canonical.js';
import { chainHash, GENESIS_HASH, HASH_PATTERN, RECORD_VERSION, type AuditRecord } from './chain.js';
import { checkCheckpoint, checkpointShape, ISO_TIME, type SignedCheckpoint, type VerifyingKey } from './checkpoints.js';

/**
 * The offline verifier of `coverwatch-server audit verify`: needs the export (JSON Lines, see
 * export.ts), optionally checkpoints kept elsewhere (the checkpoint file, webhook deliveries) and
 * the public keys; no database, no configuration. Checks, in file order:
 * - every line is JSON of a known type;
 * - records: version, shape, `seq` = previous + 1 (the first is 1, or the export started `--since`),
 *   `prevHash` = the previous record's hash (the genesis hash before record 1), `hash` =
 *   SHA-256(prevHash || canonical record) (chain.ts), time never going back;
 * - checkpoints (in the export and in the saved files): signature by one of the keys, and the hash
 *   of record `seq` equal to the one signed; a checkpoint beyond the export's last record means
 *   records were cut off the end.
 * `problems` names the first record that cannot be trusted (`seq`) and where it was noticed (`line`).
 */
export interface VerifyProblem {
  /** Where: `export` or the saved checkpoint file's name; with the 1-based line, when there is one. */
  readonly file: string;
  readonly line: number | null;
  /** The first sequence number that cannot be trusted (a changed, missing, inserted or reordered record), when known. */
  readonly seq: number | null;
  readonly message: string;
}

export interface VerifyResult {
  readonly ok: boolean;
  readonly records: number;
  readonly firstSeq: number | null;
  readonly lastSeq: number | null;
  readonly headHash: string | null;
  /** False when the export started after record 1 (`--since`): its first prevHash is taken on trust. */
  readonly fromGenesis: boolean;
  readonly checkpoints: {
    /** Distinct heads whose signature verified and whose hash matched the record. */
    readonly verified: number;
    /** Checkpoints whose signature was not checked (no public key given). */
    readonly unsigned: number;
    /** Checkpoints before the export's first record (`--since`): not comparable. */
    readonly notCovered: number;
    readonly latest: { readonly seq: number; readonly time: string } | null;
  };
  readonly problems: readonly VerifyProblem[];
}

export interface CheckpointSource {
  /** A name for messages (the file name). */
  readonly name: string;
  readonly lines: () => AsyncIterable<string> | Iterable<string>;
}

const MAX_PROBLEMS = 20;

interface PendingCheckpoint {
  readonly cp: SignedCheckpoint;
  readonly file: string;
  readonly line: number;
  readonly signed: boolean;
}

/**
 * Verifies an export. `exportLines` is called twice (checkpoints first, then the chain); pass a
 * function that reopens the file. `publicKeys` empty: signatures are not checked (and the result
 * says so in `checkpoints.unsigned`), hashes still are.
 */
export async function verifyExport(
  exportLines: () => AsyncIterable<string> | Iterable<string>,
  options: { readonly saved?: readonly CheckpointSource[]; readonly publicKeys: readonly VerifyingKey[] },
): Promise<VerifyResult> {
  const problems: VerifyProblem[] = [];
  const report = (p: VerifyProblem) => {
    if (problems.length < MAX_PROBLEMS) problems.push(p);
  };
  const keys = options.publicKeys;

  // Pass 1: every checkpoint, by the seq it covers.
  const bySeq = new Map<number, PendingCheckpoint[]>();
  const collect = async (file: string, lines: AsyncIterable<string> | Iterable<string>, alsoRecords: boolean) => {
    let n = 0;
    for await (const text of lines) {
      n++;
      if (text.trim() === '') continue;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        if (!alsoRecords) report({ file, line: n, seq: null, message: 'not JSON' });
        continue; // the chain pass reports it for the export
      }
      const type = (value as { type?: unknown } | null)?.type;
      if (type !== 'audit.checkpoint') {
        if (!alsoRecords) report({ file, line: n, seq: null, message: `not a checkpoint line (type ${JSON.stringify(type)})` });
        continue;
      }
      const shape = checkpointShape(value);
      if (typeof shape === 'string') {
        report({ file, line: n, seq: null, message: `malformed checkpoint: ${shape}` });
        continue;
      }
      let signed = false;
      if (keys.length > 0) {
        const check = checkCheckpoint(value, keys);
        if (!check.ok) {
          report({ file, line: n, seq: shape.checkpoint.seq, message: `checkpoint for seq ${shape.checkpoint.seq} (signed at ${shape.checkpoint.time}) refused: ${check.reason}` });
          continue;
        }
        signed = true;
      }
      const list = bySeq.get(shape.checkpoint.seq) ?? [];
      list.push({ cp: shape, file, line: n, signed });
      bySeq.set(shape.checkpoint.seq, list);
    }
  };
  for (const s of options.saved ?? []) await collect(s.name, s.lines(), false);
  await collect('export', exportLines(), true);

  // Pass 2: the chain.
  let records = 0;
  let firstSeq: number | null = null;
  let lastSeq: number | null = null;
  let prevHash: string | null = null;
  let prevTime = '';
  let prevLine = 0;
  let broken = false;
  let headerHead: { seq: number; hash: string } | null = null;
  let headerSince: number | null = null;
  /** The last seq a verified checkpoint vouched for (a rewrite happened after it). */
  let lastVouched = 0;
  const matched = new Set<number>();
  let n = 0;
  for await (const text of exportLines()) {
    n++;
    if (broken) continue;
    if (text.trim() === '') continue;
    let value: Record<string, unknown>;
    try {
      value = JSON.parse(text) as Record<string, unknown>;
      if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error('not an object');
    } catch {
      report({ file: 'export', line: n, seq: lastSeq === null ? null : lastSeq + 1, message: 'the line is not a JSON object: the export was damaged or edited' });
      broken = true;
      continue;
    }
    if (value.type === 'audit.checkpoint') continue;
    if (value.type === 'audit.export') {
      const head = value.head as { seq?: unknown; hash?: unknown } | undefined;
      if (n === 1 && head !== undefined && Number.isSafeInteger(head.seq) && typeof head.hash === 'string') headerHead = { seq: head.seq as number, hash: head.hash };
      if (n === 1 && Number.isSafeInteger(value.since)) headerSince = value.since as number;
      continue;
    }
    if (value.type !== 'audit.record') {
      report({ file: 'export', line: n, seq: lastSeq === null ? null : lastSeq + 1, message: `unknown line type ${JSON.stringify(value.type)}` });
      broken = true;
      continue;
    }
    const expected = lastSeq === null ? null : lastSeq + 1;
    const shape = recordShape(value);
    if (typeof shape === 'string') {
      report({ file: 'export', line: n, seq: expected, message: `malformed record: ${shape}` });
      broken = true;
      continue;
    }
    const { record, hash } = shape;
    if (expected === null) {
      const from = (headerSince ?? 0) + 1;
      if (record.seq !== from) {
        report({ file: 'export', line: n, seq: from, message: `the export starts at record ${record.seq}, but its header says it starts after record ${from - 1}${record.seq > from ? `: record${record.seq - 1 > from ? `s ${from}..${record.seq - 1} are` : ` ${from} is`} missing` : ''}` });
        broken = true;
        continue;
      }
      firstSeq = record.seq;
      prevHash = record.seq === 1 ? GENESIS_HASH : shape.prevHash;
    } else if (record.seq !== expected) {
      report({
        file: 'export',
        line: n,
        // Missing: the first missing one. Repeated or moved back: that seq now has two candidates.
        seq: record.seq > expected ? expected : record.seq,
        message: `expected record ${expected}, found record ${record.seq}: ${record.seq > expected ? `record${record.seq - 1 > expected ? `s ${expected}..${record.seq - 1} are` : ` ${expected} is`} missing here (removed or moved)` : 'a record was inserted, repeated or moved'}`,
      });
      broken = true;
      continue;
    }
    if (shape.prevHash !== prevHash) {
      // This record still matches its own prevHash: it was chained to another version of the record
      // before it, so that one was replaced (unless a checkpoint vouched for it).
      const selfConsistent = chainHash(shape.prevHash, record) === hash;
      const blamePrevious = selfConsistent && lastSeq !== null && lastVouched !== lastSeq;
      report({
        file: 'export',
        line: blamePrevious ? prevLine : n,
        seq: blamePrevious ? lastSeq : record.seq,
        message: blamePrevious
          ? `record ${lastSeq} was replaced: record ${record.seq} was chained to a record ${lastSeq} with another hash`
          : `record ${record.seq} does not follow record ${lastSeq} (its prevHash is not that record's hash): it was altered, or a record before it was replaced`,
      });
      broken = true;
      continue;
    }
    if (chainHash(prevHash!, record) !== hash) {
      report({ file: 'export', line: n, seq: record.seq, message: `record ${record.seq} does not match its hash: it was altered` });
      broken = true;
      continue;
    }
    if (record.time < prevTime) {
      report({ file: 'export', line: n, seq: record.seq, message: `record ${record.seq} is dated ${record.time}, before the previous record (${prevTime})` });
      broken = true;
      continue;
    }
    for (const p of bySeq.get(record.seq) ?? []) {
      if (p.cp.checkpoint.hash !== hash) {
        report({
          file: p.file,
          line: p.line,
          seq: lastVouched + 1,
          message: `record ${record.seq} differs from the checkpoint signed at ${p.cp.checkpoint.time} (${p.file} line ${p.line}): the log was rewritten between records ${lastVouched + 1} and ${record.seq}`,
        });
        broken = true;
      } else if (p.signed) {
        lastVouched = record.seq;
        matched.add(record.seq);
      }
    }
    if (broken) continue;
    records++;
    prevLine = n;
    lastSeq = record.seq;
    prevHash = hash;
    prevTime = record.time;
  }

  let notCovered = 0;
  let unsigned = 0;
  let latest: { seq: number; time: string } | null = null;
  const beyond: PendingCheckpoint[] = [];
  for (const [seq, list] of bySeq) {
    for (const p of list) {
      if (!p.signed) unsigned++;
      if (p.signed && (latest === null || seq > latest.seq || (seq === latest.seq && p.cp.checkpoint.time > latest.time))) latest = { seq, time: p.cp.checkpoint.time };
      if (firstSeq !== null && seq < firstSeq) notCovered++;
      if (!broken && seq > (lastSeq ?? 0)) beyond.push(p);
    }
  }
  if (beyond.length > 0) {
    const far = beyond.reduce((a, b) => (b.cp.checkpoint.seq > a.cp.checkpoint.seq ? b : a));
    const from = (lastSeq ?? 0) + 1;
    report({
      file: far.file,
      line: far.line,
      seq: from,
      message: `the export ends at record ${lastSeq ?? 0}, but the checkpoint signed at ${far.cp.checkpoint.time} (${far.file} line ${far.line}) covers record ${far.cp.checkpoint.seq}: records ${from}..${far.cp.checkpoint.seq} are missing`,
    });
  } else if (!broken && headerHead !== null && headerHead.seq !== (lastSeq ?? 0)) {
    report({ file: 'export', line: null, seq: (lastSeq ?? 0) + 1, message: `the export's header says the log ended at record ${headerHead.seq}, but its last record is ${lastSeq ?? 0}: the export is incomplete` });
  }
  return {
    ok: problems.length === 0,
    records,
    firstSeq,
    lastSeq,
    headHash: lastSeq === null ? null : prevHash,
    fromGenesis: firstSeq === null || firstSeq === 1,
    checkpoints: { verified: matched.size, unsigned, notCovered, latest },
    problems,
  };
}

/** The record line's parts when well-formed, else what is wrong. */
function recordShape(value: Record<string, unknown>): { record: AuditRecord; prevHash: string; hash: string } | string {
  const { record, prevHash, hash } = value;
  if (typeof hash !== 'string' || !HASH_PATTERN.test(hash)) return 'hash is not 64 lower-case hex digits';
  if (typeof prevHash !== 'string' || !HASH_PATTERN.test(prevHash)) return 'prevHash is not 64 lower-case hex digits';
  if (record === null || typeof record !== 'object' || Array.isArray(record)) return 'no record object';
  const r = record as Record<string, unknown>;
  if (r.v !== RECORD_VERSION) return `unknown record version ${JSON.stringify(r.v)}`;
  if (!Number.isSafeInteger(r.seq) || (r.seq as number) < 1) return 'seq is not a positive integer';
  if (typeof r.time !== 'string' || !ISO_TIME.test(r.time)) return 'time is not ISO-8601 UTC';
  if (typeof r.event !== 'string') return 'event is not a string';
  try {
    canonicalJson(r);
  } catch (e) {
    return `the record has no canonical form: ${(e as Error).message}`;
  }
  return { record: r as unknown as AuditRecord, prevHash, hash };
}
