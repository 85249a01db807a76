import { gunzipSync, gzipSync } from 'node:zlib';
import { parseReport, writeReport, type FileCoverage, type Report } from '@coverwatch/core';

/**
 * Coverage at rest is core's lossless coverwatch-json, gzip-compressed: one file per document, so
 * equal coverage of a file has equal bytes whatever report it came from (content addressing).
 */
export function encodeFile(file: FileCoverage): Buffer {
  return Buffer.from([...writeReport({ files: [file] }, 'json')].join(''), 'utf8');
}

/** gzip of an encoded file. Node writes gzip headers without a timestamp, so equal input gives equal bytes. */
export function compress(plain: Uint8Array): Buffer {
  return gzipSync(plain);
}

/** A stored file read back; stored coverage is our own output, so a parse error is corruption and throws. */
export function decodeFile(gzipped: Uint8Array, what: string): FileCoverage {
  const file = decodeReport(gzipped, what).files[0];
  if (file === undefined) throw new Error(`stored coverage ${what} holds no file`);
  return file;
}

/** A whole stored report (an upload's report before packs: `reports/` blobs); corruption throws. */
export function decodeReport(gzipped: Uint8Array, what: string): Report {
  const r = parseReport(gunzipSync(gzipped), { fileName: what, format: 'coverwatch-json' });
  if (r.status !== 'ok') throw new Error(`stored report ${what} is corrupt: ${r.diagnostics.map((d) => d.message).join('; ')}`);
  return r.report;
}
