import type { FormatParser } from '../types.js';
import { detectGoCoverprofile } from './detect.js';
import { createGoCoverprofileParser } from './parse.js';

/** Go cover profile (`go test -coverprofile`), modes set, count and atomic. */
export const goCoverprofileFormat: FormatParser = {
  id: 'go-coverprofile',
  title: 'Go cover profile',
  detect: detectGoCoverprofile,
  createParser: createGoCoverprofileParser,
};
