import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAdminCli, startTestServer, type TestServer } from './test-server.js';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(() => s?.close());

const admin = (...argv: string[]) => runAdminCli(s, ...argv);

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
