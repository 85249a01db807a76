import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import { createReportReader, type FormatId, type ParseLimits, type ParseResult } from '@coverwatch/core';

/** Largest decompressed size of one gzip report: a zip bomb stops here instead of filling the disk or memory. */
export const MAX_DECOMPRESSED_BYTES = 4 * 1024 * 1024 * 1024;

export interface ReadReportOptions {
  readonly format?: FormatId;
  readonly limits?: ParseLimits;
  /** Name to use in diagnostics (defaults to the path as given). */
  readonly displayName?: string;
}

/**
 * Streams one report file from disk into core's reader, decompressing gzip (gcov's `*.gcov.json.gz`)
 * on the way, so memory stays bounded whatever the file size. Never throws: I/O errors become
 * diagnostics of an `unrecognized` result.
 */
export async function readReportFile(path: string, options: ReadReportOptions = {}): Promise<ParseResult> {
  const fileName = options.displayName ?? path;
  try {
    const s = await stat(path);
    if (!s.isFile()) return ioFailure(fileName, 'CW_REPORT_NOT_A_FILE', 'not a regular file');
    const reader = createReportReader({ fileName, ...(options.format ? { format: options.format } : {}), ...(options.limits ? { limits: options.limits } : {}) });
    const gz = await isGzip(path);
    const input = createReadStream(path, { highWaterMark: 1 << 20 });
    if (gz) {
      let total = 0;
      const gunzip = createGunzip();
      input.pipe(gunzip);
      for await (const chunk of gunzip as AsyncIterable<Buffer>) {
        total += chunk.length;
        if (total > MAX_DECOMPRESSED_BYTES) {
          input.destroy();
          gunzip.destroy();
          return ioFailure(fileName, 'CW_REPORT_DECOMPRESSED_TOO_LARGE', `decompresses to more than ${MAX_DECOMPRESSED_BYTES} bytes`);
        }
        reader.write(chunk);
      }
    } else {
      for await (const chunk of input as AsyncIterable<Buffer>) reader.write(chunk);
    }
    return reader.end();
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const why = err.code === 'ENOENT' ? 'no such file' : err.code === 'EACCES' ? 'permission denied' : err.code === 'Z_DATA_ERROR' || err.code === 'Z_BUF_ERROR' ? 'corrupt gzip data' : (err.message ?? String(e));
    return ioFailure(fileName, 'CW_REPORT_UNREADABLE', `cannot read: ${why}`);
  }
}

async function isGzip(path: string): Promise<boolean> {
  const stream = createReadStream(path, { start: 0, end: 1 });
  const chunks: Buffer[] = [];
  for await (const c of stream as AsyncIterable<Buffer>) chunks.push(c);
  const b = Buffer.concat(chunks);
  return b.length === 2 && b[0] === 0x1f && b[1] === 0x8b;
}

function ioFailure(fileName: string, code: string, message: string): ParseResult {
  return {
    status: 'unrecognized',
    format: null,
    report: { files: [] },
    diagnostics: [{ code, severity: 'error', file: fileName, message }],
  };
}
