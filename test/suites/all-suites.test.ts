import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { builtinSuites } from '../../src/suites/load.ts';
import { loadAll } from '../../src/cli/context.ts';

const INDUSTRIES = ['finance', 'culture-tourism', 'government', 'media', 'telecom', 'education', 'automotive'];

test('the seven industries and the trust suite are built in', () => {
  const ids = builtinSuites();
  for (const id of [...INDUSTRIES, 'trust']) assert.ok(ids.includes(id), `${id} missing from ${ids.join(', ')}`);
});

for (const id of builtinSuites()) {
  test(`suite ${id} validates and meets the content rules`, async () => {
    const { suite } = await loadAll(id);
    const zh = suite.cases.filter((c) => c.lang === 'zh').length / suite.cases.length;
    assert.ok(zh >= 0.6, `${id}: ${(100 * zh).toFixed(1)}% zh`);
    assert.ok(suite.cases.some((c) => c.lang === 'en'), `${id}: no English cases`);
    assert.ok(suite.cases.every((c) => c.source.trim().length > 0));
    const used = new Set(suite.cases.map((c) => c.scenario));
    for (const s of suite.scenarios) assert.ok(used.has(s.id), `${id}: scenario ${s.id} has no case`);
    if (INDUSTRIES.includes(id)) {
      assert.ok(suite.cases.length >= 300, `${id}: ${suite.cases.length} cases`);
      assert.ok(suite.scenarios.length >= 6, `${id}: ${suite.scenarios.length} scenarios`);
      const tasks = new Set(suite.cases.map((c) => c.indicator).filter((i) => i.startsWith('capability.performance.')));
      assert.ok(tasks.size >= 5, `${id}: capability task types ${[...tasks].join(', ')}`);
    }
    if (id === 'trust') assert.ok(suite.cases.length >= 400, `trust: ${suite.cases.length} cases`);
  });
}

test.run();
