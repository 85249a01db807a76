import type { CiInfo, CiProviderId } from '../../../src/ci/ci-info.js';

/**
 * The recorded variable sets in this folder are reconstructed from each provider's documentation
 * and from public job logs, not captured verbatim: identifiers, hashes and secrets are made up
 * (secret values start with `SECRET-` so a test can look for them in results). Each set carries
 * the variables the provider sets in that kind of build, the ones we read and many we must not
 * (tokens, clone URLs with credentials, cloud keys that users add), including the empty values
 * providers set for unused fields.
 */
export interface Scenario {
  readonly env: Readonly<Record<string, string>>;
  /** What detectCi must return for `env`, whole. */
  readonly expected: CiInfo;
  /** Providers later in detection order whose own detect() also matches `env` (imitations). */
  readonly alsoDetectedBy?: readonly CiProviderId[];
}

/** Why the provider has no such build. */
export interface Absent {
  readonly absent: string;
}

/** Every provider records these (or says why it has none). */
export const REQUIRED_SCENARIOS = ['push', 'pull request', 'fork pull request', 'tag', 're-run'] as const;

export type Recorded = Readonly<Record<(typeof REQUIRED_SCENARIOS)[number], Scenario | Absent>> & Readonly<Record<string, Scenario | Absent>>;

export const isAbsent = (s: Scenario | Absent): s is Absent => 'absent' in s;
