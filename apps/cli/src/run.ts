import { parseArgs, type ParseArgsConfig } from 'node:util';
import { FORMAT_IDS, OUTPUT_FORMATS, type FormatId, type OutputFormat } from '@coverwatch/core';
import { convertCommand } from './commands/convert.js';
import { pathsExplainCommand } from './commands/paths-explain.js';
import { reportCommand } from './commands/report.js';
import { EXIT, UsageError } from './exit-codes.js';
import type { Io } from './io.js';
import { VERSION } from './version.js';

export type { Io } from './io.js';

const USAGE = `Usage: coverwatch <command> [options]

Commands:
  report [files...]          Parse, merge and print coverage totals (per file and total)
  convert [files...] --to F  Write the merged report as lcov, cobertura or json
  paths explain [files...]   Show what each report path resolves to in the repository (needs --root)

Options:
  --format F            Skip detection and read every file as format F (${FORMAT_IDS.join(', ')})
  --root DIR            Resolve report paths against the git checkout at DIR (git ls-files)
  --fix RULE            Path fix "before::after" or "::prefix" (repeatable)
  --ignore GLOB         Drop files matching GLOB ("*" within a directory, "**" across; repeatable)
  --json                Machine-readable output
  --partials-as-hits    Count partially covered lines as hits (named in the output)
  --to F, -o FILE       convert: output format (${OUTPUT_FORMATS.join(', ')}) and file (default stdout)
  -h, --help            This help;  -v, --version  The version

With no files, reports are looked up under the working directory by their usual names.
Exit codes: 0 ok, 1 internal error, 2 usage error, 3 no report found, 4 report invalid or unreadable,
5 path resolution failed (not a git checkout, or an ambiguous path).
`;

const OPTIONS = {
  format: { type: 'string' },
  root: { type: 'string' },
  fix: { type: 'string', multiple: true },
  ignore: { type: 'string', multiple: true },
  json: { type: 'boolean' },
  'partials-as-hits': { type: 'boolean' },
  to: { type: 'string' },
  output: { type: 'string', short: 'o' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
} satisfies ParseArgsConfig['options'];

/** Runs one `coverwatch` invocation and returns its exit code. Never throws. */
export async function run(argv: readonly string[], io: Io): Promise<number> {
  try {
    return await dispatch(argv, io);
  } catch (e) {
    if (e instanceof UsageError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.stderr.write(`coverwatch: ${(e as Error).message}\nRun "coverwatch --help" for usage.\n`);
      return EXIT.usage;
    }
    io.stderr.write(`coverwatch: internal error: ${(e as Error).stack ?? String(e)}\n`);
    return EXIT.internal;
  }
}

async function dispatch(argv: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
  if (values.version) {
    io.stdout.write(`coverwatch ${VERSION}\n`);
    return EXIT.ok;
  }
  const [command, ...rest] = positionals;
  if (values.help || command === undefined || command === 'help') {
    io.stdout.write(USAGE);
    return command === undefined && !values.help ? EXIT.usage : EXIT.ok;
  }
  const format = values.format === undefined ? undefined : parseFormat(values.format);
  const common = {
    ...(format ? { format } : {}),
    ...(values.root !== undefined ? { root: values.root } : {}),
    fixes: values.fix ?? [],
    ignore: values.ignore ?? [],
  };
  switch (command) {
    case 'report':
      if (values.to !== undefined || values.output !== undefined) throw new UsageError('--to and -o belong to "convert"');
      return reportCommand({ files: rest, json: values.json ?? false, partialsAsHits: values['partials-as-hits'] ?? false, ...common }, io);
    case 'convert': {
      if (values.to === undefined) throw new UsageError(`convert needs --to (${OUTPUT_FORMATS.join(', ')})`);
      if (!(OUTPUT_FORMATS as readonly string[]).includes(values.to)) throw new UsageError(`--to must be one of ${OUTPUT_FORMATS.join(', ')}, not "${values.to}"`);
      return convertCommand({ files: rest, to: values.to as OutputFormat, ...(values.output !== undefined ? { output: values.output } : {}), ...common }, io);
    }
    case 'paths': {
      const [sub, ...files] = rest;
      if (sub !== 'explain') throw new UsageError(`unknown "paths" subcommand "${sub ?? ''}"; did you mean "paths explain"?`);
      if (values.root === undefined) throw new UsageError('paths explain needs --root DIR (a git checkout)');
      return pathsExplainCommand({ files, json: values.json ?? false, ...common, root: values.root }, io);
    }
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

function parseFormat(v: string): FormatId {
  if (!(FORMAT_IDS as readonly string[]).includes(v)) throw new UsageError(`--format must be one of ${FORMAT_IDS.join(', ')}, not "${v}"`);
  return v as FormatId;
}
