/**
 * Generates the embedded reference models in fixtures/models/ — deterministically, from text the
 * project owns (fixtures/corpus/*.jsonl and the built-in suites). Run: `npm run gen:models`
 * (or `node --import tsx scripts/gen-models.ts <out-dir>` to write elsewhere).
 *
 * Each model is a one-layer "retrieval memory" language model in the Hugging Face /
 * transformers.js layout (config.json, tokenizer.json, tokenizer_config.json, onnx/model.onnx):
 *  - the key cache holds, for every token, its IDF-weighted membership in each memorised fact;
 *  - at each position the running sum of keys is turned by a softmax into a distribution over
 *    facts (plus a "nothing matches" slot);
 *  - answer chains recall the retrieved fact's answer token by token (the previous token selects
 *    the position in the chain), ending with </s>;
 *  - a successor table (which answer token follows which, counted over the corpus) is the fallback
 *    when no memorised answer matches.
 * Variants differ in how much of the corpus they memorised, so their scores differ for real.
 */
import { readFileSync, readdirSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { tokenize, surface, tokenizerJson, preTokenize, pieces } from './lib/wordpiece.ts';
import { GraphBuilder, encodeModel } from './lib/onnx-graph.ts';

const ROOT = new URL('../', import.meta.url).pathname;
const PAD = '[PAD]', EOS = '</s>', UNK = '[UNK]';

interface Fact { id: string; lang: string; text: string; answer: string; kind?: string }

/** Variants: which facts each memorises (by position in the corpus). */
export const VARIANTS = [
  { name: 'ref-strong', description: 'memorised 6 of every 7 corpus facts', keep: (i: number) => i % 7 !== 6 },
  { name: 'ref-weak', description: 'memorised every other corpus fact', keep: (i: number) => i % 2 === 0 },
];

const EPSILON = 1e-3; // floor of the recall term: logit += log(EPSILON + P(retrieved answer continues with token))
const BETA = 12; // sharpness of the softmax over facts
const NULL_BIAS = 1.2; // score of the "nothing matches" slot
const OTHER_LOGIT = -20; // logit of tokens that are never part of an answer

function readJsonl(file: string): any[] {
  return readFileSync(file, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));
}

function corpus(): Fact[] {
  const dir = join(ROOT, 'fixtures/corpus');
  return readdirSync(dir).filter((f) => f.endsWith('.jsonl')).sort().flatMap((f) => readJsonl(join(dir, f)));
}

/** The prompt templates of every built-in suite. */
function templateTexts(): string[] {
  const sdir = join(ROOT, 'suites');
  return readdirSync(sdir).sort().flatMap((s) => {
    const y = join(sdir, s, 'suite.yaml');
    if (!existsSync(y)) return [];
    return Object.values<any>(parseYaml(readFileSync(y, 'utf8')).prompts ?? {}).flatMap((p) => [p.zh, p.en].map((t: string) => t.replace(/\{\{[^}]*\}\}/g, ' ')));
  });
}

/** Every text the vocabulary must cover: corpus, suite prompts, cases. */
function vocabTexts(facts: Fact[]): string[] {
  const texts = [...facts.flatMap((f) => [f.text, f.answer]), ...templateTexts()];
  const sdir = join(ROOT, 'suites');
  for (const s of readdirSync(sdir).sort()) {
    const y = join(sdir, s, 'suite.yaml');
    if (!existsSync(y)) continue;
    const def = parseYaml(readFileSync(y, 'utf8'));
    const cdir = join(sdir, s, 'cases');
    if (!existsSync(cdir)) continue;
    for (const f of readdirSync(cdir).filter((x) => x.endsWith('.jsonl')).sort()) {
      for (const c of readJsonl(join(cdir, f))) texts.push(c.input, ...(c.choices ?? []), ...[c.expected ?? []].flat());
    }
  }
  return texts;
}

function build(facts: Fact[], variant: (typeof VARIANTS)[number], allFacts: Fact[]) {
  // Vocabulary: specials, then answer pieces (contiguous block), then the rest.
  const answerTokens = new Set<string>();
  const memory = allFacts.filter((_, i) => variant.keep(i));
  for (const f of allFacts) for (const t of tokenize(f.answer)) answerTokens.add(t);
  const other = new Set<string>();
  for (const text of vocabTexts(allFacts)) {
    for (const w of preTokenize(text)) for (const p of pieces(w)) other.add(p);
  }
  for (const ch of 'abcdefghijklmnopqrstuvwxyz0123456789') other.add(ch), other.add(`##${ch}`);
  const answerList = [...answerTokens].sort();
  const vocab = [PAD, EOS, UNK, ...answerList, ...[...other].filter((t) => !answerTokens.has(t)).sort()];
  const id = new Map(vocab.map((t, i) => [t, i]));
  const A = 3 + answerList.length;
  const V = vocab.length;

  // Keys: IDF-weighted, length-normalised membership of each token's surface in each fact.
  // Words of the suites' prompt templates are in every prompt, so they are no keys.
  const F = memory.length + 1; // last slot: nothing matches
  const stop = new Set(templateTexts().flatMap((t) => tokenize(t).map(surface)));
  // A fact whose answer is its whole text (a helpful reply) is keyed by its own words.
  const keyText = (f: Fact) => (f.text.trim() === f.answer.trim() ? f.text : f.text.replace(f.answer, ' '));
  const factKeys = memory.map((f) => new Set(tokenize(keyText(f)).map(surface).filter((k) => !stop.has(k))));
  const df = new Map<string, number>();
  for (const ks of factKeys) for (const k of ks) df.set(k, (df.get(k) ?? 0) + 1);
  // Only tokens that key some fact get a row; every other token maps to row 0 (all zeros).
  const keyRowOf: number[] = vocab.map((tok) => (df.has(surface(tok)) ? 1 : 0));
  let rowsUsed = 0;
  for (let v = 0; v < V; v++) if (keyRowOf[v]) keyRowOf[v] = ++rowsUsed;
  const K = new Float32Array((rowsUsed + 1) * F);
  vocab.forEach((tok, v) => {
    const s = surface(tok);
    if (!keyRowOf[v]) return;
    memory.forEach((_, f) => {
      if (!factKeys[f].has(s)) return;
      const idf = Math.log((1 + memory.length) / (1 + df.get(s)!));
      K[keyRowOf[v] * F + f] = idf / Math.sqrt(factKeys[f].size);
    });
  });
  const bias = new Float32Array(F);
  bias[F - 1] = NULL_BIAS;

  // Successors: counted over every corpus answer (fluency is not knowledge), with the cue ":".
  const rows = ['<none>', ':', ...answerList];
  const rowOf = new Map(rows.map((r, i) => [r, i]));
  const counts = rows.map(() => new Float64Array(A));
  for (const f of allFacts) {
    const toks = tokenize(f.answer);
    const seq = [':', ...toks];
    for (let i = 0; i < seq.length; i++) {
      const next = i + 1 < seq.length ? id.get(seq[i + 1])! : id.get(EOS)!;
      counts[rowOf.get(seq[i])!][next] += 1;
    }
  }
  const S = new Float32Array(rows.length * A);
  counts.forEach((row, r) => {
    const total = row.reduce((a, b) => a + b, 0);
    for (let c = 0; c < A; c++) {
      S[r * A + c] = r === 0 || total === 0 ? Math.log(1 / A) : Math.log((row[c] + 0.01) / (total + 0.01 * A));
    }
  });
  const succMap = vocab.map((t) => rowOf.get(t) ?? 0);

  // Answer chains: slot (fact, k) fires when the previous token is the k-th token of the fact's
  // answer (the cue ":" before it) and emits the next one (</s> after the last).
  const slots: { fact: number; prev: number; emit: number }[] = [];
  memory.forEach((f, i) => {
    const seq = [':', ...tokenize(f.answer)];
    seq.forEach((t, k) => slots.push({ fact: i, prev: rowOf.get(t)!, emit: id.get(k + 1 < seq.length ? seq[k + 1] : EOS)! }));
  });
  const N = slots.length;
  const base = new Float32Array(A);
  base[0] = -30; // [PAD]
  base[2] = -30; // [UNK]

  // Graph.
  const g = new GraphBuilder();
  g.float('keys', [rowsUsed + 1, F], K);
  g.int64('key_row', [V], keyRowOf);
  g.float('fact_bias', [F], bias);
  // Slots are stored as indices; the one-hot matrices are built by OneHot nodes on initializers,
  // which onnxruntime folds into constants when the session is created.
  g.int64('slot_fact_idx', [N], slots.map((x) => x.fact));
  g.int64('slot_prev_idx', [N], slots.map((x) => x.prev));
  g.int64('slot_emit_idx', [N], slots.map((x) => x.emit));
  g.int64('depth_f', [], [F]);
  g.int64('depth_a', [], [A]);
  g.float('off_on', [2], new Float32Array([0, 1]));
  const slotFact = g.one('Transpose', [g.one('OneHot', ['slot_fact_idx', 'depth_f', 'off_on'])], { perm: [1, 0] }); // [F,N]
  const slotEmit = g.one('OneHot', ['slot_emit_idx', 'depth_a', 'off_on']); // [N,A]
  g.float('successors', [rows.length, A], S);
  g.int64('successor_row', [V], succMap);
  g.float('answer_base', [A], base);
  g.float('epsilon', [], new Float32Array([EPSILON]));
  g.float('beta', [], new Float32Array([BETA]));
  g.int64('ax1', [1], [1]);
  g.int64('ax2', [1], [2]);
  g.int64('ax_1', [], [1]);
  g.int64('ax_last', [1], [-1]);
  g.int64('big', [1], [1 << 30]);
  g.int64('pads', [6], [0, 0, 0, 0, 0, V - A]);
  g.float('pad_value', [], new Float32Array([OTHER_LOGIT]));

  const shape = g.one('Shape', ['input_ids']);
  const seqLen = g.one('Gather', [shape, 'ax1'], { axis: 0 }); // [1]
  const negLen = g.one('Neg', [seqLen]);
  const maskCur = g.one('Slice', ['attention_mask', negLen, 'big', 'ax1']); // [B,S]
  const maskF = g.one('Unsqueeze', [g.one('Cast', [maskCur], { to: 1 }), 'ax2']); // [B,S,1]
  const keyRows = g.one('Gather', ['key_row', 'input_ids'], { axis: 0 }); // [B,S]
  const kg = g.one('Mul', [g.one('Gather', ['keys', keyRows], { axis: 0 }), maskF]); // [B,S,F]
  g.one('Concat', ['past_key_values.0.key', g.one('Unsqueeze', [kg, 'ax1'])], { axis: 2 }, 'present.0.key');
  g.one('Identity', ['present.0.key'], {}, 'present.0.value');
  const pastSum = g.one('Squeeze', [g.one('ReduceSum', ['past_key_values.0.key', 'ax2'], { keepdims: 1 }), 'ax1']); // [B,1,F]
  const ctx = g.one('Add', [g.one('CumSum', [kg, 'ax_1']), pastSum]); // [B,S,F]
  const probs = g.one('Softmax', [g.one('Add', [g.one('Mul', [ctx, 'beta']), 'fact_bias'])], { axis: -1 });
  const row = g.one('Gather', ['successor_row', 'input_ids'], { axis: 0 }); // [B,S]
  const atPrev = g.one('Cast', [g.one('Equal', [g.one('Unsqueeze', [row, 'ax_last']), 'slot_prev_idx'])], { to: 1 }); // [B,S,N]
  const active = g.one('Mul', [g.one('MatMul', [probs, slotFact]), atPrev]); // [B,S,N]
  const boost = g.one('Log', [g.one('Add', [g.one('MatMul', [active, slotEmit]), 'epsilon'])]); // [B,S,A]
  const succ = g.one('Gather', ['successors', row], { axis: 0 });
  const la = g.one('Add', [g.one('Add', [boost, succ]), 'answer_base']);
  g.one('Pad', [la, 'pads', 'pad_value'], { mode: 0 as never }, 'logits');
  // Pad's mode attribute is a string; drop it (constant is the default).
  g.nodes[g.nodes.length - 1].attribute = [];

  const onnxBytes = encodeModel(
    g,
    {
      inputs: [
        ['input_ids', 'int64', ['batch_size', 'sequence_length']],
        ['attention_mask', 'int64', ['batch_size', 'total_sequence_length']],
        ['past_key_values.0.key', 'float', ['batch_size', 1, 'past_sequence_length', F]],
        ['past_key_values.0.value', 'float', ['batch_size', 1, 'past_sequence_length', F]],
      ],
      outputs: [
        ['logits', 'float', ['batch_size', 'sequence_length', V]],
        ['present.0.key', 'float', ['batch_size', 1, 'total_sequence_length', F]],
        ['present.0.value', 'float', ['batch_size', 1, 'total_sequence_length', F]],
      ],
    },
    { 'modelgrade.variant': variant.name, 'modelgrade.construction': 'retrieval-memory LM, see scripts/gen-models.ts' },
  );
  return { vocab, V, F, A, onnxBytes, memorised: memory.length };
}

/** Writes every variant under `outRoot` (default fixtures/models). */
function main(outRoot = join(ROOT, 'fixtures/models')) {
  const facts = corpus();
  for (const variant of VARIANTS) {
    const m = build(facts, variant, facts);
    const dir = join(outRoot, variant.name);
    mkdirSync(join(dir, 'onnx'), { recursive: true });
    const json = (o: unknown) => JSON.stringify(o, null, 2) + '\n';
    writeFileSync(join(dir, 'onnx/model.onnx'), m.onnxBytes);
    writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(tokenizerJson(m.vocab, { pad: PAD, eos: EOS, unk: UNK })) + '\n');
    writeFileSync(
      join(dir, 'tokenizer_config.json'),
      json({
        tokenizer_class: 'PreTrainedTokenizer',
        model_max_length: 8192,
        pad_token: PAD,
        eos_token: EOS,
        unk_token: UNK,
        clean_up_tokenization_spaces: true,
        chat_template: "{% for message in messages %}{{ message['content'] }}{% endfor %}",
      }),
    );
    writeFileSync(
      join(dir, 'config.json'),
      json({
        model_type: 'llama',
        architectures: ['LlamaForCausalLM'],
        vocab_size: m.V,
        hidden_size: m.F,
        head_dim: m.F,
        num_attention_heads: 1,
        num_key_value_heads: 1,
        num_hidden_layers: 1,
        max_position_embeddings: 8192,
        bos_token_id: null,
        eos_token_id: 1,
        pad_token_id: 0,
        torch_dtype: 'float32',
        modelgrade: {
          variant: variant.name,
          description: variant.description,
          construction: 'one-layer retrieval-memory language model generated by scripts/gen-models.ts from fixtures/corpus',
          facts_memorised: m.memorised,
          facts_in_corpus: facts.length,
        },
      }),
    );
    writeFileSync(join(dir, 'generation_config.json'), json({ eos_token_id: 1, pad_token_id: 0, do_sample: false, max_new_tokens: 32 }));
    console.log(`${variant.name}: vocab ${m.V}, facts ${m.memorised}/${facts.length}, answer tokens ${m.A}, onnx ${(m.onnxBytes.length / 1024).toFixed(0)} KiB`);
  }
}

main(process.argv[2]);
