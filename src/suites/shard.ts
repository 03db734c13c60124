import { createHash } from 'node:crypto';
import { InputError } from '../core/errors.ts';
import type { Case } from '../core/types.ts';

/** One shard of a run: 0-based `index` of `count` (0 ≤ index < count). */
export interface Shard {
  index: number;
  count: number;
}

/** Parses `--shard <i>/<n>` (0-based: 0 ≤ i < n, n ≥ 1). */
export function parseShard(value: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(value.trim());
  if (!m) throw new InputError(`must be <i>/<n> with a 0-based shard index i (0 ≤ i < n), got "${value}"`, { field: '--shard' });
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1 || index >= count) throw new InputError(`must satisfy 0 ≤ i < n (shards are 0-based), got "${value}"`, { field: '--shard' });
  return { index, count };
}

/**
 * The shard a case belongs to: sha256(suite digest + NUL + case id) mod n. The same suite digest and
 * n always give the same partition, whatever the sample or the order of the cases.
 */
export function shardOf(digest: string, caseId: string, count: number): number {
  const h = createHash('sha256').update(`${digest}\0${caseId}`).digest();
  return Number(h.readBigUInt64BE(0) % BigInt(count));
}

/** The cases of one shard, in the given order; all of them when `shard` is null or absent. */
export function shardCases(cases: Case[], digest: string, shard: Shard | null | undefined): Case[] {
  if (!shard || shard.count === 1) return cases;
  return cases.filter((c) => shardOf(digest, c.id, shard.count) === shard.index);
}
