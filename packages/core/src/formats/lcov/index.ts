import type { FormatParser } from '../types.js';
import { detectLcov } from './detect.js';
import { createLcovParser } from './parse.js';

export const lcovFormat: FormatParser = {
  id: 'lcov',
  title: 'LCOV tracefile',
  detect: detectLcov,
  createParser: createLcovParser,
};
