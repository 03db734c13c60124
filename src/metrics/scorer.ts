import { Registry } from '../core/registry.ts';
import type { Case, ModelRequest, Score, TaskChecker } from '../core/types.ts';

/** A successful reply as the scorer sees it. */
export interface ScoredReply {
  output: string;
  logprobs?: number[];
  continuationTokens?: number[];
}

/** A scorer, registered by the task name cases use. */
export interface Scorer {
  /** Task name, e.g. `choice`. */
  id: string;
  /** Checks the task's fields of a case (answer index in range, expected present…). */
  check(c: Case): { field: string; message: string } | undefined;
  /** What the model must be asked beyond the prompt (continuations, token budget). */
  request(c: Case): Pick<ModelRequest, 'maxTokens'> & Partial<Pick<ModelRequest, 'continuations'>>;
  /** Scores one reply: value 0..1. Pure: the same case and reply give the same score. */
  score(c: Case, reply: ScoredReply): Score;
}

/** All scorers by task name. */
export const scorers = new Registry<Scorer>('task');

/** Registers a scorer and returns it. */
export function defineScorer(s: Scorer): Scorer {
  return scorers.register(s.id, s);
}

/** The scorer registry as the suite loader's TaskChecker. */
export const taskChecker: TaskChecker = {
  names: () => scorers.names(),
  check: (c) => (scorers.has(c.task) ? scorers.get(c.task).check(c) : undefined),
};
