import { loadAll } from '../context.ts';
import { EXIT } from '../../core/errors.ts';

/** `modelgrade validate <suite>`: loads and checks a suite; exit 0 when it is sound, 2 naming the first problem. */
export async function validateCommand(suiteArg: string, io: { out: (s: string) => void }): Promise<number> {
  const { suite } = await loadAll(suiteArg);
  const by = (k: 'scenario' | 'indicator' | 'lang' | 'task') => {
    const m = new Map<string, number>();
    for (const c of suite.cases) m.set(c[k], (m.get(c[k]) ?? 0) + 1);
    return [...m].map(([a, n]) => `${a} ${n}`).join(', ');
  };
  io.out(`suite ${suite.id} ${suite.version}: ${suite.cases.length} cases, ${suite.scenarios.length} scenarios — OK`);
  io.out(`  digest ${suite.digest}`);
  io.out(`  tasks: ${by('task')}`);
  io.out(`  languages: ${by('lang')}`);
  io.out(`  scenarios: ${by('scenario')}`);
  io.out(`  indicators: ${by('indicator')}`);
  return EXIT.ok;
}
