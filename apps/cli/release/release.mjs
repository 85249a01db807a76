#!/usr/bin/env node
// Signs and verifies a release of the uploader: SHA256SUMS lists the SHA-256 of every bundle in
// apps/cli/dist (coverwatch.mjs, action.mjs) and SHA256SUMS.sig is an Ed25519 signature of that file
// (64 raw bytes, so OpenSSL 3 verifies it too). Node's own crypto only: this script must stay as
// small and dependency-free as what it signs. docs/uploader.md#signed-releases has the procedure.
//
//   node apps/cli/release/release.mjs keygen --out DIR            # coverwatch-release.key (0600) + .pub
//   node apps/cli/release/release.mjs sign --key FILE [--dist DIR]
//   node apps/cli/release/release.mjs verify --pub FILE [--dist DIR]
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const BUNDLES = ['action.mjs', 'coverwatch.mjs'];
const DEFAULT_DIST = fileURLToPath(new URL('../dist/', import.meta.url));

/** The SHA256SUMS text of the bundles in `dist` (the format `sha256sum -c` reads). */
export function checksums(dist) {
  return BUNDLES.map((name) => `${createHash('sha256').update(readFileSync(path.join(dist, name))).digest('hex')}  ${name}\n`).join('');
}

export function keygen(outDir) {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const keyFile = path.join(outDir, 'coverwatch-release.key');
  const pubFile = path.join(outDir, 'coverwatch-release.pub');
  writeFileSync(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
  writeFileSync(pubFile, publicKey.export({ type: 'spki', format: 'pem' }), { flag: 'wx' });
  return { keyFile, pubFile };
}

export function signRelease(keyFile, dist) {
  const key = createPrivateKey(readFileSync(keyFile));
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`${keyFile}: expected an Ed25519 private key, found ${key.asymmetricKeyType}`);
  const sums = checksums(dist);
  writeFileSync(path.join(dist, 'SHA256SUMS'), sums);
  writeFileSync(path.join(dist, 'SHA256SUMS.sig'), sign(null, Buffer.from(sums), key));
  return sums;
}

/** Problems found (empty: the signature is good and every bundle matches). */
export function verifyRelease(pubFile, dist) {
  const key = createPublicKey(readFileSync(pubFile));
  if (key.asymmetricKeyType !== 'ed25519') return [`${pubFile}: expected an Ed25519 public key, found ${key.asymmetricKeyType}`];
  const sums = readFileSync(path.join(dist, 'SHA256SUMS'));
  const signature = readFileSync(path.join(dist, 'SHA256SUMS.sig'));
  if (!verify(null, sums, key, signature)) return [`SHA256SUMS: the signature in SHA256SUMS.sig does not match it with the key ${pubFile}`];
  const problems = [];
  const listed = new Map(sums.toString('utf8').trim().split('\n').map((line) => [line.slice(66), line.slice(0, 64)]));
  for (const name of BUNDLES) {
    const expected = listed.get(name);
    if (expected === undefined) problems.push(`${name}: not listed in SHA256SUMS`);
    else if (createHash('sha256').update(readFileSync(path.join(dist, name))).digest('hex') !== expected) problems.push(`${name}: its SHA-256 differs from the signed SHA256SUMS (the file was changed after signing)`);
  }
  return problems;
}

function main(argv) {
  const [command, ...rest] = argv;
  const { values } = parseArgs({ args: rest, options: { out: { type: 'string' }, key: { type: 'string' }, pub: { type: 'string' }, dist: { type: 'string' } }, strict: true });
  const dist = values.dist ? path.resolve(values.dist) : DEFAULT_DIST;
  if (command === 'keygen' && values.out) {
    const { keyFile, pubFile } = keygen(path.resolve(values.out));
    console.log(`private key: ${keyFile} (keep it offline; never commit it)\npublic key: ${pubFile} (publish it)`);
    return 0;
  }
  if (command === 'sign' && values.key) {
    process.stdout.write(signRelease(path.resolve(values.key), dist));
    console.log(`signed: ${path.join(dist, 'SHA256SUMS.sig')}`);
    return 0;
  }
  if (command === 'verify' && values.pub) {
    const problems = verifyRelease(path.resolve(values.pub), dist);
    for (const p of problems) console.error(`coverwatch release: ${p}`);
    if (problems.length === 0) console.log(`OK: SHA256SUMS is signed by ${values.pub} and ${BUNDLES.join(', ')} match it`);
    return problems.length === 0 ? 0 : 1;
  }
  console.error('usage: release.mjs keygen --out DIR | sign --key FILE [--dist DIR] | verify --pub FILE [--dist DIR]');
  return 2;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (e) {
    console.error(`coverwatch release: ${e instanceof Error ? e.message : String(e)}`);
    process.exitCode = 2;
  }
}
