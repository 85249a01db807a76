import { createServices } from '../services.js';
import type { Config } from '../config/config.schema.js';
import { AppError } from '../errors/app-error.js';
import { openRuntime } from '../runtime.js';
import type { CliIo } from './cli-io.js';

export const ADMIN_USAGE = `coverwatch-server admin <command> [--json] [--data-dir DIR]
  create-org NAME                    create an organization
  create-repo OWNER/NAME             create a repository
  create-upload-token OWNER/NAME     create an upload token (write-only, one repository); printed once
  create-read-token OWNER/NAME       create a read token (read-only, one repository); printed once
  link-repo OWNER/NAME --issuer URL --repository-id N --owner-id M
                                     let CI OIDC ID tokens of that CI repository upload (no stored secret);
                                     GitHub: gh api repos/OWNER/NAME --jq '.id, .owner.id'
                                     GitLab: the project id and its namespace id`;

/** Options only `admin link-repo` takes; run.ts parses them with the global ones and refuses them elsewhere. */
export const LINK_REPO_OPTIONS = {
  issuer: { type: 'string' },
  'repository-id': { type: 'string' },
  'owner-id': { type: 'string' },
} as const;

export type LinkRepoFlags = Partial<Record<keyof typeof LINK_REPO_OPTIONS, string>>;

/**
 * `coverwatch-server admin ...`: works beside a running server on the same data directory (SQLite
 * in WAL mode; writers wait for each other).
 */
export async function adminCommand(config: Config, args: readonly string[], json: boolean, io: CliIo, linkFlags: LinkRepoFlags = {}): Promise<number> {
  const [sub, target, ...rest] = args;
  if (sub === undefined || target === undefined || rest.length > 0) throw new AppError('CW_ERR_CLI_USAGE', `usage:\n${ADMIN_USAGE}`);
  const given = Object.keys(linkFlags).filter((k) => linkFlags[k as keyof LinkRepoFlags] !== undefined);
  if (sub !== 'link-repo' && given.length > 0) throw new AppError('CW_ERR_CLI_USAGE', `--${given[0]} is an option of admin link-repo only; usage:\n${ADMIN_USAGE}`);
  if (sub === 'link-repo') {
    const missing = Object.keys(LINK_REPO_OPTIONS).filter((k) => linkFlags[k as keyof LinkRepoFlags] === undefined);
    if (missing.length > 0) throw new AppError('CW_ERR_CLI_USAGE', `admin link-repo needs ${missing.map((m) => `--${m}`).join(', ')}; usage:\n${ADMIN_USAGE}`);
  }
  const runtime = await openRuntime(config);
  try {
    const { admin } = createServices(config, runtime);
    const print = (value: object, human: string) => io.stdout.write(json ? JSON.stringify(value) + '\n' : human + '\n');
    switch (sub) {
      case 'create-org': {
        const org = await admin.createOrg(target);
        print({ id: org.id, name: org.name }, `created organization ${org.name}`);
        return 0;
      }
      case 'create-repo': {
        const repo = await admin.createRepo(target);
        print({ id: repo.id, name: repo.fullName }, `created repository ${repo.fullName}`);
        return 0;
      }
      case 'create-upload-token':
      case 'create-read-token': {
        const t = await admin.createToken(sub === 'create-upload-token' ? 'upload' : 'read', target);
        print(
          { id: t.id, kind: t.kind, repository: t.repository, token: t.token },
          `${t.kind} token for ${t.repository} (shown once; store it as a secret, e.g. COVERWATCH_TOKEN in CI):\n${t.token}`,
        );
        return 0;
      }
      case 'link-repo': {
        const l = await admin.linkRepo(target, { issuer: linkFlags.issuer!, repositoryId: linkFlags['repository-id']!, ownerId: linkFlags['owner-id']! });
        print(
          l,
          l.state === 'unchanged'
            ? `${l.repository} is already linked to ${l.kind} repository id ${l.repositoryId} (owner id ${l.ownerId}) at ${l.issuer}`
            : `${l.state === 'created' ? 'linked' : 'updated the owner id of the link of'} ${l.repository} to ${l.kind} repository id ${l.repositoryId} (owner id ${l.ownerId}) at ${l.issuer}; its CI can now upload with OIDC ID tokens`,
        );
        return 0;
      }
      default:
        throw new AppError('CW_ERR_CLI_USAGE', `unknown admin command ${JSON.stringify(sub)}; usage:\n${ADMIN_USAGE}`);
    }
  } finally {
    await runtime.close();
  }
}
