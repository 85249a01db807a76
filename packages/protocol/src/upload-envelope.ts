import { z } from 'zod';

/**
 * The upload envelope: what `coverwatch upload` sends (gzip-compressed JSON) to `POST /api/v1/uploads`.
 * Every string and list is bounded so a hostile client cannot make the server hold unbounded data
 * before validation fails. The server re-checks `reports[].format` against core's closed format list
 * (the protocol depends on nothing of ours, so it only fixes the spelling here).
 */

/** A full git object id: SHA-1 (40 hex) or SHA-256 (64 hex), lower case. */
export const CommitShaSchema = z.string().regex(/^(?:[0-9a-f]{40}|[0-9a-f]{64})$/, 'expected a full lower-case hex commit sha (40 or 64 characters)');

/** Control characters (C0 and DEL): never in names that end up in logs, terminals and HTML. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f]/;
const noControl = (s: string) => !CONTROL.test(s);

/** Branch names as git allows them, bounded; no control characters. */
export const BranchNameSchema = z.string().min(1).max(255).refine(noControl, 'no control characters');

/** Flags group uploads (`unit`, `integration`, `py3.12`): short, one safe alphabet. */
export const FlagSchema = z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'letters, digits, ".", "_" and "-" only, at most 64');

/** `OWNER/NAME` (GitLab groups may nest: `group/sub/project`). */
export const RepositorySlugSchema = z
  .string()
  .max(512)
  .regex(/^[A-Za-z0-9_.-]+(?:\/[A-Za-z0-9_.-]+)+$/, 'expected OWNER/NAME');

/** Most reports in one upload, and most entries in the repository file list. */
export const ENVELOPE_LIMITS = Object.freeze({ maxReports: 100, maxFlags: 20, maxRepositoryFiles: 1_000_000, maxPathLength: 4096 });

const shortText = (max: number) => z.string().min(1).max(max).refine(noControl, 'no control characters');

export const UploadReportSchema = z.strictObject({
  /** File name of the report as found on the CI machine; used in diagnostics only. */
  name: shortText(1024),
  /** Format id (core's list); absent = detect from the content. */
  format: z.string().regex(/^[a-z0-9-]{1,40}$/, 'a format id such as "lcov"').optional(),
  /** The raw report bytes, base64 (standard alphabet, padded). */
  data: z.string().max(512 * 1024 * 1024).regex(/^[A-Za-z0-9+/]*={0,2}$/, 'standard base64'),
});

export const UploadEnvelopeSchema = z.strictObject({
  version: z.literal(1),
  commit: z.strictObject({
    /** The commit the coverage belongs to. On pull-request builds: the PR head, not CI's temporary merge commit. */
    sha: CommitShaSchema,
    /** On pull-request builds that check out a temporary merge commit (GitHub's refs/pull/N/merge): that commit. */
    mergeSha: CommitShaSchema.optional(),
    branch: BranchNameSchema.optional(),
    parents: z.array(CommitShaSchema).max(16).optional(),
    pullRequest: z
      .strictObject({
        number: z.number().int().positive().max(2 ** 31 - 1),
        baseBranch: BranchNameSchema.optional(),
        /** The base branch's head as CI saw it. */
        baseSha: CommitShaSchema.optional(),
        /** `git merge-base` of the head and the base: the commit patch coverage compares against. */
        mergeBaseSha: CommitShaSchema.optional(),
        /**
         * Whether the PR's head lives in another repository (a fork), as CI says; absent when CI does
         * not say. The server records a fork's branch as `<fork owner>:<branch>` so it never moves the
         * base repository's branch of the same name, and alerts when it names a protected one.
         */
        fork: z.boolean().optional(),
        /** `OWNER/NAME` of the repository holding the PR head, when CI names it. */
        headRepository: RepositorySlugSchema.optional(),
      })
      .optional(),
  }),
  /** `OWNER/NAME` as CI names it; the server checks it against the repository the credential is bound to. */
  repository: z.strictObject({ slug: RepositorySlugSchema }).optional(),
  /** The uploader that built this envelope (shown with the upload, for support). */
  uploader: z.strictObject({ name: shortText(64), version: shortText(64) }).optional(),
  ci: z
    .strictObject({
      provider: z.string().regex(/^[a-z0-9-]{1,40}$/, 'a provider id such as "github-actions"').optional(),
      buildId: shortText(255).optional(),
      buildUrl: z.url({ protocol: /^https?$/ }).max(2048).optional(),
      jobId: shortText(255).optional(),
    })
    .optional(),
  flags: z.array(FlagSchema).max(ENVELOPE_LIMITS.maxFlags).optional(),
  /** A name for this upload, shown in the UI (e.g. the CI job name). */
  name: shortText(255).optional(),
  /** The repository's file list (`git ls-files`), against which report paths are resolved. */
  files: z.array(z.string().min(1).max(ENVELOPE_LIMITS.maxPathLength)).max(ENVELOPE_LIMITS.maxRepositoryFiles).optional(),
  reports: z.array(UploadReportSchema).min(1).max(ENVELOPE_LIMITS.maxReports),
});

export type UploadEnvelope = z.infer<typeof UploadEnvelopeSchema>;
export type UploadReport = z.infer<typeof UploadReportSchema>;
