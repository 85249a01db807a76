import type { FormatParser } from '../types.js';
import { detectSonarqubeGeneric } from './detect.js';
import { createSonarqubeGenericParser } from './parse.js';

/** SonarQube generic test coverage XML (gcovr `--sonarqube`, custom exporters). */
export const sonarqubeGenericFormat: FormatParser = {
  id: 'sonarqube-generic',
  title: 'SonarQube generic coverage XML',
  detect: detectSonarqubeGeneric,
  createParser: createSonarqubeGenericParser,
};
