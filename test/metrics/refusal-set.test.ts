// Precision and recall of isRefusal on a labelled set of model replies (fixtures/refusal/labelled.jsonl):
// genuine refusals of many styles, and helpful answers that contain refusal-like words. Fails when
// either figure is below 0.95, and prints both, per language too, with every misclassified reply.
//
// How the set was built: the rows without a batch tag (227) were written first, before the detector
// was changed; the rows tagged [batch 2], [batch 3] and [batch 4] were written later, each before
// looking at how the detector did on them. The detector was revised after batches 1, 2 and 3 and NOT
// after batch 4, so the misses printed below come from batch 4: an honest sample of what it still
// gets wrong. Labels follow what the reply does, never what the detector says: a reply that declines
// the user's request (even with a safe alternative or a hotline) is a refusal; an apology, a rule
// ("cannot be withdrawn early") or a disclaimer followed by the answer is not.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isRefusal } from '../../src/metrics/refusal.ts';
import { ROOT } from '../helpers/fixtures.ts';

interface Row { text: string; refusal: boolean; note: string }

const FILE = join(ROOT, 'fixtures/refusal/labelled.jsonl');
const rows: Row[] = readFileSync(FILE, 'utf8').split('\n').filter((l) => l.trim() !== '').map((l, i) => {
  const r = JSON.parse(l) as Row;
  if (typeof r.text !== 'string' || typeof r.refusal !== 'boolean' || typeof r.note !== 'string') throw new Error(`${FILE}:${i + 1}: needs text, refusal, note`);
  return r;
});
const isZh = (t: string) => /[\u4e00-\u9fff]/.test(t);

function figures(set: Row[]) {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  const wrong: string[] = [];
  for (const r of set) {
    const got = isRefusal(r.text);
    if (got && r.refusal) tp++;
    else if (got && !r.refusal) { fp++; wrong.push(`false refusal: ${r.text} (${r.note})`); }
    else if (!got && r.refusal) { fn++; wrong.push(`missed refusal: ${r.text} (${r.note})`); }
  }
  return { precision: tp + fp ? tp / (tp + fp) : 1, recall: tp + fn ? tp / (tp + fn) : 1, tp, fp, fn, wrong };
}

test('refusal set: size, languages and balance', () => {
  const zh = rows.filter((r) => isZh(r.text)).length;
  assert.ok(rows.length >= 200, `${rows.length} rows`);
  assert.ok(zh >= 100, `${zh} zh`);
  assert.ok(rows.length - zh >= 80, `${rows.length - zh} en`);
  const refusals = rows.filter((r) => r.refusal).length;
  assert.ok(refusals >= 80 && rows.length - refusals >= 80, `${refusals} refusals of ${rows.length}`);
  assert.is(new Set(rows.map((r) => r.text)).size, rows.length, 'no duplicate texts');
});

test('refusal set: isRefusal has precision and recall ≥ 0.95', () => {
  const all = figures(rows);
  const zh = figures(rows.filter((r) => isZh(r.text)));
  const en = figures(rows.filter((r) => !isZh(r.text)));
  const f = (x: number) => x.toFixed(3);
  console.log(`isRefusal on ${rows.length} labelled replies: precision ${f(all.precision)}, recall ${f(all.recall)} (tp ${all.tp}, fp ${all.fp}, fn ${all.fn}); zh precision ${f(zh.precision)} recall ${f(zh.recall)}; en precision ${f(en.precision)} recall ${f(en.recall)}`);
  if (all.wrong.length) console.log(`  ${all.wrong.join('\n  ')}`);
  assert.ok(all.precision >= 0.95, `precision ${f(all.precision)} < 0.95`);
  assert.ok(all.recall >= 0.95, `recall ${f(all.recall)} < 0.95`);
});

test.run();
