// A buffered, synchronous file writer: writers append strings; about every MiB the buffer goes to
// disk, so a multi-gigabyte report is written with bounded memory.
import { closeSync, openSync, writeSync } from 'node:fs';

const FLUSH_AT = 1 << 20;

export class Sink {
  constructor(path) {
    this.fd = openSync(path, 'w');
    this.buf = '';
    this.bytes = 0;
  }

  s(text) {
    this.buf += text;
    if (this.buf.length >= FLUSH_AT) this.flush();
  }

  flush() {
    if (this.buf.length === 0) return;
    this.bytes += writeSync(this.fd, this.buf);
    this.buf = '';
  }

  close() {
    this.flush();
    closeSync(this.fd);
    return this.bytes;
  }
}

/** XML attribute escaping (paths and names here are plain ASCII, but stay correct anyway). */
export function xmlEscape(s) {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]);
}
