import { createHash } from 'node:crypto';
import { createPathResolver, type PathResolver, type PathResolverOptions } from '@coverwatch/core';

/** Resolvers kept: the file lists of the few commits being processed at a time. */
const CACHE_SIZE = 4;

/**
 * Path resolvers by file list and rules. Indexing a 10k-file list takes 20-40 ms, more than
 * resolving a shard's paths against it, and the shards of one commit (CI matrix jobs) send the same
 * list: 20 shards index it once. A resolver holds no state besides its index and caches of its own
 * answers, so sharing one is the same as building it again.
 */
export class PathResolvers {
  private readonly cache = new Map<string, PathResolver>();

  get(files: readonly string[] | null, rules: Pick<PathResolverOptions, 'fixes' | 'ignore'>): PathResolver {
    const h = createHash('sha256');
    h.update(JSON.stringify([rules.fixes ?? [], rules.ignore ?? [], files === null]));
    for (const f of files ?? []) h.update('\0').update(f);
    const key = h.digest('hex');
    let r = this.cache.get(key);
    if (r !== undefined) {
      this.cache.delete(key);
    } else {
      r = createPathResolver(files, rules);
    }
    this.cache.set(key, r);
    if (this.cache.size > CACHE_SIZE) this.cache.delete(this.cache.keys().next().value!);
    return r;
  }
}
