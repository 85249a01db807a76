import type { FormatParser } from '../types.js';
import { detectCobertura } from './detect.js';
import { createCoberturaParser } from './parse.js';

/** Cobertura XML (Cobertura, coverage.py, gcovr, istanbul/nyc/c8, coverlet...). */
export const coberturaFormat: FormatParser = {
  id: 'cobertura',
  title: 'Cobertura XML',
  detect: detectCobertura,
  createParser: createCoberturaParser,
};
