import { generateKeyPairSync } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { migrateToLatest, openSqlite, type Db } from '../db/database.js';
import { AuditLog } from './audit-log.js';
import { chainHash, GENESIS_HASH } from './chain.js';
import { AuditCheckpoints, parseSigningKey, parseVerifyingKey, publicKeyPem, signCheckpoint, type SigningKey } from './checkpoints.js';
import { exportLines } from './export.js';
import { verifyExport, type VerifyResult } from './verify.js';

const dbs: Db[] = [];
afterAll(async () => {
  for (const db of dbs.splice(0)) await db.destroy();
});

function newKey(): SigningKey {
  return parseSigningKey(generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
}

const KEY = newKey();
const OTHER_KEY = newKey();
const PUBLIC = parseVerifyingKey(publicKeyPem(KEY));

type Line = Record<string, unknown> & { type: string };

/**
 * A log of `n` records with a checkpoint after each record in `checkpointsAt` (kept in the
 * database, so in the export, and appended to a "saved" checkpoint file outside it).
 */
async function makeLog(n: number, checkpointsAt: readonly number[] = [], key = KEY) {
  const db = openSqlite(':memory:');
  dbs.push(db);
  await migrateToLatest(db);
  let t = Date.parse('2025-03-01T10:00:00.000Z');
  const log = new AuditLog(db, () => new Date((t += 1000)));
  const saved: string[] = [];
  const checkpoints = new AuditCheckpoints(log.repository, key, { checkpointFile: '/saved/checkpoints.jsonl', webhookTimeoutMs: 1000 }, { now: () => new Date(t), appendFile: async (_f, data) => void saved.push(data.trimEnd()) });
  for (let i = 1; i <= n; i++) {
    await log.append({ event: 'repo.created', actor: { type: 'operator', name: 'alice' }, source: { host: 'admin-box' }, target: { type: 'repository', id: `r${i}`, name: `acme/r${i}` }, details: { i } });
    if (checkpointsAt.includes(i)) await checkpoints.tick();
  }
  const lines: string[] = [];
  for await (const line of exportLines(log.repository, { now: () => new Date(t) })) lines.push(line);
  return { db, log, lines, saved };
}

const parse = (lines: readonly string[]): Line[] => lines.map((l) => JSON.parse(l) as Line);
const text = (lines: readonly Line[]): string[] => lines.map((l) => JSON.stringify(l));
/** Index in the line list of record `seq`. */
const at = (lines: readonly Line[], seq: number) => lines.findIndex((l) => l.type === 'audit.record' && (l.record as { seq: number }).seq === seq);

function verify(lines: readonly string[], saved: readonly string[] = [], keys = [PUBLIC]): Promise<VerifyResult> {
  return verifyExport(() => lines, { saved: saved.length === 0 ? [] : [{ name: 'saved.jsonl', lines: () => saved }], publicKeys: keys });
}

/** A record's line recomputed so that it is valid on its own, chained after `prevHash`. */
function rehash(line: Line, prevHash: string): Line {
  return { ...line, prevHash, hash: chainHash(prevHash, line.record as Record<string, unknown>) };
}

describe('audit verify: an intact export', () => {
  it('verifies the chain and every checkpoint, from the genesis hash to the head', async () => {
    const { lines, saved } = await makeLog(10, [4, 10]);
    const r = await verify(lines, saved);
    expect(r.problems).toEqual([]);
    expect(r).toMatchObject({ ok: true, records: 10, firstSeq: 1, lastSeq: 10, fromGenesis: true, checkpoints: { verified: 2, unsigned: 0, latest: { seq: 10 } } });
    const records = parse(lines).filter((l) => l.type === 'audit.record');
    expect(records[0]!.prevHash).toBe(GENESIS_HASH);
    expect(r.headHash).toBe(records[9]!.hash);
    // Checkpoint lines follow the record they sign.
    expect(parse(lines).map((l) => l.type)).toEqual(['audit.export', ...Array(4).fill('audit.record'), 'audit.checkpoint', ...Array(6).fill('audit.record'), 'audit.checkpoint']);
  });

  it('an export --since SEQ verifies from there (its first prevHash taken on trust); earlier checkpoints are not compared', async () => {
    const { log, saved } = await makeLog(8, [3, 8]);
    const lines: string[] = [];
    for await (const line of exportLines(log.repository, { since: 5 })) lines.push(line);
    const r = await verify(lines, saved);
    expect(r).toMatchObject({ ok: true, records: 3, firstSeq: 6, lastSeq: 8, fromGenesis: false, checkpoints: { verified: 1, notCovered: 1 } });
    // Dropping the first record of such an export is noticed through the header.
    const cut = parse(lines);
    cut.splice(at(cut, 6), 1);
    expect((await verify(text(cut), saved)).problems[0]).toMatchObject({ seq: 6 });
  });
});

describe('audit verify: tampering is detected at the right record', () => {
  it('a modified record: named by its sequence number and line', async () => {
    const { lines } = await makeLog(10, [10]);
    const l = parse(lines);
    const i = at(l, 5);
    l[i] = { ...l[i]!, record: { ...(l[i]!.record as object), actor: { type: 'operator', name: 'mallory' } } };
    const r = await verify(text(l));
    expect(r.ok).toBe(false);
    expect(r.problems[0]).toMatchObject({ file: 'export', line: i + 1, seq: 5, message: expect.stringContaining('record 5 does not match its hash') });
  });

  it('a modified record whose hash was recomputed: the next record names it as replaced', async () => {
    const { lines } = await makeLog(10);
    const l = parse(lines);
    const i = at(l, 5);
    l[i] = rehash({ ...l[i]!, record: { ...(l[i]!.record as object), details: { i: 500 } } }, l[i]!.prevHash as string);
    const r = await verify(text(l));
    expect(r.problems[0]).toMatchObject({ line: i + 1, seq: 5, message: expect.stringContaining('record 5 was replaced') });
  });

  it('a deleted record: the first missing sequence number', async () => {
    const { lines } = await makeLog(10, [10]);
    const l = parse(lines);
    const i = at(l, 4);
    l.splice(i, 1);
    const r = await verify(text(l));
    expect(r.problems[0]).toMatchObject({ line: i + 1, seq: 4, message: expect.stringContaining('expected record 4, found record 5: record 4 is missing') });
  });

  it('an inserted record: a naive one fails its own hash; a well-forged one (right seq, prevHash and hash) collides with the record it displaced', async () => {
    const { lines } = await makeLog(10, [10]);
    const base = parse(lines);
    const i = at(base, 6);
    const forged: Line = { type: 'audit.record', record: { ...(base[i]!.record as object), event: 'token.created', details: {} }, prevHash: base[i]!.prevHash, hash: base[i]!.hash };
    const naive = [...base.slice(0, i), forged, ...base.slice(i)];
    expect((await verify(text(naive))).problems[0]).toMatchObject({ line: i + 1, seq: 6, message: expect.stringContaining('does not match its hash') });
    const clever = [...base.slice(0, i), rehash(forged, base[i]!.prevHash as string), ...base.slice(i)];
    expect((await verify(text(clever))).problems[0]).toMatchObject({ line: i + 2, seq: 6, message: expect.stringContaining('expected record 7, found record 6: a record was inserted') });
  });

  it('reordered records: the first out of place', async () => {
    const { lines } = await makeLog(10);
    const l = parse(lines);
    const i = at(l, 3);
    [l[i], l[i + 1]] = [l[i + 1]!, l[i]!];
    expect((await verify(text(l))).problems[0]).toMatchObject({ line: i + 1, seq: 3, message: expect.stringContaining('expected record 3, found record 4') });
  });

  it('a truncated tail: caught by the header, and against a saved checkpoint even when the export (header included) was cut consistently', async () => {
    const { lines, saved } = await makeLog(10, [5, 9]);
    const l = parse(lines);
    const kept = l.slice(0, at(l, 7));
    // Cut at record 7 (the export's own checkpoint of 9 goes with the tail).
    expect((await verify(text(kept))).problems[0]).toMatchObject({ seq: 7, message: expect.stringContaining('header says the log ended at record 10') });
    // The attacker also fixes the header: only a checkpoint kept outside the database shows the cut.
    const head = kept[at(kept, 6)]!;
    const consistent = [{ ...kept[0]!, head: { seq: 6, hash: head.hash } }, ...kept.slice(1)];
    expect((await verify(text(consistent))).ok).toBe(true);
    const r = await verify(text(consistent), saved);
    expect(r.ok).toBe(false);
    expect(r.problems[0]).toMatchObject({ file: 'saved.jsonl', line: 2, seq: 7, message: expect.stringContaining('records 7..9 are missing') });
  });

  it('a history rewritten with recomputed hashes: the signed checkpoint no longer matches (the records after the last good checkpoint are named)', async () => {
    const { lines, saved } = await makeLog(10, [3, 8]);
    const l = parse(lines).filter((x) => x.type !== 'audit.checkpoint');
    let prev = l[at(l, 5)]!.prevHash as string;
    for (let seq = 5; seq <= 10; seq++) {
      const i = at(l, seq);
      l[i] = rehash(seq === 5 ? { ...l[i]!, record: { ...(l[i]!.record as object), details: { i: 0 } } } : l[i]!, prev);
      prev = l[i]!.hash as string;
    }
    l[0] = { ...l[0]!, head: { seq: 10, hash: prev } };
    expect((await verify(text(l))).ok).toBe(true);
    const r = await verify(text(l), saved);
    expect(r.problems[0]).toMatchObject({ file: 'saved.jsonl', line: 2, seq: 4, message: expect.stringContaining('rewritten between records 4 and 8') });
  });

  it('a line that is not JSON, or of an unknown type', async () => {
    const { lines } = await makeLog(4);
    const l = [...lines];
    l[2] = l[2]!.slice(0, 20);
    expect((await verify(l)).problems[0]).toMatchObject({ line: 3, seq: 2 });
    const m = parse(lines);
    m.splice(2, 0, { type: 'audit.note' });
    expect((await verify(text(m))).problems[0]).toMatchObject({ line: 3, message: expect.stringContaining('unknown line type') });
  });
});

describe('audit verify: checkpoints', () => {
  it('a checkpoint signed with another key is refused, whether it names that key or ours', async () => {
    const { lines } = await makeLog(5, [5], OTHER_KEY);
    const r = await verify(lines);
    expect(r.ok).toBe(false);
    const i = parse(lines).findIndex((l) => l.type === 'audit.checkpoint');
    expect(r.problems[0]).toMatchObject({ file: 'export', line: i + 1, seq: 5, message: expect.stringContaining(`signed with key ${OTHER_KEY.keyId}, which is not among the given public keys (${KEY.keyId})`) });
    // Claiming our key id does not help: the signature is checked with our key.
    const l = parse(lines);
    const cp = l[i]!.checkpoint as { seq: number; hash: string; time: string };
    const mimic = signCheckpoint(cp, { ...OTHER_KEY, keyId: KEY.keyId }, cp.time);
    l[i] = { type: 'audit.checkpoint', ...mimic };
    expect((await verify(text(l))).problems[0]).toMatchObject({ seq: 5, message: expect.stringContaining(`does not verify with public key ${KEY.keyId}`) });
    // With both keys given (a key rotation), it verifies.
    expect((await verify(lines, [], [PUBLIC, parseVerifyingKey(publicKeyPem(OTHER_KEY))])).ok).toBe(true);
  });

  it('an altered checkpoint (its hash or seq changed) fails its signature', async () => {
    const { lines } = await makeLog(5, [5]);
    const l = parse(lines);
    const i = l.findIndex((x) => x.type === 'audit.checkpoint');
    l[i] = { ...l[i]!, checkpoint: { ...(l[i]!.checkpoint as object), seq: 4 } };
    expect((await verify(text(l))).problems[0]).toMatchObject({ message: expect.stringContaining('does not verify') });
  });

  it('without a public key, signatures are not checked, and the result says so', async () => {
    const { lines } = await makeLog(5, [5], OTHER_KEY);
    const r = await verify(lines, [], []);
    expect(r).toMatchObject({ ok: true, checkpoints: { verified: 0, unsigned: 1 } });
  });
});
