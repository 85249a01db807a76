// Small shared pieces: the load of the machine, expected totals from core, statistics, logging.
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { mergeReports, parseReport, reportTotals } from '@coverwatch/core';

export const log = (msg) => process.stderr.write(`${msg}\n`);

/** The load averages (1, 5, 15 min) as `uptime` prints them: this machine is shared. */
export function load() {
  return loadavg().map((x) => Math.round(x * 100) / 100);
}

/** Core's totals of LCOV texts merged (one text: just its totals). */
export function coreTotals(lcovTexts) {
  const reports = lcovTexts.map((t, i) => {
    const r = parseReport(Buffer.from(t, 'utf8'), { fileName: `shard-${i}.info`, format: 'lcov' });
    if (r.status !== 'ok') throw new Error(`core could not read report ${i}: ${r.status}`);
    return r.report;
  });
  return reportTotals(reports.length === 1 ? reports[0] : mergeReports(reports)).totals;
}

/** Deep equality of two totals objects (plain JSON values). */
export function sameTotals(a, b) {
  return JSON.stringify(sortKeys(a)) === JSON.stringify(sortKeys(b));
}

function sortKeys(v) {
  if (v === null || typeof v !== 'object') return v;
  return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys(v[k])]));
}

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length === 0 ? NaN : s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export const round = (x, d = 0) => Math.round(x * 10 ** d) / 10 ** d;

export function mib(bytes) {
  return round(bytes / 2 ** 20, 2);
}

/** CPU time (user + system, ms) the processes have used so far, from /proc (Linux); null elsewhere. */
export function cpuMs(pids) {
  let total = 0;
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // Fields 14 and 15 of stat (utime, stime), in clock ticks of 10 ms (USER_HZ 100 on Linux).
      total += (Number(fields[11]) + Number(fields[12])) * 10;
    } catch {
      return null;
    }
  }
  return total;
}

/** Now on CLOCK_MONOTONIC in µs: the clock of V8 CPU profile samples (lib/profile-phases.mjs). */
export function hrUs() {
  return Number(process.hrtime.bigint() / 1000n);
}

/** Peak resident memory (VmHWM, MB) of the processes so far, from /proc (Linux); null elsewhere. */
export function peakRssMB(pids) {
  let peak = 0;
  for (const pid of pids) {
    try {
      const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (m) peak = Math.max(peak, Math.round(Number(m[1]) / 1024));
    } catch {
      return null;
    }
  }
  return peak;
}
