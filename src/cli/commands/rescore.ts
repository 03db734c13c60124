import { loadAll } from '../context.ts';
import { finalizeBundle } from '../finalize.ts';
import { checkResponses, readBundle } from '../bundle-read.ts';
import { summaryTable } from '../summary.ts';
import { InputError, EXIT } from '../../core/errors.ts';
import { stratifiedSample } from '../../suites/sample.ts';
import { shardCases } from '../../suites/shard.ts';
import { expandPerturbations } from '../../suites/perturb.ts';

/**
 * `modelgrade rescore <bundle>`: recomputes scores.jsonl, scorecard.* and the manifest from the
 * recorded responses and the suite of the recorded digest — without the model.
 */
export async function rescoreCommand(dir: string, io: { out: (s: string) => void }): Promise<number> {
  const b = readBundle(dir);
  await checkResponses(dir);
  const { catalog, suite, profile } = await loadAll(b.resolved.suite, b.resolved.profile ?? undefined);
  if (suite.digest !== b.suite.digest) {
    throw new InputError(`suite "${b.resolved.suite}" has digest ${suite.digest.slice(0, 12)}…, but the bundle was run on ${b.suite.digest.slice(0, 12)}…`, { file: dir });
  }
  const sampled = b.resolved.sample ? stratifiedSample(suite.cases, b.resolved.sample, b.resolved.seed, suite.digest) : suite.cases;
  const cases = expandPerturbations(shardCases(sampled, suite.digest, b.resolved.shard), b.resolved.seed);
  const facts = { ...b.facts, rescoredAt: new Date().toISOString() };
  const { scorecard } = await finalizeBundle({ dir, suite, cases, catalog, profile, model: b.model, facts, lang: b.lang });
  io.out(summaryTable(scorecard, b.lang));
  return scorecard.validity.valid ? EXIT.ok : EXIT.invalid;
}
