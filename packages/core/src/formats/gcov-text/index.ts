import type { FormatParser } from '../types.js';
import { detectGcovText } from './detect.js';
import { createGcovTextParser } from './parse.js';

/** Classic gcov text output (`<source>.gcov`), from gcc's gcov or `llvm-cov gcov`. */
export const gcovTextFormat: FormatParser = {
  id: 'gcov-text',
  title: 'gcov text (.gcov)',
  detect: detectGcovText,
  createParser: createGcovTextParser,
};
