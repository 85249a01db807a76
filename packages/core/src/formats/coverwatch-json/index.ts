import type { FormatParser } from '../types.js';
import { detectCoverwatchJson } from './detect.js';
import { createCoverwatchJsonParser } from './parse.js';

export const coverwatchJsonFormat: FormatParser = {
  id: 'coverwatch-json',
  title: 'Coverwatch normalized JSON',
  detect: detectCoverwatchJson,
  createParser: createCoverwatchJsonParser,
};
