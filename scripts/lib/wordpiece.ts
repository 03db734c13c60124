/**
 * The tokenizer of the embedded reference models: NFKC + lower case, split on whitespace and
 * punctuation (as BERT's pre-tokenizer), every CJK (wide) character split off as a word of its own,
 * then WordPiece over a vocabulary of whole words (unknown ASCII words fall back to letters, "##"
 * marking continuations). Decoding joins words with spaces, except next to CJK characters.
 * This mirrors what @huggingface/tokenizers does with the tokenizer.json written below.
 */
const PUNCT = '\\p{P}\\u0021-\\u002F\\u003A-\\u0040\\u005B-\\u0060\\u007B-\\u007E';
const PRE = new RegExp(`[^\\s${PUNCT}]+|[${PUNCT}]`, 'gu');

export const isWide = (ch: string) => ch.codePointAt(0)! >= 0x2e80;

/** Words after normalisation and pre-tokenisation. */
export function preTokenize(text: string): string[] {
  return text.normalize('NFKC').toLowerCase().match(PRE) ?? [];
}

/** Pieces of one word: wide characters alone, other characters in runs. */
export function pieces(word: string): string[] {
  const out: string[] = [];
  let run = '';
  for (const ch of word) {
    if (isWide(ch)) {
      if (run) out.push(run), (run = '');
      out.push(ch);
    } else run += ch;
  }
  if (run) out.push(run);
  return out;
}

/** Tokens (vocabulary strings) of a text whose words are all in the vocabulary. */
export function tokenize(text: string): string[] {
  return preTokenize(text).flatMap((w) => pieces(w));
}

const WIDE = '[\u2e80-\uffff]';

/** The surface form of a token ("##年" → "年"). */
export const surface = (t: string) => (t.startsWith('##') ? t.slice(2) : t);

/** tokenizer.json for a vocabulary (index = id). */
export function tokenizerJson(vocab: string[], special: { pad: string; eos: string; unk: string }) {
  const added = [special.pad, special.eos, special.unk].map((content) => ({
    id: vocab.indexOf(content), content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true,
  }));
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: added,
    normalizer: { type: 'Sequence', normalizers: [{ type: 'NFKC' }, { type: 'Lowercase' }] },
    pre_tokenizer: {
      type: 'Sequence',
      pretokenizers: [{ type: 'BertPreTokenizer' }, { type: 'Split', pattern: { Regex: WIDE }, behavior: 'Isolated', invert: false }],
    },
    post_processor: null,
    decoder: {
      type: 'Sequence',
      decoders: [
        { type: 'WordPiece', prefix: '##', cleanup: true },
        { type: 'Fuse' },
        { type: 'Replace', pattern: { Regex: ` (?=${WIDE})|(?<=${WIDE}) ` }, content: '' },
        // Numbers come back whole: "6165. 71" → "6165.71", "1, 234" → "1,234", "5 %" → "5%".
        { type: 'Replace', pattern: { Regex: '(?<=\\d)\\. (?=\\d)' }, content: '.' },
        { type: 'Replace', pattern: { Regex: '(?<=\\d), (?=\\d)' }, content: ',' },
        { type: 'Replace', pattern: { Regex: '(?<=\\d) (?=[%‰])' }, content: '' },
      ],
    },
    model: {
      type: 'WordPiece',
      unk_token: special.unk,
      continuing_subword_prefix: '##',
      max_input_chars_per_word: 100000,
      vocab: Object.fromEntries(vocab.map((t, i) => [t, i])),
    },
  };
}
