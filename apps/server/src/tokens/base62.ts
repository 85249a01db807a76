export const BASE62_ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** `n` encoded in base62, left-padded with '0' to `width` characters. */
export function toBase62(n: number, width: number): string {
  let s = '';
  let v = n;
  do {
    s = BASE62_ALPHABET[v % 62]! + s;
    v = Math.floor(v / 62);
  } while (v > 0);
  return s.padStart(width, '0');
}
