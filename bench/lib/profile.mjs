// Summarizes a V8 .cpuprofile (from `node --cpu-prof`): the functions with the most self time.
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

export function topFunctions(profilePath, limit = 12) {
  const p = JSON.parse(readFileSync(profilePath, 'utf8'));
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map();
  const dt = p.timeDeltas;
  let total = 0;
  for (let i = 0; i < p.samples.length; i++) {
    const n = byId.get(p.samples[i]);
    const d = dt[i] ?? 0;
    total += d;
    const cf = n.callFrame;
    const key = `${cf.functionName || '(anonymous)'} ${cf.url ? `${basename(cf.url)}:${cf.lineNumber + 1}` : ''}`.trim();
    self.set(key, (self.get(key) ?? 0) + d);
  }
  return [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([name, us]) => ({ name, ms: Math.round(us / 1000), percent: Math.round((us / total) * 1000) / 10 }));
}

if (process.argv[1] && import.meta.url.endsWith(basename(process.argv[1]))) {
  for (const f of process.argv.slice(2)) {
    console.log(f);
    for (const t of topFunctions(f, 20)) console.log(`  ${String(t.percent).padStart(5)}%  ${String(t.ms).padStart(6)} ms  ${t.name}`);
  }
}
