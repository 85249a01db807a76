import type { FormatParser } from '../types.js';
import { detectOpenCover } from './detect.js';
import { createOpenCoverParser } from './parse.js';

/** OpenCover XML report (OpenCover, coverlet, AltCover). */
export const opencoverFormat: FormatParser = {
  id: 'opencover',
  title: 'OpenCover XML report',
  detect: detectOpenCover,
  createParser: createOpenCoverParser,
};
