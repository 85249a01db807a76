import { gunzipSync, gzipSync } from 'node:zlib';
import { parseReport, writeReport, type Report } from '@coverwatch/core';

/** Reports at rest: core's lossless coverwatch-json, gzip-compressed. */
export function encodeReport(report: Report): { plain: Buffer; gzipped: Buffer } {
  const plain = Buffer.from([...writeReport(report, 'json')].join(''), 'utf8');
  // Node writes gzip headers without a timestamp, so equal input gives equal bytes.
  return { plain, gzipped: gzipSync(plain) };
}

/** Reads a stored report back; stored reports are our own output, so a parse error is corruption and throws. */
export function decodeReport(gzipped: Uint8Array, what: string): Report {
  const r = parseReport(gunzipSync(gzipped), { fileName: what, format: 'coverwatch-json' });
  if (r.status !== 'ok') throw new Error(`stored report ${what} is corrupt: ${r.diagnostics.map((d) => d.message).join('; ')}`);
  return r.report;
}
