// When a contender stops repeating on one input. The best repetition counts, so every contender
// gets a comparable window of time to show its undisturbed speed in: at least `reps` repetitions
// and at least `minMs` of them (a 100 ms parse would otherwise have all its repetitions inside one
// second of this shared machine's slow stretches, while a 1 s contender's spread over 5-10 s), at
// most MAX_REPS, and none started once `budgetMs` is spent.
export const MAX_REPS = 30;

/** Whether the repetition that makes `done` repetitions in `elapsedMs` is the last one. */
export function isLastRep(done, elapsedMs, { reps, minMs = 0, budgetMs }) {
  return done >= Math.max(MAX_REPS, reps) || elapsedMs > budgetMs || (done >= reps && elapsedMs >= minMs);
}
