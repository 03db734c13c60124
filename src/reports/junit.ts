import type { ReportInput } from './model.ts';

/** Escapes text for XML content and attributes; drops characters XML 1.0 forbids. */
export function xml(s: string): string {
  return s
    .replace(/[^\x09\x0A\x0D\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '')
    .replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/** junit.xml: a testcase per measured indicator item and per validity rule; failures carry the reason. */
export function renderJunit(input: ReportInput): string {
  const sc = input.scorecard;
  const cases: string[] = [];
  let failures = 0;
  const testcase = (classname: string, name: string, failure?: string) => {
    if (failure === undefined) cases.push(`    <testcase classname="${xml(classname)}" name="${xml(name)}"/>`);
    else {
      failures++;
      cases.push(`    <testcase classname="${xml(classname)}" name="${xml(name)}"><failure message="${xml(failure)}"/></testcase>`);
    }
  };
  const checks = sc.validity.checks ?? [{ id: 'valid', passed: sc.validity.valid, message: sc.validity.reasons.join('; ') || 'valid' }];
  for (const c of checks) testcase('validity', `${c.id}: ${c.message}`, c.passed ? undefined : c.message);
  for (const i of sc.indicators) {
    if (i.value === null) continue;
    const name = `${i.id} = ${(100 * i.value).toFixed(1)}% (n=${i.n})`;
    const floor = i.floor === undefined ? '' : ` (floor ${(100 * i.floor).toFixed(1)}%)`;
    testcase(i.dimension, name, i.pass ? undefined : `${i.id} ${(100 * i.value).toFixed(1)}% is below its floor${floor}`);
  }
  for (const c of sc.caps) testcase('grade', `level cap: ${c}`, c);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="modelgrade" tests="${cases.length}" failures="${failures}">`,
    `  <testsuite name="${xml(`${sc.suite.id} / ${sc.model.id}`)}" tests="${cases.length}" failures="${failures}">`,
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}
