// Seeded pseudo-random numbers: the same seed always gives the same synthetic repository.

/** mulberry32: a small, fast 32-bit generator; returns floats in [0, 1). */
export function mulberry32(seed) {
  let a = seed >>> 0;
  return function next() {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Mixes integers into one 32-bit seed (a murmur3-style finalizer), so file i of seed s has its own stream. */
export function mix(...values) {
  let h = 0x9e3779b9;
  for (const v of values) {
    h = Math.imul(h ^ (v >>> 0), 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
  }
  return h >>> 0;
}

/** Helpers bound to one generator. */
export function rng(seed) {
  const next = mulberry32(seed);
  return {
    next,
    /** Integer in [lo, hi]. */
    int(lo, hi) {
      return lo + Math.floor(next() * (hi - lo + 1));
    },
    chance(p) {
      return next() < p;
    },
    pick(list) {
      return list[Math.floor(next() * list.length)];
    },
    /** Log-uniform integer in [1, max]: many small counts, a few huge ones, like real hit counts. */
    count(max) {
      return Math.max(1, Math.floor(Math.exp(next() * Math.log(max))));
    },
    /** Lowercase hex string of n characters. */
    hex(n) {
      let s = '';
      for (let i = 0; i < n; i++) s += '0123456789abcdef'[Math.floor(next() * 16)];
      return s;
    },
  };
}
