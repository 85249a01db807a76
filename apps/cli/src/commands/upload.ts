import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import tls from 'node:tls';
import { createPathResolver, mergeReports, resolveReport, summarizeResolutions, type FormatId } from '@coverwatch/core';
import type { UploadEnvelope } from '@coverwatch/protocol';
import { detectCi } from '../ci/providers.js';
import { processEnvironment, type Env } from '../env/environment.js';
import { discoverReports } from '../discover.js';
import { EXIT } from '../exit-codes.js';
import { Git } from '../git.js';
import type { Io } from '../io.js';
import { collectReports, diagnosticWithoutContent, type CollectedReport } from '../upload/collect-reports.js';
import { resolveCommit } from '../upload/commit-info.js';
import { buildEnvelope, encodeEnvelope, type EncodedEnvelope } from '../upload/envelope.js';
import { proxyFor } from '../upload/http/proxy.js';
import { DEFAULT_RETRY } from '../upload/http/retry.js';
import type { TransportOptions } from '../upload/http/transport.js';
import { obtainIdToken, oidcAvailable } from '../upload/oidc-token.js';
import { oidcAudience, parseServerUrl } from '../upload/server-url.js';
import { UploadClient } from '../upload/upload-client.js';
import { UploadError } from '../upload/upload-error.js';
import { waitForProcessing } from '../upload/wait.js';
import { describeTotals } from '../upload/describe.js';
import { printable } from '../upload/printable.js';

export interface UploadOptions {
  readonly files: readonly string[];
  readonly format?: FormatId;
  readonly flags: readonly string[];
  readonly name?: string;
  readonly url?: string;
  readonly token?: string;
  readonly oidc: boolean;
  readonly dryRun: boolean;
  readonly wait: boolean;
  readonly waitTimeoutS: number;
  readonly jobId?: string;
  readonly caFile?: string;
  readonly sha?: string;
  readonly branch?: string;
  readonly slug?: string;
  readonly json: boolean;
  readonly allowInsecureHttp: boolean;
  readonly verbose: boolean;
  readonly softFail: boolean;
}

/**
 * `coverwatch upload`: parse locally, describe, send one gzip envelope, optionally wait for the
 * server's numbers. Reads the environment only through the allowlist (env/), runs git without a
 * shell, and never prints the credential.
 */
export async function uploadCommand(o: UploadOptions, io: Io): Promise<number> {
  const note = (s: string) => io.stderr.write(`coverwatch: ${s}\n`);
  try {
    return await upload(o, io, note);
  } catch (e) {
    if (!(e instanceof UploadError)) throw e;
    io.stderr.write(`coverwatch: upload failed (${e.kind}): ${e.message}\n`);
    if (o.softFail) {
      note(`--soft-fail: exiting 0 although the upload failed (exit code would have been ${e.exitCode})`);
      return EXIT.ok;
    }
    return e.exitCode;
  }
}

async function upload(o: UploadOptions, io: Io, note: (s: string) => void): Promise<number> {
  const env = io.env ?? processEnvironment();
  const sleep = io.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const ci = detectCi(env);
  note(ci.provider === 'local' ? 'CI: none detected (local run)' : `CI: ${ci.provider}`);

  const rawUrl = o.url ?? env.get('COVERWATCH_URL');
  const base = rawUrl === undefined ? null : parseServerUrl(rawUrl, o.allowInsecureHttp);
  if (base === null && !o.dryRun) throw new UploadError('config', 'no server URL: pass --url https://your-coverwatch or set COVERWATCH_URL');
  const token = (o.token ?? env.get('COVERWATCH_TOKEN'))?.trim();
  const useOidc = o.oidc || (token === undefined && oidcAvailable(env, ci));
  if (o.oidc && token !== undefined && o.token !== undefined) throw new UploadError('config', 'pass either --token or --oidc, not both');
  if (!useOidc && token === undefined && !o.dryRun) {
    throw new UploadError('config', 'no credential: set COVERWATCH_TOKEN (an upload token from your Coverwatch admin), or use --oidc on GitHub Actions / GitLab CI');
  }
  // A value that is not a Coverwatch token is some other secret put in the wrong variable: never send it.
  if (!useOidc && token !== undefined && !COVERWATCH_TOKEN.test(token)) {
    throw new UploadError('config', `COVERWATCH_TOKEN (or --token) does not look like a Coverwatch token (cw_up_...; got ${token.length} characters); it was not sent anywhere`);
  }

  const gitAt = new Git(io.cwd, env);
  const top = await gitAt.topLevel();
  const git = top === null ? null : new Git(top, env);
  if (git === null) note('not a git checkout: no file list is sent (report paths are kept as written)');

  const names = o.files.length > 0 ? [...o.files] : await findReports(io.cwd, note);
  if (names.length === 0) {
    io.stderr.write('coverwatch: no coverage report given (-f FILE) or found under the working directory\n');
    return EXIT.noReport;
  }
  const reports = await collectReports(names, io.cwd, o.format);
  for (const r of reports) for (const d of r.diagnostics) if (d.severity !== 'info') note(diagnosticWithoutContent(d));

  const commit = await resolveCommit(ci, git, { ...(o.sha !== undefined ? { sha: o.sha } : {}), ...(o.branch !== undefined ? { branch: o.branch } : {}), ...(o.slug ?? env.get('COVERWATCH_SLUG') ? { slug: (o.slug ?? env.get('COVERWATCH_SLUG'))! } : {}) });
  for (const n of commit.notes) note(n);

  const files = git ? await git.lsFiles() : null;
  if (files !== null) checkPaths(reports, files, note);

  const flags = o.flags.length > 0 ? o.flags : (env.get('COVERWATCH_FLAGS')?.split(',').map((f) => f.trim()).filter((f) => f !== '') ?? []);
  const name = o.name ?? env.get('COVERWATCH_NAME');
  const envelope = buildEnvelope({ commit, ci, flags, ...(name !== undefined ? { name } : {}), ...(o.jobId !== undefined ? { jobId: o.jobId } : {}), files, reports });
  const encoded = encodeEnvelope(envelope);
  const credentialLine = useOidc ? 'OIDC ID token' : token === undefined ? 'none (set COVERWATCH_TOKEN)' : `upload token ${redact(token)}`;

  if (o.dryRun) {
    if (o.json) io.stdout.write(encoded.json + '\n');
    else io.stdout.write(describeEnvelope(envelope, encoded, reports, commit.sources, base, credentialLine));
    note('--dry-run: nothing was sent');
    return EXIT.ok;
  }
  io.stderr.write(describeEnvelope(envelope, encoded, reports, commit.sources, base, credentialLine));

  const transportFor = await transports(o, env);
  const transport = transportFor(base!);
  const hooks = { sleep, random: Math.random };
  const credential = useOidc ? await obtainIdToken(env, ci, oidcAudience(base!), { transportFor, retry: DEFAULT_RETRY, hooks }) : token!;
  const log = o.verbose ? note : () => {};
  const refresh = useOidc && ci.provider === 'github-actions' && env.get('COVERWATCH_ID_TOKEN') === undefined
    ? () => obtainIdToken(env, ci, oidcAudience(base!), { transportFor, retry: DEFAULT_RETRY, hooks })
    : undefined;
  const client = new UploadClient({ base: base!, credential, transport, retry: DEFAULT_RETRY, hooks, log, ...(refresh ? { refreshCredential: refresh } : {}) });
  const accepted = await client.postUpload(encoded.gzip, randomUUID());
  const statusUrl = new URL(`api/v1/uploads/${accepted.id}`, base!).href;
  note(`uploaded: ${accepted.id} (${accepted.state}); status ${statusUrl}`);
  if (!o.wait) {
    if (o.json) io.stdout.write(JSON.stringify({ upload: { id: accepted.id, state: accepted.state, statusUrl } }, null, 2) + '\n');
    return EXIT.ok;
  }
  const status = await waitForProcessing(client, accepted.id, { timeoutMs: o.waitTimeoutS * 1000, sleep, now: Date.now, progress: note });
  if (o.json) {
    io.stdout.write(JSON.stringify({ upload: { id: status.id, state: status.state, statusUrl }, totals: status.totals, diagnostics: status.diagnostics }, null, 2) + '\n');
  } else {
    for (const d of status.diagnostics) if (d.severity !== 'info') note(`server: ${printable(diagnosticWithoutContent(d))}`);
    io.stdout.write(`processed ${printable(status.commitSha.slice(0, 12))} (${printable(status.repository, 200)}): ${status.totals ? describeTotals(status.totals) : 'no totals'}\n`);
  }
  return EXIT.ok;
}

async function findReports(cwd: string, note: (s: string) => void): Promise<string[]> {
  const found = await discoverReports(cwd);
  for (const f of found) note(`found ${f.path} (${f.why})`);
  return found.map((f) => f.path);
}

/** Resolves report paths as the server will; ambiguous paths stop the upload (a guess puts coverage on the wrong file). */
function checkPaths(reports: readonly CollectedReport[], files: readonly string[], note: (s: string) => void): void {
  const resolved = resolveReport(mergeReports(reports.map((r) => r.report)), createPathResolver(files));
  const counts = summarizeResolutions(resolved.explanations);
  note(`paths: ${resolved.explanations.length} report files, ${counts.exact} exact, ${counts.suffix} by suffix, ${counts.unmatched} unmatched, ${counts.ambiguous} ambiguous (against ${files.length} files of git ls-files)`);
  const unmatched = resolved.explanations.filter((e) => e.kind === 'unmatched');
  for (const e of unmatched.slice(0, 20)) note(`  unmatched: ${e.input} (left out of the totals; fix it with a path fix on the server)`);
  if (unmatched.length > 20) note(`  ... and ${unmatched.length - 20} more unmatched`);
  if (resolved.explanations.length > 0 && resolved.report.files.length === 0) {
    throw new UploadError('paths', `none of the ${resolved.explanations.length} report paths matches a file of this repository (git ls-files); is this the right checkout, or do the paths need a fix?`);
  }
  const ambiguous = resolved.diagnostics.filter((d) => d.code === 'CW_PATH_AMBIGUOUS');
  if (ambiguous.length > 0) throw new UploadError('paths', `ambiguous report paths:\n  ${ambiguous.map((d) => d.message).join('\n  ')}`);
}

/**
 * Transport settings per destination: the proxy is chosen for each host (NO_PROXY may name the
 * Coverwatch server and not GitHub's token service, or the reverse). The --ca-file CAs are trusted
 * for both: on GitHub Enterprise Server the token service sits behind the same private CA.
 */
async function transports(o: UploadOptions, env: Env): Promise<(target: URL) => TransportOptions> {
  const caFile = o.caFile ?? env.get('COVERWATCH_CA_FILE');
  let ca: string[] | undefined;
  if (caFile !== undefined) {
    let pem: string;
    try {
      pem = await readFile(caFile, 'utf8');
    } catch (e) {
      throw new UploadError('config', `--ca-file ${caFile}: cannot read (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
    }
    if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw new UploadError('config', `--ca-file ${caFile}: expected PEM certificates (-----BEGIN CERTIFICATE-----)`);
    ca = [...tls.rootCertificates, pem];
  }
  const settings = { httpsProxy: env.get('HTTPS_PROXY') ?? env.get('https_proxy'), noProxy: env.get('NO_PROXY') ?? env.get('no_proxy') };
  return (target) => {
    let proxy: URL | null;
    try {
      proxy = proxyFor(target, settings);
    } catch (e) {
      throw new UploadError('config', (e as Error).message);
    }
    return { ...(ca ? { ca } : {}), proxy, timeoutMs: 60_000 };
  };
}

/** The shape of a Coverwatch token: `cw_<kind>_` and base62 (the server checks the checksum). */
const COVERWATCH_TOKEN = /^cw_[a-z]{2,8}_[0-9A-Za-z]{20,200}$/;

/** `cw_up_…Ab12 (46 characters)`: enough to tell tokens apart, never enough to use one. Anything else: its length only. */
export function redact(token: string): string {
  const m = /^(cw_[a-z]{2,8}_)[0-9A-Za-z]{20,}$/.exec(token);
  return m ? `${m[1]}…${token.slice(-4)} (${token.length} characters)` : `(${token.length} characters)`;
}

function forkText(pr: NonNullable<UploadEnvelope['commit']['pullRequest']>): string {
  if (pr.fork === true) return `, from the fork ${pr.headRepository ?? '(not named by CI)'}`;
  if (pr.fork === false) return ', from this repository';
  return pr.headRepository !== undefined ? `, head in ${pr.headRepository}` : '';
}

function describeEnvelope(e: UploadEnvelope, enc: EncodedEnvelope, reports: readonly CollectedReport[], sources: Record<string, string>, base: URL | null, credential: string): string {
  const lines: string[] = [];
  const pr = e.commit.pullRequest;
  lines.push(`POST ${base ? new URL('api/v1/uploads', base).href : '(no --url)'}`);
  lines.push(`  credential: ${credential}, in the Authorization header only`);
  lines.push(`  body: ${enc.gzip.length} bytes gzip, ${Buffer.byteLength(enc.json)} bytes JSON, sha256 ${enc.sha256}`);
  lines.push(`commit ${e.commit.sha}${sources.sha ? ` (from ${sources.sha})` : ''}`);
  if (e.commit.mergeSha) lines.push(`  merge commit built by CI: ${e.commit.mergeSha}`);
  if (e.commit.branch) lines.push(`  branch ${e.commit.branch}${sources.branch ? ` (from ${sources.branch})` : ''}`);
  if (e.commit.parents) lines.push(`  parents ${e.commit.parents.join(', ')}`);
  if (pr) lines.push(`  pull request #${pr.number}${pr.baseBranch ? ` into ${pr.baseBranch}` : ''}${pr.baseSha ? `, base ${pr.baseSha}` : ''}${pr.mergeBaseSha ? `, merge-base ${pr.mergeBaseSha}` : ''}${forkText(pr)}`);
  if (e.repository) lines.push(`repository ${e.repository.slug}${sources.slug ? ` (from ${sources.slug})` : ''}`);
  if (e.ci) lines.push(`ci ${[e.ci.provider, e.ci.buildId && `build ${e.ci.buildId}`, e.ci.jobId && `job ${e.ci.jobId}`, e.ci.buildUrl].filter(Boolean).join(', ')}`);
  if (e.flags) lines.push(`flags ${e.flags.join(', ')}`);
  if (e.name) lines.push(`name ${e.name}`);
  lines.push(`files: ${e.files ? `${e.files.length} paths from git ls-files` : 'none (not a git checkout)'}`);
  lines.push(`reports: ${reports.length}`);
  for (const r of reports) lines.push(`  ${r.name}: ${r.format}, ${r.bytes.length} bytes, ${describeTotals(r.totals)}`);
  return lines.join('\n') + '\n';
}
