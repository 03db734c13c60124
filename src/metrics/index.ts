// Registers every scorer (import for side effects) and re-exports the registry.
import './choice.ts';
import './exact.ts';
import './refusal.ts';
export { scorers, taskChecker, type Scorer } from './scorer.ts';
