import { parseArgs, type ParseArgsConfig } from 'node:util';
import { FORMAT_IDS, OUTPUT_FORMATS, type FormatId, type OutputFormat } from '@coverwatch/core';
import { convertCommand } from './commands/convert.js';
import { pathsExplainCommand } from './commands/paths-explain.js';
import { reportCommand } from './commands/report.js';
import { uploadCommand, type UploadOptions } from './commands/upload.js';
import { EXIT, UsageError } from './exit-codes.js';
import type { Io } from './io.js';
import { VERSION } from './version.js';

export type { Io } from './io.js';

const USAGE = `Usage: coverwatch <command> [options]

Commands:
  report [files...]          Parse, merge and print coverage totals (per file and total)
  convert [files...] --to F  Write the merged report as lcov, cobertura or json
  paths explain [files...]   Show what each report path resolves to in the repository (needs --root)
  upload [-f FILE ...]       Parse reports locally, then send them to a Coverwatch server (docs/uploader.md)

Options:
  --format F            Skip detection and read every file as format F (${FORMAT_IDS.join(', ')})
  --root DIR            Resolve report paths against the git checkout at DIR (git ls-files)
  --fix RULE            Path fix "before::after" or "::prefix" (repeatable)
  --ignore GLOB         Drop files matching GLOB ("*" within a directory, "**" across; repeatable)
  --json                Machine-readable output
  --partials-as-hits    Count partially covered lines as hits (named in the output)
  --to F, -o FILE       convert: output format (${OUTPUT_FORMATS.join(', ')}) and file (default stdout)
  -h, --help            This help;  -v, --version  The version

Upload options (environment variables in brackets; nothing else is read from the environment):
  -f, --file FILE       Report to upload (repeatable; default: found by name under the working directory)
  --flag F              Flag for this upload, e.g. unit (repeatable) [COVERWATCH_FLAGS, comma-separated]
  --name N              Name of this upload, e.g. the CI job [COVERWATCH_NAME]
  --url URL             The Coverwatch server, https:// [COVERWATCH_URL]
  --token T             Upload token [COVERWATCH_TOKEN; prefer the variable: arguments show in process lists]
  --oidc                Authenticate with the CI's OIDC ID token (default on GitHub Actions / GitLab CI without a token)
  --dry-run             Print what would be sent and send nothing (with --json: the exact envelope)
  --wait                Wait until the server has processed the upload and print its totals
  --wait-timeout S      Seconds --wait waits (default 300)
  --job ID              Job id (uploads of one job replace each other on re-runs)
  --sha SHA, --branch B, --slug OWNER/NAME   Override what CI and git say
  --ca-file F           Also trust the CA certificates in PEM file F [COVERWATCH_CA_FILE]
  --allow-insecure-http Allow http:// to a host other than this machine (sends the token in clear)
  --soft-fail           Exit 0 even when the upload fails (the default fails the CI step)
  --verbose             Print each request and response status (never the token)

With no files, reports are looked up under the working directory by their usual names.
Exit codes: 0 ok, 1 internal error, 2 usage error, 3 no report found, 4 report invalid or unreadable,
5 path resolution failed (not a git checkout, or an ambiguous path); upload: 6 configuration,
7 authentication, 8 network, 9 server refused or failed to process the upload.
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
  file: { type: 'string', short: 'f', multiple: true },
  flag: { type: 'string', multiple: true },
  name: { type: 'string' },
  url: { type: 'string' },
  token: { type: 'string' },
  oidc: { type: 'boolean' },
  'dry-run': { type: 'boolean' },
  wait: { type: 'boolean' },
  'wait-timeout': { type: 'string' },
  job: { type: 'string' },
  'ca-file': { type: 'string' },
  sha: { type: 'string' },
  branch: { type: 'string' },
  slug: { type: 'string' },
  'allow-insecure-http': { type: 'boolean' },
  'soft-fail': { type: 'boolean' },
  verbose: { type: 'boolean' },
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
  if (command !== 'upload') rejectUploadOptions(values, command);
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
    case 'upload':
      return uploadCommand(uploadOptions(values, rest, format), io);
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

type Values = ReturnType<typeof parseArgs<{ args: string[]; options: typeof OPTIONS; allowPositionals: true; strict: true }>>['values'];

const UPLOAD_ONLY = ['file', 'flag', 'name', 'url', 'token', 'oidc', 'dry-run', 'wait', 'wait-timeout', 'job', 'ca-file', 'sha', 'branch', 'slug', 'allow-insecure-http', 'soft-fail', 'verbose'] as const;

function uploadOptions(values: Values, positionals: readonly string[], format: FormatId | undefined): UploadOptions {
  for (const k of ['root', 'fix', 'ignore', 'to', 'output', 'partials-as-hits'] as const) {
    if (values[k] !== undefined) throw new UsageError(`--${k} does not apply to "upload" (path fixes and ignores are set on the server)`);
  }
  const waitTimeout = values['wait-timeout'] === undefined ? 300 : Number(values['wait-timeout']);
  if (!Number.isInteger(waitTimeout) || waitTimeout < 1 || waitTimeout > 86_400) throw new UsageError('--wait-timeout must be a whole number of seconds between 1 and 86400');
  const opt = <K extends string>(k: K, v: string | undefined) => (v === undefined ? {} : ({ [k]: v } as Record<K, string>));
  return {
    files: [...(values.file ?? []), ...positionals],
    ...(format ? { format } : {}),
    flags: values.flag ?? [],
    ...opt('name', values.name),
    ...opt('url', values.url),
    ...opt('token', values.token),
    oidc: values.oidc ?? false,
    dryRun: values['dry-run'] ?? false,
    wait: values.wait ?? false,
    waitTimeoutS: waitTimeout,
    ...opt('jobId', values.job),
    ...opt('caFile', values['ca-file']),
    ...opt('sha', values.sha),
    ...opt('branch', values.branch),
    ...opt('slug', values.slug),
    json: values.json ?? false,
    allowInsecureHttp: values['allow-insecure-http'] ?? false,
    verbose: values.verbose ?? false,
    softFail: values['soft-fail'] ?? false,
  };
}

function rejectUploadOptions(values: Values, command: string): void {
  for (const k of UPLOAD_ONLY) if (values[k] !== undefined) throw new UsageError(`--${k} belongs to "upload", not "${command}"`);
}

function parseFormat(v: string): FormatId {
  if (!(FORMAT_IDS as readonly string[]).includes(v)) throw new UsageError(`--format must be one of ${FORMAT_IDS.join(', ')}, not "${v}"`);
  return v as FormatId;
}
