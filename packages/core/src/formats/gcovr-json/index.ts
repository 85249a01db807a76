import type { FormatParser } from '../types.js';
import { detectGcovrJson } from './detect.js';
import { createGcovrJsonParser } from './parse.js';

/** gcovr `--json` output: see docs/formats/gcovr-json.md. */
export const gcovrJsonFormat: FormatParser = {
  id: 'gcovr-json',
  title: 'gcovr JSON (gcovr --json)',
  detect: detectGcovrJson,
  createParser: createGcovrJsonParser,
};
