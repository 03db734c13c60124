import { existsSync } from 'node:fs';
import { EXIT, InputError } from '../../core/errors.ts';
import type { Lang } from '../../core/schemas.ts';
import { ID_PATTERN, MAP_FIELDS, importers, parseMap, refuseExisting, suiteIdFromDir, writeSuite } from '../../suites/importers/index.ts';
import { loadAll } from '../context.ts';

export interface ImportFlags {
  out: string;
  id?: string;
  lang?: Lang;
  map?: string;
}

/** Skipped records listed one a line; the rest are summarised by reason. */
const SHOW_SKIPS = 20;

/**
 * `modelgrade import <format> <source> --out <suite-dir>`: turns a public benchmark format into a
 * new suite folder, reports what it took and what it skipped (and why), then validates the suite
 * as `modelgrade validate` does. A malformed source is exit 2 naming the record; an existing
 * suite folder is never overwritten.
 */
export async function importCommand(format: string, source: string, o: ImportFlags, io: { out: (s: string) => void; err: (s: string) => void }): Promise<number> {
  const imp = importers.get(format);
  if (!existsSync(source)) throw new InputError('source not found', { file: source });
  refuseExisting(o.out);
  const id = o.id ?? suiteIdFromDir(o.out);
  if (!ID_PATTERN.test(id)) throw new InputError(`--id "${id}": a suite id has letters, digits and . _ : - only`);
  if (o.map !== undefined && imp.id !== 'jsonl') throw new InputError(`--map applies to the jsonl format only`);
  const map = o.map !== undefined ? parseMap(o.map, MAP_FIELDS) : undefined;

  const r = await imp.run({ source, id, lang: o.lang, map });
  const { files } = writeSuite(o.out, r);

  io.out(`import ${imp.id}: ${r.read} records read from ${source}: ${r.cases.length} taken, ${r.skipped.length} skipped`);
  for (const s of r.skipped.slice(0, SHOW_SKIPS)) io.out(`  skipped ${s.record}: ${s.reason}`);
  if (r.skipped.length > SHOW_SKIPS) {
    const kinds = new Map<string, number>();
    for (const s of r.skipped.slice(SHOW_SKIPS)) kinds.set(s.kind, (kinds.get(s.kind) ?? 0) + 1);
    const list = [...kinds].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([k, n]) => `${n} ${k}`).join(', ');
    io.out(`  … and ${r.skipped.length - SHOW_SKIPS} more skipped (${list})`);
  }
  const per = new Map<string, number>();
  for (const c of r.cases) per.set(c.scenario, (per.get(c.scenario) ?? 0) + 1);
  io.out(`  scenarios: ${r.suite.scenarios.map((s) => `${s.id} ${per.get(s.id) ?? 0}`).join(', ')}`);
  for (const n of r.notes) io.out(`  note: ${n}`);
  io.out(`  wrote ${o.out}: ${files.length > 6 ? `suite.yaml, ${files.filter((f) => f.startsWith('cases/')).length} case files${files.includes('LICENSE-data') ? ', LICENSE-data' : ''}` : files.join(', ')}`);

  // The suite must pass `modelgrade validate`; if it does not, the importer is at fault (exit 4).
  let suite;
  try {
    ({ suite } = await loadAll(o.out));
  } catch (e) {
    throw new Error(`the imported suite does not validate: ${e instanceof Error ? e.message : String(e)}`);
  }
  io.out(`suite ${suite.id} ${suite.version}: ${suite.cases.length} cases, ${suite.scenarios.length} scenarios — OK`);
  return EXIT.ok;
}
