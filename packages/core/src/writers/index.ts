import type { Report } from '../model/report.js';
import { writeCobertura } from './cobertura.js';
import { writeCoverwatchJson } from './coverwatch-json.js';
import { writeLcov } from './lcov.js';

export const OUTPUT_FORMATS = ['lcov', 'cobertura', 'json'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** Serializes a report; yields text chunks so a large report is never one giant string. */
export function writeReport(report: Report, format: OutputFormat): Generator<string> {
  switch (format) {
    case 'lcov':
      return writeLcov(report);
    case 'cobertura':
      return writeCobertura(report);
    case 'json':
      return writeCoverwatchJson(report);
  }
}
