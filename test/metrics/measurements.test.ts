import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { addMeasurements, measurementScores, readMeasurements } from '../../src/runners/measurements.ts';
import { cli, tempDir } from '../helpers/fixtures.ts';
import type { Measurement } from '../../src/core/types.ts';

const t = tempDir('mg-meas-');
const bundle = join(t.dir, 'b');
const json = (f: string) => JSON.parse(readFileSync(f, 'utf8'));

const steady: Measurement = { indicator: 'operations.throughput.requests', id: 'load:offline', value: 0.8, pass: true, reason: '41.2 req/s (target 50 req/s)', extra: { rps: 41.2 } };
const unstable: Measurement = { indicator: 'operations.stability.drift', id: 'load:soak', value: 0.4, pass: false, reason: 'throughput drifted', invalid: 'UNSTABLE: last 3 windows 30–41 req/s differ by 37% > 10%' };

test('addMeasurements merges by id and keeps sections; readMeasurements reads them back', () => {
  const dir = join(t.dir, 'm');
  mkdirSync(dir);
  addMeasurements(dir, [steady], { load: [{ scenario: 'offline' }] });
  addMeasurements(dir, [{ ...steady, value: 0.9 }, unstable], { gpu: { state: 'unavailable' } });
  const doc = readMeasurements(dir);
  assert.equal(doc.measurements.map((m) => [m.id, m.value]), [['load:offline', 0.9], ['load:soak', 0.4]]);
  assert.equal(Object.keys(doc.sections).sort(), ['gpu', 'load']);
  assert.equal(measurementScores(doc.measurements)[1], { caseId: 'load:soak', indicator: 'operations.stability.drift', value: 0.4, pass: false, reason: 'throughput drifted' });
});

test('a bad measurements.json is refused naming the file and field', () => {
  const dir = join(t.dir, 'bad');
  mkdirSync(dir);
  writeFileSync(join(dir, 'measurements.json'), JSON.stringify({ schema: 'modelgrade.measurements/v1', measurements: [{ ...steady, value: 7 }] }));
  assert.throws(() => readMeasurements(dir), (e: Error) => /measurements\.json/.test(e.message) && /measurements\.0\.value/.test(e.message));
  writeFileSync(join(dir, 'measurements.json'), '{not json');
  assert.throws(() => readMeasurements(dir), /measurements\.json: not valid JSON/);
});

test('measurements enter the scorecard: score rows, a broken rule makes its dimension and the run INVALID; verify recomputes them', () => {
  const r = cli(['run', '--suite', 'finance', '--sample', '24', '--model', 'ref-weak', '--profile', 'ci', '--out', bundle]);
  assert.ok(r.code === 0 || r.code === 3, r.stderr);
  const before = json(join(bundle, 'scorecard.json'));
  assert.is(before.dimensions.find((d: { id: string }) => d.id === 'operations').invalid, undefined);

  addMeasurements(bundle, [steady]);
  let re = cli(['rescore', bundle]);
  assert.ok(re.code === 0 || re.code === 3, re.stderr);
  let sc = json(join(bundle, 'scorecard.json'));
  const item = sc.indicators.find((i: { id: string }) => i.id === 'operations.throughput.requests');
  assert.is(item.value, 0.8);
  assert.is(item.n, 1);
  assert.is(sc.validity.valid, before.validity.valid, 'a measurement within its rules changes no verdict');
  assert.is(sc.counts.scored, before.counts.scored, 'measurement rows are not counted as scored cases');

  addMeasurements(bundle, [unstable]);
  re = cli(['rescore', bundle]);
  assert.is(re.code, 3, re.stdout + re.stderr);
  sc = json(join(bundle, 'scorecard.json'));
  assert.is(sc.validity.valid, false);
  assert.ok(sc.validity.reasons.some((x: string) => x === `operations dimension INVALID: load:soak: ${unstable.invalid}`), sc.validity.reasons.join('\n'));
  assert.equal(sc.dimensions.find((d: { id: string }) => d.id === 'operations').invalid, [`load:soak: ${unstable.invalid}`]);
  assert.ok(sc.validity.checks.some((c: { id: string; passed: boolean }) => c.id === 'measurement:load:soak' && !c.passed));
  assert.match(readFileSync(join(bundle, 'summary.md'), 'utf8'), /INVALID: load:soak: UNSTABLE/);
  assert.match(readFileSync(join(bundle, 'scorecard.html'), 'utf8'), /load:soak: UNSTABLE: last 3 windows/);
  assert.ok(json(join(bundle, 'manifest.json')).subject.some((s: { name: string }) => s.name === 'measurements.json'));
  const v = cli(['verify', bundle]);
  assert.is(v.code, 0, v.stdout + v.stderr);

  // Tampering with a measurement is caught by verify (file digest and recomputed scorecard).
  const doc = json(join(bundle, 'measurements.json'));
  delete doc.measurements[1].invalid;
  writeFileSync(join(bundle, 'measurements.json'), JSON.stringify(doc));
  const v2 = cli(['verify', bundle]);
  assert.is(v2.code, 1);
  assert.match(v2.stdout + v2.stderr, /measurements\.json/);
});

test.after(() => t.cleanup());
test.run();
