import { DEFAULT_LIMITS } from '../model/limits.js';
import { decodeUtf8 } from '../text/text-decoder.js';

/**
 * Codes of the problems normalisation reports. The first three are fatal (the path becomes null);
 * the others are flags on a path that is still usable.
 */
export type PathProblemCode =
  | 'CW_PATH_EMPTY'
  | 'CW_PATH_NUL'
  | 'CW_PATH_TOO_LONG'
  | 'CW_PATH_ESCAPES_ROOT'
  | 'CW_PATH_INVALID_UNICODE'
  | 'CW_PATH_CONTROL_CHAR';

export interface PathProblem {
  readonly code: PathProblemCode;
  readonly message: string;
}

/** The outcome of {@link normalizePath}. */
export interface NormalizedPath {
  /** The normalised path: relative, `/`-separated, no empty, `.` or `..` segments, NFC. null when unusable. */
  readonly path: string | null;
  /** True when the input was rooted: `/x`, `C:\x`, `\\server\share\x` or a `file://` URI. */
  readonly absolute: boolean;
  readonly problems: readonly PathProblem[];
}

export interface NormalizeOptions {
  /** Longest accepted input, in UTF-16 code units (default: DEFAULT_LIMITS.maxPathLength). */
  readonly maxLength?: number;
}

const DRIVE_SEGMENT = /^[A-Za-z]:$/;
// `\\?\C:\x`, `\\.\C:\x` (Win32 device paths) and `\\?\UNC\server\share\x`.
const DEVICE_PREFIX = /^[\\/]{2}[?.][\\/](?:UNC[\\/][^\\/]+[\\/][^\\/]+(?=[\\/]|$))?/i;
// `\\server\share`: only with backslashes, since `//server/share` is an ordinary POSIX path.
const UNC_PREFIX = /^\\\\[^\\/]+\\[^\\/]+(?=[\\/]|$)/;
const FILE_URI = /^file:\/\/[^/]*/i;
// C0 controls and DEL: legal in git paths, but they make output ambiguous and terminals unsafe.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\x01-\x1f\x7f]/;
const NON_ASCII = /[\u0080-\uffff]/;

/**
 * Normalises a path as a coverage report or a repository file list writes it, without ever touching
 * a file system: the result is a key for matching, never something to open.
 *
 * Rules, in order (docs/paths.md, "Normalisation"):
 * 1. Longer than `maxLength` or containing NUL: rejected (a NUL truncates paths in C consumers).
 * 2. BOMs (U+FEFF) at the start and CR/LF at the end (of the path, and of every segment) are
 *    transport artefacts and are removed.
 * 3. Lone UTF-16 surrogates become U+FFFD; any U+FFFD (invalid UTF-8 upstream) is kept but flagged.
 * 4. A `file://` URI loses its scheme and host and is percent-decoded.
 * 5. Win32 device (`\\?\`) and UNC (`\\server\share`) prefixes are removed.
 * 6. Every backslash is a separator. This is unconditional on purpose: a conditional rule ("only if
 *    the path looks Windows-like") is not idempotent (`./a\b` would change on the second pass), and
 *    repository paths are normalised the same way, so a file really named `a\b` still matches.
 * 7. Segments: empty and `.` are dropped, `..` removes the previous segment. A `..` with nothing left
 *    to remove would climb out of the root: it is dropped and flagged (the rest of the path is still
 *    useful for suffix matching, e.g. gcov's `../src/x.c`).
 * 8. Leading drive segments (`C:`) are removed, so `C:\a\src\x.cs` becomes `a/src/x.cs`.
 * 9. Unicode NFC, so macOS NFD paths equal the NFC ones git usually stores.
 * The result is relative (a leading `/` is dropped; `absolute` remembers it). The function is
 * idempotent: normalising a normalised path returns it unchanged (property-tested).
 */
export function normalizePath(raw: string, options: NormalizeOptions = {}): NormalizedPath {
  const maxLength = options.maxLength ?? DEFAULT_LIMITS.maxPathLength;
  const problems: PathProblem[] = [];
  const fail = (code: PathProblemCode, message: string): NormalizedPath => {
    problems.push({ code, message });
    return { path: null, absolute: false, problems };
  };
  if (raw.length > maxLength) return fail('CW_PATH_TOO_LONG', `the path has ${raw.length} characters, more than the limit of ${maxLength}`);
  if (raw.includes('\0')) return fail('CW_PATH_NUL', 'the path contains a NUL character');

  let s = raw;
  let start = 0;
  while (start < s.length && s.charCodeAt(start) === 0xfeff) start++;
  let end = s.length;
  while (end > start && (s.charCodeAt(end - 1) === 13 || s.charCodeAt(end - 1) === 10)) end--;
  if (start > 0 || end < s.length) s = s.slice(start, end);

  let absolute = false;
  const uri = FILE_URI.exec(s);
  if (uri !== null) {
    absolute = true;
    s = percentDecode(s.slice(uri[0].length));
    // Decoding can produce a NUL (`%00`): the same truncation risk as a literal one.
    if (s.includes('\0')) return fail('CW_PATH_NUL', 'the path contains a NUL character (percent-encoded)');
  }
  const device = DEVICE_PREFIX.exec(s) ?? UNC_PREFIX.exec(s);
  if (device !== null) {
    absolute = true;
    s = s.slice(device[0].length);
  }

  s = toWellFormed(s);
  if (NON_ASCII.test(s)) s = s.normalize('NFC');

  const first = s.charCodeAt(0);
  if (first === 47 /* / */ || first === 92 /* \ */) absolute = true;
  const out: string[] = [];
  let escaped = 0;
  for (const rawSeg of s.split(/[\\/]/)) {
    // The BOM/CR clean-up is repeated per segment so the function stays idempotent: in `a\r/.` or
    // `/\ufeff` the artefact only reaches the end (or start) of the path after segments are resolved.
    const seg = rawSeg.replace(/^\ufeff+/, '').replace(/[\r\n]+$/, '');
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (out.length > 0) out.pop();
      else escaped++;
      continue;
    }
    out.push(seg);
  }
  // Drive letters are recognised as segments, after `.`/`..` handling, so that `./C:/x` and
  // `C:/x` normalise alike (a prefix test on the raw string would make the function non-idempotent).
  let drives = 0;
  while (drives < out.length && DRIVE_SEGMENT.test(out[drives]!)) drives++;
  if (drives > 0) {
    absolute = true;
    out.splice(0, drives);
  }
  if (escaped > 0) {
    problems.push({ code: 'CW_PATH_ESCAPES_ROOT', message: `the path climbs above its root with ${escaped} '..' segment(s); they were dropped` });
  }
  if (out.length === 0) return fail('CW_PATH_EMPTY', 'the path is empty after normalisation');
  const path = out.join('/');
  if (path.includes('\ufffd')) {
    problems.push({ code: 'CW_PATH_INVALID_UNICODE', message: 'the path contains U+FFFD: it was not valid UTF-8 (or UTF-16) where it came from' });
  }
  if (CONTROL.test(path)) problems.push({ code: 'CW_PATH_CONTROL_CHAR', message: 'the path contains control characters' });
  return { path, absolute, problems };
}

/** Replaces lone surrogates with U+FFFD (String.prototype.toWellFormed is ES2024, beyond our lib). */
function toWellFormed(s: string): string {
  if (!/[\ud800-\udfff]/.test(s)) return s;
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        out += s[i]! + s[i + 1]!;
        i++;
        continue;
      }
    }
    out += c >= 0xd800 && c <= 0xdfff ? '\ufffd' : s[i]!;
  }
  return out;
}

/** Decodes `%XX` runs as UTF-8 bytes; a malformed escape stays literal rather than failing the path. */
function percentDecode(s: string): string {
  if (!s.includes('%')) return s;
  return s.replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) => {
    const bytes = new Uint8Array(run.length / 3);
    for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(run.slice(i * 3 + 1, i * 3 + 3), 16);
    return decodeUtf8(bytes);
  });
}
