import { rng } from '../metrics/stats.ts';

/** How the gaps between arrivals are drawn. */
export type ArrivalKind = 'poisson' | 'gamma';

/** What schedule to make. */
export interface ArrivalOptions {
  /** Target mean rate (requests/s), > 0. */
  rate: number;
  /** Number of arrivals. */
  count: number;
  kind: ArrivalKind;
  /** Gamma shape k > 0 (1 = Poisson; < 1 burstier, > 1 more regular). Ignored for poisson. */
  shape?: number;
  seed: number;
}

/**
 * A seeded arrival schedule: `count` send offsets (ms from the start, non-decreasing, the first at
 * 0). Gaps are independent draws with mean 1000/rate ms: exponential (a Poisson process) or gamma
 * of shape k and scale 1/(k·rate), whose coefficient of variation is 1/√k (k = 1 is Poisson).
 * Pure: the same options always give the same schedule.
 */
export function arrivalSchedule(o: ArrivalOptions): number[] {
  if (!(o.rate > 0) || !Number.isFinite(o.rate)) throw new RangeError(`rate must be > 0 req/s, got ${o.rate}`);
  if (!Number.isInteger(o.count) || o.count < 0) throw new RangeError(`count must be an integer ≥ 0, got ${o.count}`);
  const k = o.kind === 'poisson' ? 1 : (o.shape ?? 1);
  if (!(k > 0) || !Number.isFinite(k)) throw new RangeError(`gamma shape must be > 0, got ${k}`);
  const rand = rng(o.seed);
  const meanGapMs = 1000 / o.rate;
  const gap = k === 1 ? () => -Math.log(1 - rand()) : gammaSampler(k, rand);
  const out = new Array<number>(o.count);
  let t = 0;
  for (let i = 0; i < o.count; i++) {
    if (i > 0) t += (gap() / k) * meanGapMs;
    out[i] = t;
  }
  return out;
}

/** Gamma(k, 1) draws (mean k): Marsaglia–Tsang for k ≥ 1, boosted by U^(1/k) for k < 1. */
function gammaSampler(k: number, rand: () => number): () => number {
  const normal = normalSampler(rand);
  const a = k < 1 ? k + 1 : k;
  const d = a - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  const draw = (): number => {
    for (;;) {
      let x: number;
      let v: number;
      do {
        x = normal();
        v = 1 + c * x;
      } while (v <= 0);
      v = v * v * v;
      const u = 1 - rand(); // (0, 1]
      if (u < 1 - 0.0331 * x ** 4) return d * v;
      if (Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
    }
  };
  return k < 1 ? () => draw() * (1 - rand()) ** (1 / k) : draw;
}

/** Standard normal draws (Box–Muller, both values used). */
function normalSampler(rand: () => number): () => number {
  let spare: number | undefined;
  return () => {
    if (spare !== undefined) {
      const s = spare;
      spare = undefined;
      return s;
    }
    const u = 1 - rand();
    const r = Math.sqrt(-2 * Math.log(u));
    const th = 2 * Math.PI * rand();
    spare = r * Math.sin(th);
    return r * Math.cos(th);
  };
}
