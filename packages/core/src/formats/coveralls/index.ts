import type { FormatParser } from '../types.js';
import { detectCoveralls } from './detect.js';
import { createCoverallsParser } from './parse.js';

/** Coveralls API JSON (`source_files`), as gcovr `--coveralls` writes it: see docs/formats/coveralls.md. */
export const coverallsFormat: FormatParser = {
  id: 'coveralls',
  title: 'Coveralls API JSON (source_files)',
  detect: detectCoveralls,
  createParser: createCoverallsParser,
};
