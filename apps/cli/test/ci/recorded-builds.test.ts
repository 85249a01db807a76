import { describe, expect, it } from 'vitest';
import { CI_PROVIDERS, detectCi } from '../../src/ci/providers.js';
import { environmentFrom } from '../../src/env/environment.js';
import { RECORDED } from './recorded/index.js';
import { REQUIRED_SCENARIOS, isAbsent } from './recorded/scenario.js';
import { recordingEnv } from './recording-env.js';

const scenarios = CI_PROVIDERS.flatMap((p) =>
  Object.entries(RECORDED[p.id]).flatMap(([name, s]) => (isAbsent(s) ? [] : [{ ...s, id: p.id, title: `${p.id}: ${name}` }])),
);

describe('recorded builds', () => {
  it.each(scenarios)('$title', ({ env, expected }) => {
    expect(detectCi(environmentFrom(env))).toEqual(expected);
  });

  it.each(CI_PROVIDERS)('$id records push, pull request, fork pull request, tag and re-run, or says why not', (p) => {
    const recorded = RECORDED[p.id];
    for (const name of REQUIRED_SCENARIOS) {
      const s = recorded[name];
      if (isAbsent(s)) expect(s.absent.length).toBeGreaterThan(20);
      else expect(s.expected.provider).toBe(p.id);
    }
  });

  it.each(scenarios)('$title is detected by its provider alone', ({ env, id, alsoDetectedBy }) => {
    const detecting = CI_PROVIDERS.filter((p) => p.detect(recordingEnv(env).env)).map((p) => p.id);
    expect(detecting).toEqual([id, ...(alsoDetectedBy ?? [])]);
  });

  it.each(scenarios)('$title: no provider reads a variable it does not declare', ({ env }) => {
    for (const p of CI_PROVIDERS) {
      const { env: recorder, asked } = recordingEnv(env);
      p.detect(recorder);
      p.read(recorder);
      expect([...asked].filter((name) => !p.variables.includes(name)), p.id).toEqual([]);
    }
  });

  it.each(scenarios)('$title: the result depends on the provider’s declared variables only', ({ env, id, expected }) => {
    const declared = new Set(CI_PROVIDERS.find((p) => p.id === id)!.variables);
    const own = Object.fromEntries(Object.entries(env).filter(([name]) => declared.has(name)));
    expect(detectCi(environmentFrom(own))).toEqual(expected);
  });

  it.each(scenarios)('$title: no secret value reaches the result', ({ env }) => {
    expect(JSON.stringify(detectCi(environmentFrom(env)))).not.toContain('SECRET-');
  });

  it.each(CI_PROVIDERS)('$id: the recorded builds carry secrets to ignore', (p) => {
    const sets = Object.values(RECORDED[p.id]).filter((s) => !isAbsent(s));
    expect(sets.filter((s) => !isAbsent(s) && Object.values(s.env).some((v) => v.includes('SECRET-'))).length).toBeGreaterThanOrEqual(sets.length - 1);
  });

  it.each(CI_PROVIDERS)('$id: every declared variable is read in some recorded build', (p) => {
    const read = new Set<string>();
    for (const s of Object.values(RECORDED[p.id])) {
      if (isAbsent(s)) continue;
      const { env, asked } = recordingEnv(s.env);
      if (p.detect(env)) p.read(env);
      for (const name of asked) read.add(name);
    }
    expect([...p.variables].filter((name) => !read.has(name))).toEqual([]);
  });
});
