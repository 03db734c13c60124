import { readJsonFile } from '../core/jsonl.ts';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { zodToInputError } from '../core/zod-errors.ts';
import type { Measurement, Score } from '../core/types.ts';
import { BUNDLE_FILES, writeAtomic } from '../reports/bundle.ts';

/** File name of the run-level measurements inside a bundle (load, conformance, footprint, energy). */
export const MEASUREMENTS_FILE = BUNDLE_FILES.measurements;

const MeasurementSchema = z.strictObject({
  indicator: z.string().min(1),
  id: z.string().min(1),
  value: z.number().min(0).max(1),
  pass: z.boolean(),
  reason: z.string(),
  extra: z.record(z.string(), z.union([z.number(), z.string(), z.boolean(), z.null()])).optional(),
  invalid: z.string().optional(),
});

const FileSchema = z.object({
  schema: z.literal('modelgrade.measurements/v1'),
  measurements: z.array(MeasurementSchema),
  /** Raw results by section (e.g. `load`, `conformance`, `footprint`, `environment`), for reports. */
  sections: z.record(z.string(), z.unknown()).default({}),
});

/** The contents of measurements.json. */
export type MeasurementsDoc = z.infer<typeof FileSchema>;

/** Reads a bundle's measurements.json; an empty document when it has none. Bad content: InputError naming the field. */
export function readMeasurements(dir: string): MeasurementsDoc {
  const file = join(dir, MEASUREMENTS_FILE);
  if (!existsSync(file)) return { schema: 'modelgrade.measurements/v1', measurements: [], sections: {} };
  const r = FileSchema.safeParse(readJsonFile(file));
  if (!r.success) throw zodToInputError(r.error, { file });
  return r.data;
}

/**
 * Adds measurements (and raw sections) to a bundle's measurements.json, replacing those with the
 * same id (or section name); written atomically, so a crash leaves the old file whole.
 */
export function addMeasurements(dir: string, measurements: Measurement[], sections: Record<string, unknown> = {}): MeasurementsDoc {
  const doc = readMeasurements(dir);
  const ids = new Set(measurements.map((m) => m.id));
  for (const m of measurements) {
    const r = MeasurementSchema.safeParse(m);
    if (!r.success) throw new Error(`internal: bad measurement ${m.id}: ${r.error.issues[0]?.message}`);
  }
  const next: MeasurementsDoc = {
    schema: 'modelgrade.measurements/v1',
    measurements: [...doc.measurements.filter((m) => !ids.has(m.id)), ...measurements],
    sections: { ...doc.sections, ...sections },
  };
  writeAtomic(join(dir, MEASUREMENTS_FILE), JSON.stringify(next, null, 2) + '\n');
  return next;
}

/** One score row per measurement (case id = the measurement's id). */
export function measurementScores(ms: readonly Measurement[]): Score[] {
  return ms.map((m) => ({ caseId: m.id, indicator: m.indicator, value: m.value, pass: m.pass, reason: m.reason, ...(m.extra ? { extra: m.extra } : {}) }));
}

/**
 * Joins the measurements of several bundles (the shards of one run): of the rows sharing an id the
 * lowest value is kept (the worst shard: a sharded run is graded by its weakest machine), with the
 * broken rules of all of them; rows of one bundle only are kept as they are. Order: first seen.
 */
export function mergeMeasurements(lists: readonly (readonly Measurement[])[]): Measurement[] {
  const byId = new Map<string, Measurement>();
  for (const list of lists) {
    for (const m of list) {
      const had = byId.get(m.id);
      if (!had) {
        byId.set(m.id, m);
        continue;
      }
      const worst = m.value < had.value ? m : had;
      const invalid = [...new Set([had.invalid, m.invalid].filter((x): x is string => Boolean(x)))].join('; ');
      byId.set(m.id, { ...worst, ...(invalid ? { invalid } : {}) });
    }
  }
  return [...byId.values()];
}
