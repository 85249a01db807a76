import { describe, expect, it } from 'vitest';
import { contentKey, putContent, type BlobStore } from './blob-store.js';

/**
 * The behaviour every BlobStore must have. Run it against each implementation (filesystem now, S3
 * later) from that implementation's test file.
 */
export function blobStoreContract(name: string, make: () => Promise<BlobStore>): void {
  describe(`BlobStore contract: ${name}`, () => {
    it('stores, reads back, replaces and deletes', async () => {
      const store = await make();
      await store.check();
      expect(await store.get('raw/ab/missing')).toBeNull();
      expect(await store.has('raw/ab/missing')).toBe(false);
      await store.put('raw/ab/one', new TextEncoder().encode('first'));
      expect(new TextDecoder().decode((await store.get('raw/ab/one'))!)).toBe('first');
      await store.put('raw/ab/one', new TextEncoder().encode('second'));
      expect(new TextDecoder().decode((await store.get('raw/ab/one'))!)).toBe('second');
      expect(await store.has('raw/ab/one')).toBe(true);
      await store.delete('raw/ab/one');
      expect(await store.get('raw/ab/one')).toBeNull();
      await store.delete('raw/ab/one');
    });

    it('addresses content by its hash, once', async () => {
      const store = await make();
      const bytes = new Uint8Array([1, 2, 3]);
      const key = await putContent(store, 'coverage', bytes);
      expect(key).toBe(contentKey('coverage', bytes));
      expect(key).toMatch(/^coverage\/[0-9a-f]{2}\/[0-9a-f]{64}$/);
      expect(await putContent(store, 'coverage', new Uint8Array([1, 2, 3]))).toBe(key);
      expect([...(await store.get(key))!]).toEqual([1, 2, 3]);
    });

    it('reads ranges of a blob, and refuses ranges past its end', async () => {
      const store = await make();
      const bytes = new Uint8Array(100_000).map((_, i) => i % 251);
      await store.put('packs/ab/range', bytes);
      expect([...(await store.getRange('packs/ab/range', 0, 3))!]).toEqual([0, 1, 2]);
      expect([...(await store.getRange('packs/ab/range', 99_998, 2))!]).toEqual([99_998 % 251, 99_999 % 251]);
      const mid = (await store.getRange('packs/ab/range', 40_000, 30_000))!;
      expect(Buffer.from(mid).equals(Buffer.from(bytes.subarray(40_000, 70_000)))).toBe(true);
      expect(await store.getRange('packs/ab/absent', 0, 1)).toBeNull();
      await expect(store.getRange('packs/ab/range', 99_999, 2)).rejects.toThrow(/holds 1 of the 2 bytes/);
      await expect(store.getRange('packs/ab/range', 200_000, 2)).rejects.toThrow(/holds 0 of the 2 bytes/);
      await expect(store.getRange('packs/ab/range', -1, 2)).rejects.toThrow(/invalid range/);
    });

    it('refuses keys that could escape or be read differently', async () => {
      const store = await make();
      for (const bad of ['../x', '/abs', 'a/../../b', 'A/b', 'a//b', '', 'a/b\u0000']) {
        await expect(store.put(bad, new Uint8Array([0]))).rejects.toThrow(/invalid blob key/);
      }
    });

    it('keeps concurrent writers of one key whole', async () => {
      const store = await make();
      const a = new Uint8Array(200_000).fill(97);
      const b = new Uint8Array(200_000).fill(98);
      await Promise.all([store.put('raw/cc/same', a), store.put('raw/cc/same', b), store.put('raw/cc/same', a)]);
      const got = (await store.get('raw/cc/same'))!;
      expect(got.length).toBe(200_000);
      expect(new Set(got).size).toBe(1);
    });
  });
}
