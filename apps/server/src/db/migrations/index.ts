import type { Migration, MigrationProvider } from 'kysely';
import * as m0001 from './0001-initial.js';
import * as m0002 from './0002-branches-pulls-flags.js';
import * as m0003 from './0003-oidc.js';
import * as m0004 from './0004-pull-merge-base.js';
import * as m0005 from './0005-retention-path-rules.js';
import * as m0006 from './0006-audit-log.js';
import * as m0007 from './0007-token-lifecycle.js';
import * as m0008 from './0008-accounts.js';
import * as m0009 from './0009-alerts.js';
import * as m0010 from './0010-report-uploads.js';
import * as m0011 from './0011-mfa.js';
import * as m0012 from './0012-orgs-roles.js';
import * as m0013 from './0013-throttle.js';
import * as m0014 from './0014-user-disable.js';
import * as m0015 from './0015-sso.js';
import * as m0016 from './0016-user-tokens.js';
import * as m0017 from './0017-alert-scope.js';
import * as m0018 from './0018-protected-branches.js';

/**
 * Every migration, in order, compiled into the server (no directory scan at run time: the list is
 * closed and the build has nothing to copy). Names sort in application order.
 */
export const MIGRATIONS: Readonly<Record<string, Migration>> = Object.freeze({
  '0001-initial': m0001,
  '0002-branches-pulls-flags': m0002,
  '0003-oidc': m0003,
  '0004-pull-merge-base': m0004,
  '0005-retention-path-rules': m0005,
  '0006-audit-log': m0006,
  '0007-token-lifecycle': m0007,
  '0008-accounts': m0008,
  '0009-alerts': m0009,
  '0010-report-uploads': m0010,
  '0011-mfa': m0011,
  '0012-orgs-roles': m0012,
  '0013-throttle': m0013,
  '0014-user-disable': m0014,
  '0015-sso': m0015,
  '0016-user-tokens': m0016,
  '0017-alert-scope': m0017,
  '0018-protected-branches': m0018,
});

export const migrationProvider: MigrationProvider = { getMigrations: async () => ({ ...MIGRATIONS }) };
