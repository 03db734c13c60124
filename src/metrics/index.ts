// Registers every scorer (import for side effects) and re-exports the registry.
import './choice.ts';
import './exact.ts';
import './refusal.ts';
import './numeric.ts';
import './regex.ts';
import './json.ts';
import './format.ts';
import './overlap.ts';
import './pii.ts';
import './abstention.ts';
export { scorers, taskChecker, type Scorer } from './scorer.ts';
