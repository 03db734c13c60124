import type { Case, Phase } from '../core/types.ts';
import type { WorkItem } from './engine.ts';
import { scorers } from '../metrics/index.ts';
import { isVariantId } from '../suites/perturb.ts';
import { seededPick } from '../suites/sample.ts';
import type { PromptRenderer } from '../suites/prompt.ts';

/**
 * The call a case makes: its rendered prompt, greedy decoding, the run's seed, and the scorer's
 * token bound and continuations. Used by `run` for every case and by the load scenarios.
 */
export function caseWorkItem(c: Case, phase: Phase, render: PromptRenderer, seed: number): WorkItem {
  const r = scorers.get(c.task).request(c);
  return {
    caseId: c.id,
    phase,
    request: { prompt: render(c), temperature: 0, seed, maxTokens: r.maxTokens, ...(r.continuations ? { continuations: r.continuations } : {}) },
    ...(isVariantId(c.id) ? { journalPrompt: true } : {}),
  };
}

/**
 * The queries of a load scenario: every case as `run` asks it, in a seeded order, without
 * continuations (a load call times generation only, as a served request does). Scenarios cycle
 * through them when they need more queries than cases.
 */
export function loadItems(cases: readonly Case[], render: PromptRenderer, seed: number, salt: string): WorkItem[] {
  const byId = new Map(cases.map((c) => [c.id, c]));
  return seededPick([...byId.keys()], byId.size, seed, `${salt}:load`).map((id) => {
    const it = caseWorkItem(byId.get(id)!, 'main', render, seed);
    const { continuations: _drop, ...request } = it.request;
    return { ...it, request };
  });
}
