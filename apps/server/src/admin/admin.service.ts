import { AppError } from '../errors/app-error.js';
import type { OrgsRepository } from '../orgs/orgs.repository.js';
import type { ReposRepository } from '../repos/repos.repository.js';
import { generateToken, hashToken, type TokenKind } from '../tokens/token-format.js';
import type { TokensRepository } from '../tokens/tokens.repository.js';

/** Organization names as on the big forges: letters, digits and inner hyphens, at most 39. */
export const ORG_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,37}[A-Za-z0-9])?$/;
/** Repository names: letters, digits, `.`, `_`, `-`, at most 100, not `.` or `..`. */
export const REPO_NAME = /^(?!\.\.?$)[A-Za-z0-9._-]{1,100}$/;

/** What `coverwatch-server admin` does: create organizations, repositories and tokens. */
export class AdminService {
  constructor(
    private readonly orgs: OrgsRepository,
    private readonly repos: ReposRepository,
    private readonly tokens: TokensRepository,
  ) {}

  async createOrg(name: string) {
    if (!ORG_NAME.test(name)) throw new AppError('CW_ERR_CLI_USAGE', `invalid organization name ${JSON.stringify(name)}: letters, digits and inner hyphens, at most 39`);
    if ((await this.orgs.findByName(name)) !== null) throw new AppError('CW_ERR_ORG_EXISTS', `organization ${name} exists`);
    return this.orgs.insert(name);
  }

  async createRepo(fullName: string) {
    const { owner, name } = splitFullName(fullName);
    if (!REPO_NAME.test(name)) throw new AppError('CW_ERR_CLI_USAGE', `invalid repository name ${JSON.stringify(name)}: letters, digits, ".", "_" and "-", at most 100`);
    const org = await this.orgs.findByName(owner);
    if (org === null) throw new AppError('CW_ERR_ORG_NOT_FOUND', `no organization ${owner}; create it first: coverwatch-server admin create-org ${owner}`);
    if ((await this.repos.findByFullName(owner, name)) !== null) throw new AppError('CW_ERR_REPO_EXISTS', `repository ${owner}/${name} exists`);
    return this.repos.insert(org.id, org.name, name);
  }

  /** Creates a token and returns it: the only time it exists outside the caller's hands. */
  async createToken(kind: TokenKind, fullName: string) {
    const { owner, name } = splitFullName(fullName);
    const repo = await this.repos.findByFullName(owner, name);
    if (repo === null) throw new AppError('CW_ERR_REPO_NOT_FOUND', `no repository ${owner}/${name}`);
    const token = generateToken(kind);
    const id = await this.tokens.insert(kind, hashToken(token), repo.id);
    return { id, kind, repository: repo.fullName, token };
  }
}

function splitFullName(fullName: string): { owner: string; name: string } {
  const parts = fullName.split('/');
  if (parts.length !== 2 || parts[0] === '' || parts[1] === '') throw new AppError('CW_ERR_CLI_USAGE', `expected owner/name, got ${JSON.stringify(fullName)}`);
  return { owner: parts[0]!, name: parts[1]! };
}
