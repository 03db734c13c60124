import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cli } from '../helpers/fixtures.ts';

test('bench --json: one row per length × batch, with consistent figures', () => {
  const r = cli(['bench', '--model', 'ref-weak', '--lengths', '8,32', '--batch', '1,2', '--time', '200', '--json']);
  assert.is(r.code, 0, r.stderr);
  const rep = JSON.parse(r.stdout);
  assert.is(rep.schema, 'modelgrade.bench/v1');
  assert.is(rep.model.id, 'ref-weak');
  assert.is(rep.rows.length, 4);
  assert.equal(
    rep.rows.map((x: { length: number; batch: number }) => [x.length, x.batch]),
    [
      [8, 1],
      [8, 2],
      [32, 1],
      [32, 2],
    ],
  );
  for (const row of rep.rows) {
    assert.is(row.state, 'completed', JSON.stringify(row));
    assert.ok(row.samples >= 5, `at least the minimum iterations: ${row.samples}`);
    assert.ok(row.p50Ms > 0 && row.p50Ms <= row.p99Ms, `p50 ${row.p50Ms} ≤ p99 ${row.p99Ms}`);
    assert.ok(row.opsPerS > 0, `ops/s ${row.opsPerS}`);
    assert.ok(Math.abs(row.callsPerS - row.opsPerS * row.batch) < 0.01 * row.callsPerS + 0.01);
    assert.ok(Number.isFinite(row.rmePct) && row.rmePct >= 0, `rme ${row.rmePct}`);
  }
});

test('bench with an unknown model: exit 2 with a suggestion', () => {
  const r = cli(['bench', '--model', 'ref-wek', '--lengths', '8', '--batch', '1', '--time', '50']);
  assert.is(r.code, 2, r.stderr);
  assert.match(r.stderr, /unknown model "ref-wek".*did you mean "ref-weak"/);
});

test('bench with bad --lengths or --batch: exit 2 naming the flag', () => {
  for (const [flag, value] of [
    ['--lengths', '8,abc'],
    ['--lengths', '0'],
    ['--batch', '1,-2'],
    ['--time', 'soon'],
  ]) {
    const r = cli(['bench', '--model', 'ref-weak', flag, value]);
    assert.is(r.code, 2, `${flag} ${value}: ${r.stderr}`);
    assert.match(r.stderr, new RegExp(`field "${flag}"`));
  }
});

test.run();
