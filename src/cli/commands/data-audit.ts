import { loadAll } from '../context.ts';
import { computeDataAudit, dataAuditText } from '../data-audit.ts';
import { EXIT } from '../../core/errors.ts';

/**
 * `modelgrade data-audit <file.jsonl> [--suite <id>] [--json]`: the quality figures of a fine-tuning
 * file and, with --suite, its contamination of the suite's cases. Exit 0; bad input (missing file, no
 * record of a known shape) exit 2 naming the line.
 */
export async function dataAuditCommand(file: string, o: { suite?: string; json?: boolean }, io: { out: (s: string) => void }): Promise<number> {
  const cases = o.suite ? (await loadAll(o.suite)).suite.cases : undefined;
  const doc = await computeDataAudit(file, cases);
  io.out(o.json ? JSON.stringify(doc, null, 2) : dataAuditText(doc));
  return EXIT.ok;
}
