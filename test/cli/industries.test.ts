import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, tempDir } from '../helpers/fixtures.ts';

const t = tempDir('mg-ind-');
test.after(() => t.cleanup());

for (const id of ['culture-tourism', 'government', 'media', 'telecom', 'education', 'automotive', 'trust']) {
  test(`run --suite ${id} completes on the embedded reference model`, () => {
    const out = join(t.dir, id);
    const r = cli(['run', '--suite', id, '--sample', '60', '--seed', '3', '--profile', 'ci', '--out', out]);
    assert.ok(r.code === 0 || r.code === 3, `exit ${r.code}: ${r.stderr}`);
    assert.ok(existsSync(join(out, 'manifest.json')));
    const sc = JSON.parse(readFileSync(join(out, 'scorecard.json'), 'utf8'));
    assert.is(sc.suite.id, id);
    assert.is(sc.counts.cases, 60);
    assert.is(sc.counts.errors, 0);
  });
}

test.run();
