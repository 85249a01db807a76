/*
 * core compiles without DOM or Node types, but TextDecoder is a web standard present in every
 * runtime we support (Node >= 18, browsers). Declare just what we use.
 */
declare global {
  interface TextDecoderOptions {
    fatal?: boolean;
    ignoreBOM?: boolean;
  }
  interface TextDecodeOptions {
    stream?: boolean;
  }
  interface TextDecoder {
    decode(input?: Uint8Array, options?: TextDecodeOptions): string;
  }
  var TextDecoder: { new (label?: string, options?: TextDecoderOptions): TextDecoder };
  interface TextEncoder {
    encode(input?: string): Uint8Array;
  }
  var TextEncoder: { new (): TextEncoder };
}

/**
 * A streaming UTF-8 decoder. A BOM is dropped; invalid sequences become U+FFFD rather than errors,
 * so a stray byte in one path never loses the rest of a report (callers may warn on U+FFFD).
 */
export function utf8Decoder(): (chunk: Uint8Array | null) => string {
  const d = new TextDecoder('utf-8', { fatal: false, ignoreBOM: false });
  return (chunk) => (chunk === null ? d.decode() : d.decode(chunk, { stream: true }));
}

/** Decodes a whole buffer. */
export function decodeUtf8(bytes: Uint8Array): string {
  return new TextDecoder('utf-8', { fatal: false, ignoreBOM: false }).decode(bytes);
}

export function encodeUtf8(s: string): Uint8Array {
  return new TextEncoder().encode(s);
}
