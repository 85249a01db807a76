import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface TestCa {
  readonly dir: string;
  /** PEM of the private CA (what --ca-file gets). */
  readonly caFile: string;
  /** Key and certificate of 127.0.0.1, localhost and coverwatch.test (a name only the test proxy resolves), signed by the CA. */
  readonly key: string;
  readonly cert: string;
}

/** A throwaway private CA and a server certificate it signed, made with openssl for this test run. */
export async function makeTestCa(): Promise<TestCa> {
  const dir = mkdtempSync(path.join(tmpdir(), 'cw-ca-'));
  const f = (n: string) => path.join(dir, n);
  const openssl = (...args: string[]) => run('openssl', args, { cwd: dir });
  await openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('ca.key'), '-out', f('ca.pem'), '-days', '2', '-subj', '/CN=Coverwatch Test CA');
  await openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('server.key'), '-out', f('server.csr'), '-subj', '/CN=localhost');
  writeFileSync(f('san.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:coverwatch.test\n');
  await openssl('x509', '-req', '-in', f('server.csr'), '-CA', f('ca.pem'), '-CAkey', f('ca.key'), '-CAcreateserial', '-out', f('server.pem'), '-days', '2', '-extfile', f('san.ext'));
  return { dir, caFile: f('ca.pem'), key: readFileSync(f('server.key'), 'utf8'), cert: readFileSync(f('server.pem'), 'utf8') };
}
