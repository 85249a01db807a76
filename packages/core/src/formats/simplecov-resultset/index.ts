import type { FormatParser } from '../types.js';
import { detectSimplecovResultset } from './detect.js';
import { createSimplecovResultsetParser } from './parse.js';

/** SimpleCov `.resultset.json`: see docs/formats/simplecov-resultset.md. */
export const simplecovResultsetFormat: FormatParser = {
  id: 'simplecov-resultset',
  title: 'SimpleCov .resultset.json (Ruby)',
  detect: detectSimplecovResultset,
  createParser: createSimplecovResultsetParser,
};
