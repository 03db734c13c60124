import { addMeasurements } from '../runners/measurements.ts';
import { footprintMeasurements } from '../runners/footprint.ts';
import { runLoads, type LoadResult } from '../runners/load.ts';
import { loadMeasurements } from '../runners/load-measure.ts';
import { recordConformance } from './commands/conformance.ts';
import type { ModelSpec } from '../runners/models.ts';
import type { Adapter, Case, ModelInfo, Profile, Suite } from '../core/types.ts';

/** What the run-level measurements of `run` need. */
export interface RunMeasureInput {
  dir: string;
  adapter: Adapter;
  spec: ModelSpec;
  model: ModelInfo;
  suite: Suite;
  cases: Case[];
  profile: Profile;
  /** The execution provider asked for (--device). */
  device: string;
  seed: number;
  /** Harness-owned limit per call (ms). */
  timeoutMs: number;
  /** Run the suite's `loads:` scenarios (`run --loads`). */
  loads: boolean;
  /** openai: models: check the endpoint's conformance (`run --conformance`). */
  conformance: boolean;
  /** openai: models: for the endpoint conformance checks. */
  modelName?: string;
  apiKey?: string;
  signal: AbortSignal;
  err: (s: string) => void;
}

/**
 * The run-level measurements `run` adds to the bundle after its cases (measurements.json):
 * the deployment footprint (development.deployment.*) of the model as opened; for an `openai:`
 * endpoint with `--conformance`, its conformance checks (application.*); with `--loads`, the suite's `loads:` scenarios
 * (operations.*), a broken load rule making the operations dimension INVALID.
 */
export async function measureRun(m: RunMeasureInput): Promise<{ loads: LoadResult[] }> {
  addMeasurements(m.dir, footprintMeasurements(m.model, m.device), { footprint: { loadMs: m.model.loadMs ?? null, rssMb: m.model.rssMb ?? null, bytes: m.model.bytes ?? null, digest: m.model.digest ?? null, device: m.model.device ?? null } });
  if (m.spec.kind === 'openai' && m.conformance && !m.signal.aborted) {
    const { result } = await recordConformance(m.dir, m.spec.baseUrl, { modelName: m.modelName ?? (m.model.id || undefined), apiKey: m.apiKey, timeoutMs: Math.min(m.timeoutMs, 30_000) });
    if (result.state !== 'checked') m.err(`note: endpoint conformance not measured (${result.state})`);
  }
  if (!m.loads || !m.suite.loads?.length || m.signal.aborted) return { loads: [] };
  m.err(`load: ${m.suite.loads.length} scenario(s) of ${m.suite.id} (docs/timing.md)`);
  const loads = await runLoads(m.adapter, m.suite, m.cases, m.profile, { seed: m.seed, timeoutMs: m.timeoutMs, signal: m.signal });
  if (!m.signal.aborted) addMeasurements(m.dir, loadMeasurements(loads, m.profile), { load: loads });
  return { loads };
}
