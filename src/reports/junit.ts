import type { ReportInput } from './model.ts';

/** Escapes text for XML content and attributes; drops characters XML 1.0 forbids. */
export function xml(s: string): string {
  return s
    .replace(/[^\x09\x0A\x0D\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '')
    .replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/** junit.xml: a testcase per measured indicator and one for validity; failures carry the reason. */
export function renderJunit(input: ReportInput): string {
  const sc = input.scorecard;
  const cases: string[] = [];
  let failures = 0;
  cases.push(
    sc.validity.valid
      ? `    <testcase classname="validity" name="run is VALID"/>`
      : (failures++, `    <testcase classname="validity" name="run is VALID"><failure message="${xml(sc.validity.reasons.join('; '))}"/></testcase>`),
  );
  for (const i of sc.indicators) {
    if (i.value === null) continue;
    const name = `${i.id} = ${(100 * i.value).toFixed(1)}% (n=${i.n})`;
    if (i.pass) cases.push(`    <testcase classname="${xml(i.dimension)}" name="${xml(name)}"/>`);
    else {
      failures++;
      cases.push(`    <testcase classname="${xml(i.dimension)}" name="${xml(name)}"><failure message="${xml(`${i.id} below its floor`)}"/></testcase>`);
    }
  }
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
