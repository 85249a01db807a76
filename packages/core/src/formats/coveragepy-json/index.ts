import type { FormatParser } from '../types.js';
import { detectCoveragepyJson } from './detect.js';
import { createCoveragepyJsonParser } from './parse.js';

/** coverage.py `coverage json` report: see docs/formats/coveragepy-json.md. */
export const coveragepyJsonFormat: FormatParser = {
  id: 'coveragepy-json',
  title: 'coverage.py JSON report (coverage json)',
  detect: detectCoveragepyJson,
  createParser: createCoveragepyJsonParser,
};
