import { describe, expect, it } from 'vitest';
import { DEFAULT_SCRYPT, nodeScryptFn, PasswordHasher } from './password-hasher.js';
import { commonPasswords, passwordProblem, PASSWORD_MAX_CHARS } from './password-policy.js';

describe('password policy', () => {
  it('12 characters minimum, 128 accepted unchanged, 129 refused, no composition rules', () => {
    expect(passwordProblem('a'.repeat(11) + 'b')).toBeNull();
    expect(passwordProblem('abcdefghijk')).toMatch(/at least 12/);
    expect(passwordProblem('x'.repeat(PASSWORD_MAX_CHARS))).toBeNull();
    expect(passwordProblem('x'.repeat(129))).toMatch(/at most 128/);
    expect(passwordProblem('   spaces   ')).toBeNull();
  });

  it('counts Unicode code points after NFC (emoji, combining marks)', () => {
    expect(passwordProblem('😀'.repeat(12))).toBeNull();
    expect(passwordProblem('😀'.repeat(11))).toMatch(/at least 12/);
    // 12 × "e + combining acute" is 24 code points before NFC, 12 after.
    expect(passwordProblem('e\u0301'.repeat(12))).toBeNull();
    expect(passwordProblem('é'.repeat(128))).toBeNull();
    expect(passwordProblem('e\u0301'.repeat(129))).toMatch(/at most 128/);
  });

  it('refuses the 10,000 most common passwords, case-insensitively', () => {
    // 10,000 entries; case variants (`Password`, `password`) fold into one.
    expect(commonPasswords().size).toBe(9913);
    expect(passwordProblem('qwerty123456')).toMatch(/most common/);
    expect(passwordProblem('1QAZ2WSX3EDC')).toMatch(/most common/);
    expect(passwordProblem('qwerty123457-not-common')).toBeNull();
  });
});

describe('password hashing', () => {
  it('defaults to the OWASP scrypt parameters (N=2^17, r=8, p=1) and round-trips', async () => {
    expect(DEFAULT_SCRYPT).toEqual({ ln: 17, r: 8, p: 1 });
    const h = new PasswordHasher();
    const stored = await h.hash('correct horse battery staple');
    expect(stored).toMatch(/^scrypt\$ln=17,r=8,p=1\$[A-Za-z0-9+/]{22}==\$[A-Za-z0-9+/]{43}=$/);
    expect(await h.verify('correct horse battery staple', stored)).toEqual({ ok: true, rehash: false });
    expect(await h.verify('correct horse battery stapl', stored)).toEqual({ ok: false, rehash: false });
  });

  it('NFC: the composed and decomposed spellings are the same password; salts differ', async () => {
    const h = new PasswordHasher({ ln: 10, r: 8, p: 1 });
    const a = await h.hash('caf\u00e9 au lait, s\u2019il vous pla\u00eet');
    expect((await h.verify('cafe\u0301 au lait, s\u2019il vous plai\u0302t', a)).ok).toBe(true);
    expect(await h.hash('same')).not.toBe(await h.hash('same'));
  });

  it('asks for a rehash when the stored parameters are weaker than the current ones', async () => {
    const old = await new PasswordHasher({ ln: 10, r: 8, p: 1 }).hash('a long enough password');
    const current = new PasswordHasher({ ln: 11, r: 8, p: 1 });
    expect(await current.verify('a long enough password', old)).toEqual({ ok: true, rehash: true });
    expect(await current.verify('wrong password entirely', old)).toEqual({ ok: false, rehash: false });
  });

  it('the dummy check and a malformed hash cost one derivation, like a real check', async () => {
    let n = 0;
    const h = new PasswordHasher({ ln: 10, r: 8, p: 1 }, (...a) => (n++, nodeScryptFn(...a)));
    await h.verifyDummy('x');
    expect(n).toBe(1);
    expect((await h.verify('x', 'not a hash')).ok).toBe(false);
    expect(n).toBe(2);
  });
});
