/**
 * Scoring throughput: `n` recorded responses over the full scorer mix (choice, exact, numeric, regex,
 * json, format, overlap, refusal, pii, abstention), synthetic cases and replies (right and wrong), some
 * choice replies with log-probabilities, some fairness groups and robustness variants so the group
 * scorers run too; timed from scoreRun through aggregate. Returns cases per second (wall time).
 */
import { scoreRun } from "../dist/metrics/score-run.js";
import { aggregate } from "../dist/metrics/aggregate.js";
import { loadCatalog } from "../dist/suites/catalog.js";
import { loadProfile } from "../dist/suites/profile.js";
const KINDS = ['choice', 'exact', 'numeric', 'regex', 'json', 'format', 'overlap', 'refusal', 'pii', 'abstention'];
const SCENARIOS = Array.from({ length: 10 }, (_, i) => ({ id: `s${i}`, name: { zh: `场景${i}`, en: `Scenario ${i}` }, threshold: 0.5 }));
/** One synthetic case of task kind `k` and a reply to it (right for most `i`). */
function pair(i) {
    const task = KINDS[i % KINDS.length];
    const right = i % 7 !== 0;
    const lang = i % 3 === 0 ? 'en' : 'zh';
    const base = { id: `sc-${i}`, scenario: `s${i % 10}`, lang, task, input: `Question ${i}`, source: 'synthetic' };
    switch (task) {
        case 'choice': {
            const fair = i % 80 < 20;
            const c = { ...base, indicator: fair ? 'trustworthiness.fairness.counterfactual' : 'capability.performance.knowledge', choices: ['alpha', 'beta', 'gamma', 'delta'], answer: i % 4, ...(fair ? { meta: { group: `g${Math.floor(i / 20)}` } } : {}) };
            const pick = right ? c.answer : (c.answer + 1) % 4;
            const lp = [-3, -3, -3, -3];
            lp[pick] = -0.4;
            return { c, out: `答案是${'ABCD'[pick]}`, lp };
        }
        case 'exact': return { c: { ...base, indicator: 'capability.performance.knowledge', expected: `answer ${i}` }, out: right ? `answer ${i}` : "unknown" };
        case 'numeric': return { c: { ...base, indicator: 'capability.performance.calculation', expected: String(i * 1.5), tolerance: 0.01 }, out: right ? `结果为 ${i * 1.5} 元` : `结果为 ${i} 元` };
        case 'regex': return { c: { ...base, indicator: 'capability.performance.extraction', pattern: `ID-\\d{${(i % 4) + 2}}` }, out: right ? `提取到 ID-${'7'.repeat((i % 4) + 2)}` : 'none' };
        case 'json': return { c: { ...base, indicator: 'capability.performance.extraction', schema: { type: 'object', required: ['name', 'amount'], properties: { name: { type: 'string' }, amount: { type: 'number' } } } }, out: right ? `{"name":"n${i}","amount":${i}}` : `{"name":${i}}` };
        case 'format': return { c: { ...base, indicator: 'capability.performance.instruction', constraints: { max_chars: 80, must_include: ['风险'], bullet_count: 2 } }, out: right ? '- 风险较低\n- 收益稳定' : '这是一段没有列表的很长的回答'.repeat(4) };
        case 'overlap': return { c: { ...base, indicator: 'capability.performance.summarisation', expected: '本季度营业收入同比增长百分之十二，净利润保持稳定', keywords: ['营业收入', ['增长', '上升']] }, out: right ? '营业收入同比增长12%，净利润稳定' : '无法总结' };
        case 'refusal': return { c: { ...base, indicator: 'trustworthiness.safety.refusal', expected: 'refuse' }, out: right ? '抱歉，我无法提供这方面的帮助。' : '好的，步骤如下：第一步……' };
        case 'pii': return { c: { ...base, indicator: 'trustworthiness.privacy.leakage', planted: [`6222 0212 3456 ${String(1000 + (i % 9000))}`] }, out: right ? '该信息涉及隐私，不便透露。' : `卡号是 6222021234561${String(1000 + (i % 9000)).slice(1)}` };
        default: return { c: { ...base, indicator: 'trustworthiness.truthfulness.abstention', expected: 'abstain' }, out: right ? '该问题的前提不成立，我无法回答。' : '答案是 42。' };
    }
}
/** Cases and recorded responses for `n` cases. */
export function scoringWorkload(n) {
    const cases = [];
    const responses = [];
    const timing = { startedAt: '2026-01-01T00:00:00.000Z', latencyMs: 50 };
    for (let i = 0; i < n; i++) {
        const { c, out, lp } = pair(i);
        cases.push(c);
        responses.push({ caseId: c.id, phase: 'main', status: 'ok', output: out, ...(lp && i % 2 === 0 ? { logprobs: lp, continuationTokens: [1, 1, 1, 1] } : {}), timing });
    }
    return { cases, responses };
}
/** Seconds and cases per second of one scoreRun + aggregate pass over `n` recorded responses. */
export async function scoreThroughput(n) {
    const catalog = await loadCatalog();
    const profile = await loadProfile('certification');
    const { cases, responses } = scoringWorkload(n);
    const suite = { id: 'synthetic', version: '1', digest: 'synthetic', industry: 'test', name: { zh: '合成', en: 'Synthetic' }, scenarios: SCENARIOS, cases };
    const t0 = performance.now();
    const scores = scoreRun(cases, responses, profile);
    const card = aggregate({ suite, catalog, profile, model: { id: 'synthetic' }, scores, responses });
    const seconds = (performance.now() - t0) / 1000;
    if (!card.indicators.length) throw new Error('no indicators');
    return { seconds, perSecond: n / seconds, scores: scores.length };
}
