import { EventEmitter } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../src/cli/run.js';
import { startTestServer, type TestServer } from './test-server.js';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(() => s?.close());

async function admin(...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await run(
    {
      argv: ['admin', ...argv, '--json'],
      env: { COVERWATCH_DATA_DIR: s.config.dataDir, COVERWATCH_LOG_LEVEL: 'silent' },
      cwd: s.config.dataDir,
      stdout: { write: (t: string) => (stdout += t) },
      stderr: { write: (t: string) => (stderr += t) },
    },
    new EventEmitter(),
  );
  return { code, stderr, json: stdout === '' ? null : (JSON.parse(stdout) as Record<string, unknown>) };
}

describe('admin disable-user / enable-user', () => {
  it('disables and enables an account by email, says when nothing changed, and names an unknown email', async () => {
    const created = await admin('create-user', 'dave@example.test');
    expect(created.code).toBe(0);
    const userId = created.json!.userId;
    expect(await admin('disable-user', 'dave@example.test')).toMatchObject({ code: 0, json: { userId, state: 'disabled', changed: true, sessionsEnded: 0 } });
    expect(await admin('disable-user', 'DAVE@example.test')).toMatchObject({ code: 0, json: { state: 'disabled', changed: false } });
    expect(await admin('enable-user', 'dave@example.test')).toMatchObject({ code: 0, json: { state: 'enabled', changed: true } });
    const unknown = await admin('disable-user', 'nobody@example.test');
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toMatch(/CW_ERR_ACCOUNT_NOT_FOUND|no user with the email nobody@example.test/);
  });
});
