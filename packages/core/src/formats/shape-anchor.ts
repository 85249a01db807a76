import { encodeUtf8 } from '../text/text-decoder.js';
import type { StreamParser } from './types.js';

/**
 * Runs a small parse meant to be kept alive for the life of the process (see lcov/parse.ts for why:
 * the hidden classes of a parser's objects, and V8's code compiled for them, then outlive each
 * report instead of being thrown away and compiled again for the next one). Returns what to keep.
 *
 * The body is written `repeats` times so that the handlers' call sites get feedback from the
 * anchor's closures too: the first real report then makes them polymorphic in closures of one
 * function, and V8's code for them stops depending on one report's closures.
 */
export function anchorParse(parser: StreamParser, head: string, body: string, tail: string, repeats = 16): unknown {
  parser.write(encodeUtf8(head));
  const bytes = encodeUtf8(body);
  for (let i = 0; i < repeats; i++) parser.write(bytes);
  parser.write(encodeUtf8(tail));
  return [parser, parser.end()];
}
