import type { FormatParser } from '../types.js';
import { detectJacoco } from './detect.js';
import { createJacocoParser } from './parse.js';

/** JaCoCo XML report (`jacoco.xml`). */
export const jacocoFormat: FormatParser = {
  id: 'jacoco',
  title: 'JaCoCo XML report',
  detect: detectJacoco,
  createParser: createJacocoParser,
};
