import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { checkSchema, extractJson, json, validateSchema } from '../../src/metrics/json.ts';
import type { Case } from '../../src/core/types.ts';

/** A transaction extracted from a bank notice. */
const TXN = {
  type: 'object',
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 20 },
    amount: { type: 'number', minimum: 0 },
    currency: { enum: ['CNY', 'USD'] },
    date: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' },
    tags: { type: 'array', items: { type: 'string' }, maxItems: 3 },
  },
  required: ['name', 'amount', 'currency'],
  additionalProperties: false,
};

/** A list of risk flags. */
const FLAGS = { type: 'array', minItems: 1, items: { type: 'object', properties: { code: { type: 'integer' }, level: { enum: ['low', 'medium', 'high'] } }, required: ['code', 'level'] } };

function mkCase(over: Partial<Case> = {}): Case {
  return {
    id: 'fin-ex-0001',
    scenario: 'risk-fraud',
    indicator: 'capability.maturity.format',
    lang: 'zh',
    task: 'json',
    input: '从以下通知中提取交易信息，以JSON输出。',
    schema: TXN,
    source: 'test',
    ...over,
  };
}

const T = '{"name":"张三","amount":1200.5,"currency":"CNY","date":"2024-06-30"}';

/** [output, schema, pass] */
const TABLE: [string, Record<string, unknown>, boolean][] = [
  [T, TXN, true],
  [`  ${T}\n`, TXN, true],
  [`好的，提取结果如下：\n\`\`\`json\n${T}\n\`\`\`\n如需其他格式请告诉我。`, TXN, true],
  [`Here is the JSON:\n\`\`\`\n${T}\n\`\`\``, TXN, true],
  [`\`\`\`JSON\n${T}\n\`\`\``, TXN, true],
  [`提取结果：${T}。`, TXN, true],
  [`Sure! ${T} Let me know if you need anything else.`, TXN, true],
  ['{"name":"Li Si","amount":0,"currency":"USD"}', TXN, true],
  ['{"name":"李四","amount":88,"currency":"CNY","tags":["转账","大额"]}', TXN, true],
  ['{"name": "王五", "amount": 1e3, "currency": "CNY"}', TXN, true],
  ['{"name":"含}括号{的名字","amount":5,"currency":"CNY"}', TXN, true],
  ['说明：{"name":"赵六","amount":5,"currency":"CNY"} 其中 amount 单位为元', TXN, true],
  // Broken schema.
  ['{"name":"张三","amount":"1200","currency":"CNY"}', TXN, false],
  ['{"name":"张三","amount":-5,"currency":"CNY"}', TXN, false],
  ['{"name":"张三","amount":5,"currency":"RMB"}', TXN, false],
  ['{"name":"张三","amount":5}', TXN, false],
  ['{"name":"","amount":5,"currency":"CNY"}', TXN, false],
  ['{"name":"张三","amount":5,"currency":"CNY","date":"2024/06/30"}', TXN, false],
  ['{"name":"张三","amount":5,"currency":"CNY","note":"extra"}', TXN, false],
  ['{"name":"张三","amount":5,"currency":"CNY","tags":["a","b","c","d"]}', TXN, false],
  ['{"name":"张三","amount":5,"currency":"CNY","tags":[1]}', TXN, false],
  ['{"name":"这是一个非常非常非常非常非常非常长的名字超过二十","amount":5,"currency":"CNY"}', TXN, false],
  ['[{"name":"张三","amount":5,"currency":"CNY"}]', TXN, false],
  // Not JSON.
  ["{'name': '张三', 'amount': 5, 'currency': 'CNY'}", TXN, false],
  ['{name: "张三", amount: 5, currency: "CNY"}', TXN, false],
  ['姓名：张三，金额：1200元，币种：人民币', TXN, false],
  ['```json\n{"name":"张三","amount":5,\n```', TXN, false],
  ['', TXN, false],
  ['抱歉，我无法从通知中提取交易信息。', TXN, false],
  // The first JSON decides; a later one never rescues it.
  ['错误示例：{"name":"x"}；正确：{"name":"x","amount":1,"currency":"CNY"}', TXN, false],
  // Arrays.
  ['[{"code":101,"level":"high"},{"code":7,"level":"low"}]', FLAGS, true],
  ['Risk flags: [{"code": 101, "level": "medium"}]', FLAGS, true],
  ['```json\n[\n  {"code": 3, "level": "low"}\n]\n```', FLAGS, true],
  ['[]', FLAGS, false],
  ['[{"code":1.5,"level":"high"}]', FLAGS, false],
  ['[{"code":1,"level":"critical"}]', FLAGS, false],
  ['[{"code":1}]', FLAGS, false],
  ['{"code":1,"level":"low"}', FLAGS, false],
  // Scalars and null.
  ['true', { type: 'boolean' }, true],
  ['null', { type: ['string', 'null'] }, true],
  ['"通过"', { enum: ['通过', '拒绝'] }, true],
  ['"待定"', { enum: ['通过', '拒绝'] }, false],
  ['3.0', { type: 'integer', maximum: 3 }, true],
  ['4', { type: 'integer', maximum: 3 }, false],
];

test(`json scorer: ${TABLE.length} realistic outputs`, () => {
  assert.ok(TABLE.length >= 30);
  const wrong: string[] = [];
  for (const [out, schema, want] of TABLE) {
    const c = mkCase({ schema });
    assert.is(json.check(c), undefined, JSON.stringify(schema));
    const s = json.score(c, { output: out });
    if (s.pass !== want || s.value !== (want ? 1 : 0)) wrong.push(`${JSON.stringify(out)}: ${s.reason}`);
  }
  assert.equal(wrong, []);
});

test('extractJson: where the value comes from', () => {
  assert.equal(extractJson('{"a":1}'), { value: { a: 1 }, source: 'whole' });
  assert.equal(extractJson('x\n```\n[1]\n```\ny\n```json\n{"b":2}\n```'), { value: { b: 2 }, source: 'fenced' }, 'a json-labelled fence comes first');
  assert.equal(extractJson('见 [注1] 与 {"c":"}"}'), { value: { c: '}' }, source: 'span' }, 'a span that does not parse is skipped');
  assert.is(extractJson('no json here'), null);
});

test('json scorer: reasons name the path and the problem', () => {
  const s = json.score(mkCase(), { output: '{"name":"张三","amount":"5","currency":"RMB","x":1}' });
  assert.match(s.reason, /\$\.amount: expected number, got string/);
  assert.match(s.reason, /\$\.currency: "RMB" is not one of/);
  assert.match(s.reason, /property "x" is not allowed/);
  assert.equal(s.extra, { parsed: 1, source: 'whole' });
  const none = json.score(mkCase(), { output: '金额1200元' });
  assert.match(none.reason, /no JSON value found/);
  assert.equal(none.extra, { parsed: 0 });
  const nested = validateSchema([{ code: 'x', level: 'low' }], FLAGS);
  assert.equal(nested, ['$[0].code: expected integer, got string']);
  assert.equal(validateSchema({ 'a b': 1 }, { additionalProperties: { type: 'string' } }), ['$["a b"]: expected string, got number']);
});

// ---------- check(): invalid schemas ----------

/** [schema, message fragment] */
const BAD: [unknown, RegExp][] = [
  [[], /a schema must be a JSON object, got an array/],
  ['object', /a schema must be a JSON object/],
  [true, /a schema must be a JSON object/],
  [{ type: 'float' }, /schema\.type: unknown type "float"/],
  [{ type: ['string', 'text'] }, /unknown type "text"/],
  [{ type: [] }, /empty list of types/],
  [{ properties: { amount: { type: 'decimal' } } }, /schema\.properties\.amount\.type: unknown type "decimal"/],
  [{ items: { type: 'string', pattern: '([a-z]' } }, /schema\.items\.pattern: "\(\[a-z\]" does not compile/],
  [{ pattern: '\\p{Nope}' }, /does not compile: Invalid property name/],
  [{ oneOf: [{ type: 'string' }] }, /keyword "oneOf" is not supported/],
  [{ format: 'email' }, /keyword "format" is not supported/],
  [{ items: [{ type: 'string' }] }, /tuple form/],
  [{ required: 'name' }, /schema\.required: must be an array/],
  [{ minLength: -1 }, /minLength: must be a whole number/],
  [{ minimum: '0' }, /minimum: must be a number/],
  [{ minimum: 5, maximum: 1 }, /minimum 5 is above maximum 1/],
  [{ enum: [] }, /enum: must be a non-empty array/],
  [{ additionalProperties: 'no' }, /additionalProperties: a schema must be a JSON object/],
  [{ properties: { a: {} }, required: ['b'], additionalProperties: false }, /"b" is required but additionalProperties is false/],
];

test('json scorer: check() rejects invalid schemas, naming the path', () => {
  for (const [schema, msg] of BAD) {
    const p = json.check(mkCase({ schema: schema as Record<string, unknown> }));
    assert.is(p?.field, 'schema', JSON.stringify(schema));
    assert.match(p!.message, msg);
  }
  assert.is(json.check(mkCase({ schema: undefined }))?.field, 'schema');
  assert.is(json.check(mkCase({ schema: { $schema: 'https://json-schema.org/draft/2020-12/schema', title: 't', description: 'd', type: 'object' } })), undefined, 'annotations are accepted');
  assert.ok(json.request(mkCase()).maxTokens >= 256);
});

test('property: check() rejects any unknown type name and any non-compiling pattern', () => {
  const known = ['object', 'array', 'string', 'number', 'integer', 'boolean', 'null'];
  fc.assert(
    fc.property(fc.string({ maxLength: 10 }).filter((t) => !known.includes(t)), fc.boolean(), (name, nested) => {
      const schema = nested ? { type: 'object', properties: { x: { type: name } } } : { type: name };
      assert.match(checkSchema(schema) ?? '', /unknown type/);
    }),
    { numRuns: 200 },
  );
  fc.assert(
    fc.property(fc.string({ unit: fc.constantFrom(...'ab()[]{}*+?\\|^$.1-'.split('')), maxLength: 10 }), (pattern) => {
      let compiles = true;
      try {
        new RegExp(pattern, 'u');
      } catch {
        compiles = false;
      }
      const p = checkSchema({ type: 'string', pattern });
      assert.is(p === undefined, compiles, pattern);
    }),
    { numRuns: 300 },
  );
});

// ---------- properties ----------

test('property: the json value is 0 or 1 for any reply', () => {
  fc.assert(
    fc.property(fc.oneof(fc.string(), fc.json(), fc.string({ unit: fc.constantFrom(...'{}[]":,` \njsonabc1'.split('')) })), fc.constantFrom(TXN, FLAGS), (output, schema) => {
      const s = json.score(mkCase({ schema }), { output });
      assert.ok(s.value === 0 || s.value === 1);
      assert.is(s.pass, s.value === 1);
    }),
    { numRuns: 500 },
  );
});

const txnArb = fc.record(
  {
    name: fc.string({ minLength: 1, maxLength: 20 }),
    amount: fc.double({ min: 0, max: 1e9, noNaN: true }),
    currency: fc.constantFrom('CNY', 'USD'),
    date: fc.date({ min: new Date('2000-01-01'), max: new Date('2099-12-31'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10)),
    tags: fc.array(fc.string(), { maxLength: 3 }),
  },
  { requiredKeys: ['name', 'amount', 'currency'] },
);

test('property: a conforming object passes however it is wrapped; dropping a required key fails', () => {
  fc.assert(
    fc.property(txnArb, fc.constantFrom('', '好的：', 'Here you go:\n```json\n', '提取结果如下\n```\n'), fc.constantFrom('', '\n```', '\n```\n以上。'), fc.constantFrom('name', 'amount', 'currency'), (txn, pre, post, drop) => {
      const wrap = (o: unknown) => `${pre}${JSON.stringify(o, null, pre.includes('```') ? 2 : 0)}${pre.includes('```') ? '\n```' : post.includes('```') ? '' : post}`;
      assert.is(json.score(mkCase(), { output: wrap(txn) }).pass, true, wrap(txn));
      const less: Record<string, unknown> = { ...txn };
      delete less[drop];
      assert.is(json.score(mkCase(), { output: wrap(less) }).pass, false);
    }),
    { numRuns: 300 },
  );
});

test.run();
