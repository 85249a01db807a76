import type { FormatParser } from '../types.js';
import { detectGcovJson } from './detect.js';
import { createGcovJsonParser } from './parse.js';

/** gcov's JSON intermediate format (`gcov --json-format`, gcc 9+). */
export const gcovJsonFormat: FormatParser = {
  id: 'gcov-json',
  title: 'gcov JSON (gcov --json-format)',
  detect: detectGcovJson,
  createParser: createGcovJsonParser,
};
