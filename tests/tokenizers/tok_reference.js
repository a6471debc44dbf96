// Runs Hugging Face tokenizers 0.23.2 (the Rust library through its Node binding) over a
// JSON Lines file of inputs and writes what it produces, one JSON line per input, for the
// differential test (differential_test.cpp) to compare with cuddle.
//   usage: node tok_reference.js TOKENIZER_JSON INPUTS_JSONL OUTPUT_JSONL
// Input lines: {"text": "..."}, {"pair": ["a", "b"]} or {"plain": "..."} (encoded without
// special tokens). (The binding's encode rejects pre-tokenized word lists, so those are
// covered by the C++ unit tests only.)
// Output lines: {"ids", "tokens", "offsets", "type_ids", "words", "special", "overflow" (ids of each
// overflowing window), "decoded", "decoded_skip"}.
const { Tokenizer } = require('tokenizers');
const fs = require('fs');

const [tokFile, inFile, outFile] = process.argv.slice(2);
(async () => {
  const tok = Tokenizer.fromFile(tokFile);
  const inputs = fs.readFileSync(inFile, 'utf8').split('\n').filter((l) => l.length).map((l) => JSON.parse(l));
  const out = fs.openSync(outFile, 'w');
  const chunk = 2000;
  for (let start = 0; start < inputs.length; start += chunk) {
    const part = inputs.slice(start, start + chunk);
    // The binding's encodeBatch takes plain strings only; pairs go through encode(a, b).
    const texts = part.filter((x) => x.text !== undefined).map((x) => x.text);
    const batch = await tok.encodeBatch(texts, { addSpecialTokens: true });
    const encs = [];
    let next = 0;
    for (const x of part) {
      if (x.pair) encs.push(await tok.encode(x.pair[0], x.pair[1], { addSpecialTokens: true }));
      else if (x.plain !== undefined) encs.push(await tok.encode(x.plain, undefined, { addSpecialTokens: false }));
      else encs.push(batch[next++]);
    }
    const ids = encs.map((e) => e.getIds());
    const decoded = await tok.decodeBatch(ids, false);
    const skipped = await tok.decodeBatch(ids, true);
    const lines = encs.map((e, i) => JSON.stringify({
      ids: ids[i], tokens: e.getTokens(), offsets: e.getOffsets(), type_ids: e.getTypeIds(),
      words: e.getWordIds().map((w) => (w === undefined || w === null ? -1 : w)),
      special: e.getSpecialTokensMask(), overflow: e.getOverflowing().map((o) => o.getIds()),
      decoded: decoded[i], decoded_skip: skipped[i],
    }));
    fs.writeSync(out, lines.join('\n') + '\n');
  }
  fs.closeSync(out);
})().catch((e) => { console.error(e); process.exit(1); });
