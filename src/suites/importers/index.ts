import { Registry } from '../../core/registry.ts';
import type { Importer } from './common.ts';
import { teleqna } from './teleqna.ts';
import { csvMcq } from './csv-mcq.ts';
import { lmEval } from './lm-eval.ts';
import { jsonl } from './jsonl.ts';

export type { Importer, ImportOptions, ImportResult, Skip } from './common.ts';
export { writeSuite, refuseExisting, parseMap, suiteIdFromDir, ID_PATTERN } from './common.ts';
export { MAP_FIELDS } from './jsonl.ts';

/** Import formats by name (`modelgrade import <format>`); an unknown name suggests near ones. */
export const importers = new Registry<Importer>('import format');
for (const imp of [teleqna, csvMcq, lmEval, jsonl]) importers.register(imp.id, imp);
