import type { FormatParser } from '../types.js';
import { detectIstanbulJson } from './detect.js';
import { createIstanbulJsonParser } from './parse.js';

/** istanbul `coverage-final.json` (nyc, c8, jest): see docs/formats/istanbul-json.md. */
export const istanbulJsonFormat: FormatParser = {
  id: 'istanbul-json',
  title: 'istanbul coverage-final.json (nyc, c8, jest)',
  detect: detectIstanbulJson,
  createParser: createIstanbulJsonParser,
};
