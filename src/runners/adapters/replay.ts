import { existsSync } from 'node:fs';
import { readJournal } from '../journal.ts';
import { InputError } from '../../core/errors.ts';
import { sha256File } from '../../core/hash.ts';
import type { Adapter, ModelInfo, Reply, ResponseRecord } from '../../core/types.ts';

/**
 * Replays recorded responses (a responses.jsonl) as a model: for re-scoring and tests. A case with
 * no recorded answer, or whose recorded call failed, fails again with the recorded message.
 * The recorded timing is kept (replaying takes no new measurements).
 */
export async function openReplay(file: string): Promise<Adapter> {
  if (!existsSync(file)) throw new InputError('replay file not found', { file });
  const byCase = new Map<string, ResponseRecord>();
  for (const r of await readJournal(file)) if (r.phase === 'main') byCase.set(r.caseId, r);
  const info: ModelInfo = { id: `replay`, spec: `replay:${file}`, kind: 'replay', digest: await sha256File(file), supportsLogprobs: true };
  return {
    id: info.id,
    describe: () => info,
    async call(_req, caseId): Promise<Reply> {
      const r = byCase.get(caseId);
      if (!r) throw new Error(`no recorded response for case ${caseId}`);
      if (r.status === 'error') throw new Error(`recorded error: ${r.error.message}`);
      return {
        output: r.output,
        ...(r.logprobs ? { logprobs: r.logprobs } : {}),
        ...(r.continuationTokens ? { continuationTokens: r.continuationTokens } : {}),
        ...(r.usage ? { usage: r.usage } : {}),
        replayedTiming: r.timing,
      };
    },
    async close() {},
  };
}
