import type { Measurement, ModelInfo } from '../core/types.ts';

/** Target load time (ms): from starting to load the model until it can serve (development.deployment.load-time). */
export const LOAD_TIME_TARGET_MS = 30_000;
/** Target resident memory taken by the loaded model (MB = 2^20 bytes; development.deployment.memory). */
export const MEMORY_TARGET_MB = 16_384;
/** Target on-disk size of the model artifact (bytes, 64 GiB; development.deployment.artifact-size). */
export const ARTIFACT_TARGET_BYTES = 64 * 2 ** 30;

const round = (x: number, digits = 4) => Math.round(x * 10 ** digits) / 10 ** digits;
const MiB = 2 ** 20;

/** One "smaller is better" figure against its target: 1 within the target, else target / actual. */
function within(indicator: string, id: string, actual: number | undefined, target: number, show: (x: number) => string, extra: Record<string, number | string>): Measurement | undefined {
  if (actual === undefined || !Number.isFinite(actual) || actual < 0) return undefined;
  const value = actual <= target ? 1 : round(target / actual);
  const pass = actual <= target;
  return { indicator, id, value, pass, reason: `${show(actual)} ${pass ? '≤' : '>'} ${show(target)}`, extra };
}

/**
 * The deployment footprint of the model under test as run-level measurements (development.deployment.*),
 * from what its adapter reported in ModelInfo. Each "smaller is better" figure scores 1 within its
 * target and target / actual above it: load time (`loadMs`, ms) against LOAD_TIME_TARGET_MS, resident
 * memory (`rssMb`, MB) against MEMORY_TARGET_MB, artifact size (`bytes`, its `digest` kept in extra)
 * against ARTIFACT_TARGET_BYTES.
 * Providers scores 1 when the execution provider actually used (`device`) is the one requested, else 0.
 * A figure the adapter did not report (an HTTP endpoint has no artifact or memory of its own) gives no
 * row. Pure: the caller stores the rows (addMeasurements).
 */
export function footprintMeasurements(info: ModelInfo, requestedDevice: string): Measurement[] {
  const rows: (Measurement | undefined)[] = [
    within('development.deployment.load-time', 'footprint:load-time', info.loadMs, LOAD_TIME_TARGET_MS, (x) => `${round(x, 1)} ms`, {
      load_ms: round(info.loadMs ?? 0, 1),
      target_ms: LOAD_TIME_TARGET_MS,
    }),
    within('development.deployment.memory', 'footprint:memory', info.rssMb, MEMORY_TARGET_MB, (x) => `${round(x, 1)} MB`, {
      rss_mb: round(info.rssMb ?? 0, 1),
      target_mb: MEMORY_TARGET_MB,
    }),
    within('development.deployment.artifact-size', 'footprint:artifact-size', info.bytes, ARTIFACT_TARGET_BYTES, (x) => `${round(x / MiB, 1)} MB`, {
      artifact_mb: round((info.bytes ?? 0) / MiB, 3),
      target_mb: ARTIFACT_TARGET_BYTES / MiB,
      ...(info.digest ? { digest: info.digest } : {}),
    }),
  ];
  if (info.device !== undefined) {
    const pass = info.device === requestedDevice;
    rows.push({
      indicator: 'development.deployment.providers',
      id: 'footprint:providers',
      value: pass ? 1 : 0,
      pass,
      reason: pass ? `ran on the requested provider ${requestedDevice}` : `requested ${requestedDevice}, ran on ${info.device}`,
      extra: { requested: requestedDevice, used: info.device },
    });
  }
  return rows.filter((m): m is Measurement => m !== undefined);
}
