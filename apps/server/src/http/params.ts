import { z } from 'zod';
import { CommitShaSchema } from '@coverwatch/protocol';

/** Path and query pieces shared by the read routes. */
export const OwnerSchema = z.string().regex(/^[A-Za-z0-9-]{1,39}$/, 'an organization name');
export const RepoNameSchema = z.string().regex(/^[A-Za-z0-9._-]{1,100}$/, 'a repository name');

export const OrgParams = z.strictObject({ org: OwnerSchema });
export const RepoParams = z.strictObject({ owner: OwnerSchema, repo: RepoNameSchema });
export const CommitParams = z.strictObject({ owner: OwnerSchema, repo: RepoNameSchema, sha: CommitShaSchema });

// eslint-disable-next-line no-control-regex -- matching control characters is the point
const NO_CONTROL = /^[^\u0000-\u001f\u007f]*$/;

/** A repository path as stored (resolved, '/'-separated); leading and trailing slashes are ignored. */
export const RepoPathSchema = z
  .string()
  .max(4096)
  .regex(NO_CONTROL, 'no control characters')
  .transform((s) => s.replace(/^\/+|\/+$/g, ''));

export const offsetSchema = z.coerce.number().int().min(0).max(10_000_000).default(0);
export const limitSchema = (max: number, fallback: number) => z.coerce.number().int().min(1).max(max).default(fallback);

export const PageQuery = z.strictObject({ offset: offsetSchema, limit: limitSchema(1000, 100) });
