import { DiagnosticSink, type Diagnostic } from '../model/diagnostics.js';
import type { FileCoverage } from '../model/file-coverage.js';
import { FileCoverageBuilder } from '../model/file-builder.js';
import { DEFAULT_LIMITS, type ParseLimits } from '../model/limits.js';
import { comparePaths, type Report } from '../model/report.js';
import type { PathResolution, PathResolver } from './resolver.js';

export interface ResolveReportOptions {
  /** Report file name for diagnostics. */
  readonly fileName?: string;
  /** Limits for merging files that resolve to the same path (default DEFAULT_LIMITS). */
  readonly limits?: ParseLimits;
  /** Most diagnostics recorded (the rest are counted in one CW_DIAGNOSTICS_TRUNCATED); default 200. */
  readonly maxDiagnostics?: number;
}

export interface ResolvedReport {
  /** Files renamed to their repository paths; ignored, unmatched, ambiguous and invalid files left out. */
  readonly report: Report;
  /** One resolution per file of the input report, in input order: what `paths explain` prints. */
  readonly explanations: PathResolution[];
  readonly diagnostics: Diagnostic[];
}

/**
 * Renames a report's files to repository paths with `resolver`.
 *
 * - `exact`/`suffix`: renamed; `unresolved` (no file list): renamed to the normalised, fixed path.
 * - Several files landing on one path are merged (counts add up, as in mergeReports) with a
 *   CW_PATH_MERGED diagnostic: info when they are spellings of one path (`./lib/x.js`, `lib/x.js`),
 *   a warning when different paths met by suffix (`/ci/src/lib.rs` and a dependency's
 *   `/cargo/serde/src/lib.rs`), since that is how a suffix match goes wrong.
 * - `ignored`: left out silently (the explanation says why).
 * - `unmatched`, `ambiguous`, `invalid`: left out, each with a warning (CW_PATH_UNMATCHED,
 *   CW_PATH_AMBIGUOUS listing the candidates, CW_PATH_INVALID) so no file disappears unnoticed.
 * - Normalisation flags on kept files (U+FFFD, control characters, `..` above the root) become
 *   warnings too. The resolver's configuration problems come first.
 */
export function resolveReport(report: Report, resolver: PathResolver, options: ResolveReportOptions = {}): ResolvedReport {
  const sink = new DiagnosticSink(options.fileName, options.maxDiagnostics ?? 200);
  for (const p of resolver.problems) sink.add(p.code, p.severity, p.message);
  const limits = options.limits ?? DEFAULT_LIMITS;

  const explanations: PathResolution[] = [];
  const byTarget = new Map<string, { files: FileCoverage[]; inputs: string[]; fixed: Set<string | null> }>();
  for (const file of report.files) {
    const r = resolver.resolve(file.path);
    explanations.push(r);
    const shown = JSON.stringify(file.path);
    switch (r.kind) {
      case 'ambiguous': {
        const more = r.candidateCount > r.candidates.length ? ` and ${r.candidateCount - r.candidates.length} more` : '';
        sink.warn('CW_PATH_AMBIGUOUS', `${shown} matches ${r.candidateCount} repository files: ${r.candidates.join(', ')}${more}; left out (add a fix to choose)`);
        continue;
      }
      case 'unmatched':
        sink.warn('CW_PATH_UNMATCHED', `${shown} matches no repository file; left out (add a fix or an ignore glob)`);
        continue;
      case 'invalid':
        sink.warn('CW_PATH_INVALID', `${shown} is not a usable path: ${r.reason}; left out`);
        continue;
      case 'ignored':
        continue;
      default:
        break;
    }
    for (const p of r.problems) sink.warn(p.code, `${shown}: ${p.message}`);
    const slot = byTarget.get(r.target);
    if (slot === undefined) byTarget.set(r.target, { files: [file], inputs: [file.path], fixed: new Set([r.fixed]) });
    else {
      slot.files.push(file);
      slot.inputs.push(file.path);
      slot.fixed.add(r.fixed);
    }
  }

  const targets = [...byTarget.keys()].sort(comparePaths);
  const files = targets.map((target) => {
    const { files: group, inputs, fixed } = byTarget.get(target)!;
    if (group.length === 1) return group[0]!.path === target ? group[0]! : { ...group[0]!, path: target };
    // Spellings of one path (`./a.c`, `a.c`) merging is expected; different paths meeting on one
    // repository file by suffix (a dependency's `src/lib.rs` and ours) deserves a warning.
    const severity = fixed.size === 1 ? 'info' : 'warning';
    const hint = fixed.size === 1 ? '' : ' (different paths: if one is not this file, add an ignore glob or a fix)';
    sink.add('CW_PATH_MERGED', severity, `${inputs.map((p) => JSON.stringify(p)).join(', ')} all resolve to ${JSON.stringify(target)}; their coverage was merged${hint}`);
    const b = new FileCoverageBuilder(target, limits, sink);
    for (const f of group) b.addFile(f);
    return b.build();
  });
  return { report: { files }, explanations, diagnostics: sink.finish() };
}
