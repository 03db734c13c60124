import { createHash } from 'node:crypto';
import type { Case } from '../core/types.ts';

/** Deterministic rank of a case under a seed and suite digest. */
function rankOf(seed: number, digest: string, id: string): string {
  return createHash('sha256').update(`${seed}\0${digest}\0${id}`).digest('hex');
}

/**
 * A stratified sample of `n` cases by scenario × indicator: each stratum gets its proportional share
 * (largest remainder), cases within a stratum picked by a seeded hash.
 * The same seed and suite digest always give the same cases, returned in suite order.
 */
export function stratifiedSample(cases: Case[], n: number, seed: number, digest: string): Case[] {
  if (n >= cases.length) return cases;
  const strata = new Map<string, Case[]>();
  for (const c of cases) {
    const k = `${c.scenario}\0${c.indicator}`;
    const list = strata.get(k);
    if (list) list.push(c);
    else strata.set(k, [c]);
  }
  const keys = [...strata.keys()].sort();
  const quota = new Map<string, number>();
  const rema: { k: string; r: number }[] = [];
  let given = 0;
  for (const k of keys) {
    const exact = (n * strata.get(k)!.length) / cases.length;
    const q = Math.floor(exact);
    quota.set(k, q);
    given += q;
    rema.push({ k, r: exact - q });
  }
  rema.sort((a, b) => b.r - a.r || a.k.localeCompare(b.k));
  for (let i = 0; given < n; i = (i + 1) % rema.length) {
    const k = rema[i].k;
    if (quota.get(k)! < strata.get(k)!.length) {
      quota.set(k, quota.get(k)! + 1);
      given++;
    }
  }
  const keep = new Set<string>();
  for (const k of keys) {
    const ranked = [...strata.get(k)!].sort((a, b) => (rankOf(seed, digest, a.id) < rankOf(seed, digest, b.id) ? -1 : 1));
    for (const c of ranked.slice(0, quota.get(k))) keep.add(c.id);
  }
  return cases.filter((c) => keep.has(c.id));
}

/** `k` case ids picked by a seeded hash (for the determinism re-asks). */
export function seededPick(ids: string[], k: number, seed: number, salt: string): string[] {
  return [...ids].sort((a, b) => (rankOf(seed, salt, a) < rankOf(seed, salt, b) ? -1 : 1)).slice(0, k);
}
