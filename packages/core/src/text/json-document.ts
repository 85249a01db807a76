import type { DiagnosticSink } from '../model/diagnostics.js';
import { lineAt } from './json-item-stream.js';
import { decodeUtf8 } from './text-decoder.js';

/**
 * Collects a JSON document's bytes (up to `maxBytes`) and parses it with the engine's JSON.parse,
 * which is far faster than any JavaScript streaming parser. Bytes past the limit are refused with
 * one error diagnostic rather than buffered, so memory stays bounded.
 *
 * Formats whose bulk is one container of per-file entries stream instead (json-item-stream.ts):
 * memory then follows the largest entry, and each entry's objects die young.
 */
export class JsonDocument {
  private readonly chunks: Uint8Array[] = [];
  private size = 0;
  private overflow = false;

  constructor(
    private readonly sink: DiagnosticSink,
    private readonly maxBytes: number,
  ) {}

  write(chunk: Uint8Array): void {
    if (this.overflow) return;
    if (this.size + chunk.length > this.maxBytes) {
      this.overflow = true;
      this.chunks.length = 0;
      this.sink.error('CW_DOCUMENT_TOO_LARGE', `the JSON document is larger than the limit of ${this.maxBytes} bytes`);
      return;
    }
    this.chunks.push(chunk);
    this.size += chunk.length;
  }

  /** The document's bytes as one array. */
  private bytes(): Uint8Array {
    if (this.chunks.length === 1) return this.chunks[0]!;
    const bytes = new Uint8Array(this.size);
    let o = 0;
    for (const c of this.chunks) {
      bytes.set(c, o);
      o += c.length;
    }
    this.chunks.length = 0;
    if (bytes.length > 0) this.chunks.push(bytes);
    return bytes;
  }

  /** The parsed value, or undefined when the document was too large or is not valid JSON (diagnosed). */
  parse(): unknown {
    if (this.overflow) return undefined;
    const bytes = this.bytes();
    this.chunks.length = 0;
    const text = decodeUtf8(bytes);
    try {
      return JSON.parse(text) as unknown;
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      this.sink.error('CW_JSON_SYNTAX', `not valid JSON: ${msg.slice(0, 200)}`, lineAt(text, e));
      return undefined;
    }
  }
}
