import { syntheticSuite } from './engine.js';
import { scoreRun } from '../dist/metrics/score-run.js';
import { aggregate } from '../dist/metrics/aggregate.js';
import { renderHtml } from '../dist/reports/html.js';
import { reportInput } from '../dist/reports/model.js';
import { loadCatalog } from '../dist/suites/catalog.js';
import { loadProfile } from '../dist/suites/profile.js';

/**
 * Renders scorecard.html for a `n`-case bundle (every fourth answer wrong, one call in fifty an
 * error), from its scorecard, scores and responses, as `report` does. Returns seconds and bytes.
 */
export async function reportRender(n) {
  const suite = syntheticSuite(n);
  const catalog = await loadCatalog();
  const profile = await loadProfile('certification');
  const responses = suite.cases.map((c, i) =>
    i % 50 === 7
      ? { caseId: c.id, phase: 'main', status: 'error', error: { kind: 'adapter', message: `HTTP 503 <b>${i}</b>` }, timing: { startedAt: '2026-01-01T00:00:00.000Z', latencyMs: 5 } }
      : { caseId: c.id, phase: 'main', status: 'ok', output: c.task === 'exact' ? (i % 4 ? String(c.expected) : 'no idea') : `答案是${String.fromCharCode(65 + (i % 4 ? c.answer : (c.answer + 1) % 4))}`, timing: { startedAt: '2026-01-01T00:00:00.000Z', latencyMs: 1 + (i % 97) } },
  );
  const scores = scoreRun(suite.cases, responses, profile);
  const scorecard = aggregate({ suite, catalog, profile, model: { id: 'synthetic' }, scores, responses });
  const facts = { harness: { name: 'modelgrade', version: 'bench' }, startedAt: '', finishedAt: '', seed: 1, environment: {}, options: { requested: {}, resolved: {} }, model: {} };
  const t0 = performance.now();
  const input = reportInput({ scorecard, facts, cases: suite.cases, scores, responses, scenarios: suite.scenarios, lang: 'zh' });
  const html = renderHtml(input);
  const seconds = (performance.now() - t0) / 1000;
  return { seconds, bytes: Buffer.byteLength(html) };
}
