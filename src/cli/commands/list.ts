import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EXIT, InputError } from '../../core/errors.ts';
import { didYouMean } from '../../core/registry.ts';
import { loadCatalog } from '../../suites/catalog.ts';
import { builtinSuites } from '../../suites/load.ts';
import { builtinProfiles, loadProfile } from '../../suites/profile.ts';
import { parse } from 'yaml';
import { MODELS_DIR, SUITES_DIR } from '../../suites/paths.ts';
import { embeddedModels, DEFAULT_MODEL } from '../../runners/models.ts';

export const LISTS = ['suites', 'indicators', 'profiles', 'models'] as const;

/** `modelgrade list suites|indicators|profiles|models`. */
export async function listCommand(what: string, io: { out: (s: string) => void }): Promise<number> {
  if (!(LISTS as readonly string[]).includes(what)) throw new InputError(`cannot list "${what}"${didYouMean(what, LISTS)}; choose one of ${LISTS.join(', ')}`);
  if (what === 'suites') {
    for (const id of builtinSuites()) {
      const y = parse(readFileSync(join(SUITES_DIR, id, 'suite.yaml'), 'utf8'));
      io.out(`${id.padEnd(16)} ${y.version.padEnd(8)} ${y.industry.padEnd(14)} ${y.name.zh} / ${y.name.en}`);
    }
  } else if (what === 'indicators') {
    const cat = await loadCatalog();
    for (const d of cat.dimensions) {
      io.out(`${d.id} ${d.name.zh} / ${d.name.en}`);
      for (const dom of d.domains) {
        io.out(`  ${dom.id} ${dom.name.zh} / ${dom.name.en}`);
        for (const it of dom.items) io.out(`    ${it.id.padEnd(44)} ${it.method === 'evidence' ? '(E)' : it.measure!.padEnd(16)} ${it.name.zh} / ${it.name.en}`);
      }
    }
  } else if (what === 'profiles') {
    for (const id of builtinProfiles()) {
      const p = await loadProfile(id);
      io.out(`${id.padEnd(16)} ${p.version.padEnd(8)} ${p.name.zh} / ${p.name.en}`);
    }
  } else {
    for (const name of embeddedModels(MODELS_DIR)) {
      const cfg = JSON.parse(readFileSync(join(MODELS_DIR, name, 'config.json'), 'utf8'));
      io.out(`${name.padEnd(16)} embedded reference model${name === DEFAULT_MODEL ? ' (default)' : ''}: ${cfg.modelgrade?.description ?? ''}`);
    }
    io.out('onnx:<dir>       a Hugging Face / transformers.js model folder (config.json, tokenizer.json, onnx/model.onnx)');
    io.out('replay:<file>    recorded responses (responses.jsonl) for re-scoring');
  }
  return EXIT.ok;
}
