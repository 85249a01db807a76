import type { FormatParser } from '../types.js';
import { detectClover } from './detect.js';
import { createCloverParser } from './parse.js';

/** Clover XML (istanbul/nyc/c8/jest `clover` reporter, PHPUnit, OpenClover). */
export const cloverFormat: FormatParser = {
  id: 'clover',
  title: 'Clover XML',
  detect: detectClover,
  createParser: createCloverParser,
};
