import path from 'node:path';
import { AppError, type FieldProblem } from '../errors/app-error.js';
import { CONFIG_SOURCES, ConfigSchema, type Config } from './config.schema.js';
import { parseIssuersEnv } from './oidc-issuers-env.js';
import { productionProblems } from './production-checks.js';

/** Everything the loader reads, passed in: the loader itself touches no global state. */
export interface ConfigInputs {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Values of command-line flags by flag name (`port`, `data-dir`, `config`). */
  readonly flags?: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  /** Reads a file as UTF-8 (the config file, `*_FILE` secrets); throws when it cannot. */
  readonly readFile: (file: string) => string;
}

/**
 * Builds the configuration: defaults < config file (`--config` or COVERWATCH_CONFIG, JSON) <
 * COVERWATCH_* environment < flags. Validated once against ConfigSchema; every problem is collected
 * and thrown together as CW_ERR_CONFIG_INVALID. The result is deeply frozen.
 */
export function loadConfig(inputs: ConfigInputs): Config {
  const problems: FieldProblem[] = [];
  let raw: Record<string, unknown> = {};
  const file = inputs.flags?.config ?? inputs.env.COVERWATCH_CONFIG;
  if (file !== undefined && file !== '') {
    try {
      const parsed: unknown = JSON.parse(inputs.readFile(path.resolve(inputs.cwd, file)));
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) problems.push({ path: `config file ${file}`, message: 'expected a JSON object' });
      else raw = parsed as Record<string, unknown>;
    } catch (e) {
      // The message of a JSON or file-system error names the file and the position, never its contents.
      problems.push({ path: `config file ${file}`, message: (e as Error).message });
    }
  }
  for (const source of CONFIG_SOURCES) {
    let text = inputs.env[source.env];
    let from = source.env;
    const fileVar = `${source.env}_FILE`;
    if (source.secret && inputs.env[fileVar]) {
      if (text !== undefined) problems.push({ path: fileVar, message: `set either ${source.env} or ${fileVar}, not both` });
      try {
        text = inputs.readFile(path.resolve(inputs.cwd, inputs.env[fileVar]!)).trim();
        from = fileVar;
      } catch (e) {
        problems.push({ path: fileVar, message: `cannot read: ${(e as NodeJS.ErrnoException).code ?? 'error'}` });
      }
    }
    if (source.flag !== undefined && inputs.flags?.[source.flag] !== undefined) {
      text = inputs.flags[source.flag];
      from = `--${source.flag}`;
    }
    if (text === undefined || text === '') continue;
    const converted = convert(text, source.type);
    if ('error' in converted) {
      problems.push({ path: from, message: converted.error });
      continue;
    }
    setPath(raw, source.path, converted.value);
  }
  const result = ConfigSchema.safeParse(raw);
  if (!result.success) {
    for (const issue of result.error.issues) {
      const dotted = issue.path.map(String).join('.');
      // `oidc.issuers.0.kind` came from the source of `oidc.issuers`.
      const source = CONFIG_SOURCES.find((s) => dotted === s.path.join('.') || dotted.startsWith(`${s.path.join('.')}.`));
      problems.push({ path: source ? `${dotted} (${source.env})` : dotted || '(root)', message: issue.message });
    }
  }
  if (result.success && result.data.mode === 'production') problems.push(...productionProblems(result.data));
  if (problems.length > 0 || !result.success) {
    throw new AppError('CW_ERR_CONFIG_INVALID', `invalid configuration:\n${problems.map((p) => `  ${p.path}: ${p.message}`).join('\n')}`, problems);
  }
  const config = { ...result.data, dataDir: path.resolve(inputs.cwd, result.data.dataDir) };
  return deepFreeze(config);
}

function convert(text: string, type: (typeof CONFIG_SOURCES)[number]['type']): { value: unknown } | { error: string } {
  switch (type) {
    case 'string':
      return { value: text };
    case 'boolean':
      return text === 'true' || text === '1' ? { value: true } : text === 'false' || text === '0' ? { value: false } : { error: 'expected true or false' };
    case 'int':
      return /^-?\d+$/.test(text) ? { value: Number(text) } : { error: 'expected an integer' };
    case 'issuers':
      return parseIssuersEnv(text);
    case 'list':
      return { value: text.split(',').map((x) => x.trim()).filter((x) => x !== '') };
  }
}

function setPath(target: Record<string, unknown>, keys: readonly string[], value: unknown): void {
  let node = target;
  for (const k of keys.slice(0, -1)) {
    const next = node[k];
    if (next === null || typeof next !== 'object' || Array.isArray(next)) node[k] = {};
    node = node[k] as Record<string, unknown>;
  }
  node[keys[keys.length - 1]!] = value;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
