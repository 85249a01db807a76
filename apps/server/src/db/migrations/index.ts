import type { Migration, MigrationProvider } from 'kysely';
import * as m0001 from './0001-initial.js';
import * as m0002 from './0002-branches-pulls-flags.js';

/**
 * Every migration, in order, compiled into the server (no directory scan at run time: the list is
 * closed and the build has nothing to copy). Names sort in application order.
 */
export const MIGRATIONS: Readonly<Record<string, Migration>> = Object.freeze({ '0001-initial': m0001, '0002-branches-pulls-flags': m0002 });

export const migrationProvider: MigrationProvider = { getMigrations: async () => ({ ...MIGRATIONS }) };
