import type { UploadStatus } from '@coverwatch/protocol';
import type { UploadClient } from './upload-client.js';
import { UploadError } from './upload-error.js';
import { printable } from './printable.js';

/**
 * Polls the upload until the server has processed it (or failed to), with progress on stderr.
 * Polls back off from 1 s to 5 s: most uploads finish in a second or two.
 */
export async function waitForProcessing(
  client: UploadClient,
  id: string,
  o: { timeoutMs: number; sleep: (ms: number) => Promise<void>; now: () => number; progress: (s: string) => void },
): Promise<UploadStatus> {
  const started = o.now();
  let delay = 1000;
  let last = '';
  for (;;) {
    const status = await client.getUpload(id);
    if (status.state === 'processed') return status;
    if (status.state === 'failed') {
      const why = status.error ? printable(`${status.error.code}: ${status.error.message}`) : 'no reason given';
      throw new UploadError('server', `the server could not process upload ${id}: ${why}`, status.error?.code);
    }
    const elapsed = o.now() - started;
    if (status.state !== last || elapsed > 0) o.progress(`upload ${id}: ${printable(status.state, 20)} (${Math.round(elapsed / 1000)} s)`);
    last = status.state;
    if (elapsed + delay > o.timeoutMs) throw new UploadError('server', `upload ${id} was still ${status.state} after ${Math.round(o.timeoutMs / 1000)} s (--wait-timeout); it may still finish: see the status URL`);
    await o.sleep(delay);
    delay = Math.min(5000, delay * 1.5);
  }
}
