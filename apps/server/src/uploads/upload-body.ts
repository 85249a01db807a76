import { createGunzip } from 'node:zlib';
import { AppError } from '../errors/app-error.js';

export interface UploadBodyLimits {
  readonly maxBodyBytes: number;
  readonly maxDecompressedBytes: number;
}

export interface UploadBody {
  /** The request body as received (gzip): kept as the raw upload blob. */
  readonly compressed: Buffer;
  /** The decompressed envelope text. */
  readonly json: string;
  readonly decompressedBytes: number;
}

/**
 * Reads a gzip request body, enforcing both limits while it streams: reading stops at the first
 * byte past a limit, so neither a huge body nor a zip bomb is ever held in memory. On a limit the
 * request is paused, not destroyed, so the client still receives the 413 (the error handler closes
 * the connection after it).
 */
export function readUploadBody(payload: NodeJS.ReadableStream, limits: UploadBodyLimits): Promise<UploadBody> {
  const compressed: Buffer[] = [];
  const decompressed: Buffer[] = [];
  let inBytes = 0;
  let outBytes = 0;
  const gunzip = createGunzip();
  return new Promise<UploadBody>((resolve, reject) => {
    let settled = false;
    const fail = (e: unknown) => {
      if (settled) return;
      settled = true;
      payload.removeListener('data', onData);
      payload.pause();
      gunzip.destroy();
      reject(e);
    };
    const onData = (chunk: Buffer) => {
      inBytes += chunk.length;
      if (inBytes > limits.maxBodyBytes) return fail(bodyTooLarge(limits.maxBodyBytes));
      compressed.push(chunk);
      if (!gunzip.write(chunk)) {
        payload.pause();
        gunzip.once('drain', () => settled || payload.resume());
      }
    };
    payload.on('data', onData);
    payload.on('end', () => gunzip.end());
    payload.on('error', fail);
    gunzip.on('data', (chunk: Buffer) => {
      outBytes += chunk.length;
      if (outBytes > limits.maxDecompressedBytes) return fail(decompressedTooLarge(limits.maxDecompressedBytes));
      decompressed.push(chunk);
    });
    gunzip.on('error', (e: NodeJS.ErrnoException) => {
      fail(e.code === 'Z_DATA_ERROR' || e.code === 'Z_BUF_ERROR' ? new AppError('CW_ERR_UPLOAD_BAD_GZIP', 'the request body is not valid gzip data') : e);
    });
    gunzip.on('end', () => {
      if (settled) return;
      settled = true;
      if (inBytes === 0) reject(new AppError('CW_ERR_UPLOAD_BAD_GZIP', 'the request body is empty'));
      else resolve({ compressed: Buffer.concat(compressed), json: Buffer.concat(decompressed).toString('utf8'), decompressedBytes: outBytes });
    });
  });
}

export function bodyTooLarge(limit: number): AppError {
  return new AppError('CW_ERR_UPLOAD_BODY_TOO_LARGE', `the request body exceeds the limit of ${limit} bytes (upload.maxBodyBytes, COVERWATCH_UPLOAD_MAX_BODY_BYTES)`);
}

function decompressedTooLarge(limit: number): AppError {
  return new AppError(
    'CW_ERR_UPLOAD_DECOMPRESSED_TOO_LARGE',
    `the request body decompresses to more than the limit of ${limit} bytes (upload.maxDecompressedBytes, COVERWATCH_UPLOAD_MAX_DECOMPRESSED_BYTES)`,
  );
}
