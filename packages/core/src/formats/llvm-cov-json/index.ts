import type { FormatParser } from '../types.js';
import { detectLlvmCovJson } from './detect.js';
import { createLlvmCovJsonParser } from './parse.js';

/** llvm-cov's JSON export (`llvm-cov export -format=text`), clang source-based coverage. */
export const llvmCovJsonFormat: FormatParser = {
  id: 'llvm-cov-json',
  title: 'llvm-cov export JSON',
  detect: detectLlvmCovJson,
  createParser: createLlvmCovJsonParser,
};
