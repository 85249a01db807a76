import type { AuditRecord } from '../../audit/chain.js';
import { detail, HOUR, type AlertRule } from '../alert.js';

/** Written by UploadsService.receive for every accepted upload. */
export const UPLOAD_EVENT = 'upload.received';

const noCi = (r: AuditRecord) => r.event === UPLOAD_EVENT && r.actor.type === 'token' && detail(r, 'ciProvider') === undefined;

/**
 * A stored upload token used without CI metadata (the envelope has no `ci.provider`): a token copied
 * to a laptop, or a script other than the uploader. One alert per token per day. OIDC uploads come
 * from CI by construction and are not looked at.
 */
export const uploadWithoutCi: AlertRule = {
  id: 'upload_without_ci',
  events: [UPLOAD_EVENT],
  history: { events: [UPLOAD_EVENT], lookbackMs: () => 24 * HOUR },
  evaluate(r, ctx) {
    const tokenId = r.actor.id;
    if (!noCi(r) || tokenId === undefined) return [];
    const earlier = ctx.window(r, [UPLOAD_EVENT], 24 * HOUR).filter((x) => x.seq < r.seq && noCi(x) && x.actor.id === tokenId);
    if (earlier.length > 0) return [];
    const repository = detail(r, 'repository') ?? r.target?.name ?? r.target?.id ?? null;
    return [
      {
        rule: this.id,
        severity: 'medium',
        title: `upload token ${tokenId} used without CI metadata${repository === null ? '' : ` for ${repository}`}`,
        key: `${this.id}:${tokenId}:${r.seq}`,
        details: { tokenId, repository, uploadId: detail(r, 'uploadId') ?? null },
      },
    ];
  },
};

/**
 * Uploads of one repository in the last hour reaching max(`uploadSpikeMinPerHour`,
 * `uploadSpikeFactor` × its hourly average over the `uploadSpikeBaselineHours` before that hour).
 */
export const uploadVolumeSpike: AlertRule = {
  id: 'upload_volume_spike',
  events: [UPLOAD_EVENT],
  history: { events: [UPLOAD_EVENT], lookbackMs: (t) => (t.uploadSpikeBaselineHours + 1) * HOUR },
  evaluate(r, ctx) {
    const repo = r.target?.id;
    if (repo === undefined) return [];
    const t = ctx.thresholds;
    const all = ctx.window(r, [UPLOAD_EVENT], (t.uploadSpikeBaselineHours + 1) * HOUR).filter((x) => x.target?.id === repo);
    const hourStart = new Date(Date.parse(r.time) - HOUR).toISOString();
    const lastHour = all.filter((x) => x.time >= hourStart).length;
    const baselinePerHour = (all.length - lastHour) / t.uploadSpikeBaselineHours;
    const threshold = Math.max(t.uploadSpikeMinPerHour, Math.ceil(t.uploadSpikeFactor * baselinePerHour));
    // Exactly at the threshold: once per spike, not once per upload of it.
    if (lastHour !== threshold) return [];
    const repository = detail(r, 'repository') ?? r.target?.name ?? repo;
    return [
      {
        rule: this.id,
        severity: 'medium',
        title: `${lastHour} uploads for ${repository} in an hour (baseline ${baselinePerHour.toFixed(1)} an hour)`,
        key: `${this.id}:${repo}:${r.seq}`,
        details: { repositoryId: repo, repository, uploadsLastHour: lastHour, baselinePerHour: baselinePerHour.toFixed(2), threshold },
      },
    ];
  },
};

const forkOnProtected = (r: AuditRecord) => r.event === UPLOAD_EVENT && r.details.protectedBranch === true && (r.details.fork === true || detail(r, 'oidcEvent') === 'pull_request_target');

/**
 * An upload from a fork's pull-request build (CI says the head is in another repository, or a
 * GitHub `pull_request_target` ID token, which runs fork PRs with the base repository's
 * credentials) naming a protected branch. The upload is recorded under `<fork owner>:<branch>` and
 * moves nothing, but CI systems withhold secrets from fork builds: a credential of this repository
 * reached code from outside it, or someone tried to write a protected branch's coverage. Once a day
 * per repository and head repository (a sharded build uploads many times).
 */
export const forkUploadProtectedBranch: AlertRule = {
  id: 'fork_upload_protected_branch',
  events: [UPLOAD_EVENT],
  history: { events: [UPLOAD_EVENT], lookbackMs: () => 24 * HOUR },
  evaluate(r, ctx) {
    const repo = r.target?.id;
    if (!forkOnProtected(r) || repo === undefined) return [];
    const head = detail(r, 'headRepository') ?? null;
    const same = (x: AuditRecord) => x.seq < r.seq && forkOnProtected(x) && x.target?.id === repo && (detail(x, 'headRepository') ?? null) === head;
    if (ctx.window(r, [UPLOAD_EVENT], 24 * HOUR).some(same)) return [];
    const repository = detail(r, 'repository') ?? r.target?.name ?? repo;
    const branch = detail(r, 'claimedBranch') ?? detail(r, 'branch') ?? null;
    const from = r.details.fork === true ? `the fork ${head ?? '(unnamed)'}` : 'a pull_request_target job';
    return [
      {
        rule: this.id,
        severity: 'high',
        title: `upload from ${from} named protected branch ${branch ?? '?'} of ${repository}`,
        key: `${this.id}:${repo}:${r.seq}`,
        details: {
          repositoryId: repo,
          repository,
          claimedBranch: branch,
          recordedBranch: detail(r, 'branch') ?? null,
          headRepository: head,
          oidcEvent: detail(r, 'oidcEvent') ?? null,
          commit: detail(r, 'commit') ?? null,
          uploadId: detail(r, 'uploadId') ?? null,
          tokenId: r.actor.type === 'token' ? (r.actor.id ?? null) : null,
        },
      },
    ];
  },
};
