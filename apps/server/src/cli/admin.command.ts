import { createServices } from '../services.js';
import type { Config } from '../config/config.schema.js';
import { AppError } from '../errors/app-error.js';
import { openRuntime } from '../runtime.js';
import type { CliIo } from './cli-io.js';

export const ADMIN_USAGE = `coverwatch-server admin <command> [--json] [--data-dir DIR]
  create-org NAME                    create an organization
  create-repo OWNER/NAME             create a repository
  create-upload-token OWNER/NAME     create an upload token (write-only, one repository); printed once
  create-read-token OWNER/NAME       create a read token (read-only, one repository); printed once`;

/**
 * `coverwatch-server admin ...`: works beside a running server on the same data directory (SQLite
 * in WAL mode; writers wait for each other).
 */
export async function adminCommand(config: Config, args: readonly string[], json: boolean, io: CliIo): Promise<number> {
  const [sub, target, ...rest] = args;
  if (sub === undefined || target === undefined || rest.length > 0) throw new AppError('CW_ERR_CLI_USAGE', `usage:\n${ADMIN_USAGE}`);
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
      default:
        throw new AppError('CW_ERR_CLI_USAGE', `unknown admin command ${JSON.stringify(sub)}; usage:\n${ADMIN_USAGE}`);
    }
  } finally {
    await runtime.close();
  }
}
