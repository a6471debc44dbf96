"""Writes tests/fixtures/tokenizers/synthetic/*.json: tokenizer.json files that combine the
components the real tokenizers do not use (Whitespace, Punctuation, Digits, Split
behaviours, FixedLength, CharDelimiterSplit, UnicodeScripts, WordLevel, Unigram byte fallback, NFD/NFKD/
StripAccents/Strip/Nmt/ByteLevel normalizers, BertProcessing, CTC/BPEDecoder/Strip/Replace
decoders, truncation and padding from the file). The differential test runs them through
HF tokenizers like the real ones. Vocabularies come from the fixture tokenizers. (The Strip
decoder keeps stop=0: HF panics on an empty token when stop > 0; cuddle does not.)
    python3 tests/tokenizers/make_synthetic.py
"""
import json, os

root = os.path.join(os.path.dirname(__file__), '..', 'fixtures', 'tokenizers')
load = lambda d: json.load(open(os.path.join(root, d, 'tokenizer.json')))
wp, gpt2, xlmr = load('wordpiece'), load('bytelevel_bpe_gpt2'), load('unigram_xlmr')
out = os.path.join(root, 'synthetic')


def added(tokens):
    return [{'id': i, 'content': c, 'single_word': sw, 'lstrip': ls, 'rstrip': rs, 'normalized': n, 'special': sp}
            for i, (c, sw, ls, rs, n, sp) in enumerate(tokens)]


def write(name, tok):
    base = {'version': '1.0', 'truncation': None, 'padding': None, 'added_tokens': [], 'normalizer': None,
            'pre_tokenizer': None, 'model': None, 'post_processor': None, 'decoder': None}
    base.update(tok)
    with open(os.path.join(out, name + '.json'), 'w') as f:
        json.dump(base, f, ensure_ascii=False, indent=1)


write('wordlevel_whitespace', {
    'added_tokens': added([('[CLS]', False, False, False, False, True), ('[SEP]', False, False, False, False, True),
                           ('[UNK]', False, False, False, False, True), ('hello', True, False, False, True, False),
                           ('<tag>', False, True, True, False, False)]),
    'normalizer': {'type': 'Sequence', 'normalizers': [{'type': 'NFKD'}, {'type': 'StripAccents'}, {'type': 'Lowercase'},
                                                        {'type': 'Strip', 'strip_left': True, 'strip_right': True}]},
    'pre_tokenizer': {'type': 'Whitespace'},
    'model': {'type': 'WordLevel', 'vocab': wp['model']['vocab'], 'unk_token': '[UNK]'},
    'post_processor': {'type': 'BertProcessing', 'sep': ['[SEP]', wp['model']['vocab']['[SEP]']],
                       'cls': ['[CLS]', wp['model']['vocab']['[CLS]']]},
    'decoder': {'type': 'WordPiece', 'prefix': '##', 'cleanup': False},
})

write('wordpiece_punct_digits', {
    'added_tokens': added([('[CLS]', False, False, False, False, True), ('[SEP]', False, False, False, False, True)]),
    'normalizer': {'type': 'Sequence', 'normalizers': [{'type': 'Nmt'}, {'type': 'NFD'}, {'type': 'Lowercase'},
                                                        {'type': 'Replace', 'pattern': {'Regex': '\\s+'}, 'content': ' '}]},
    'pre_tokenizer': {'type': 'Sequence', 'pretokenizers': [{'type': 'WhitespaceSplit'},
                                                             {'type': 'Punctuation', 'behavior': 'Contiguous'},
                                                             {'type': 'Digits', 'individual_digits': True}]},
    'model': wp['model'],
    'post_processor': {'type': 'TemplateProcessing',
                       'single': [{'SpecialToken': {'id': '[CLS]', 'type_id': 0}}, {'Sequence': {'id': 'A', 'type_id': 0}},
                                  {'SpecialToken': {'id': '[SEP]', 'type_id': 0}}],
                       'pair': [{'SpecialToken': {'id': '[CLS]', 'type_id': 0}}, {'Sequence': {'id': 'A', 'type_id': 0}},
                                {'SpecialToken': {'id': '[SEP]', 'type_id': 0}}, {'Sequence': {'id': 'B', 'type_id': 1}},
                                {'SpecialToken': {'id': '[SEP]', 'type_id': 1}}],
                       'special_tokens': {t: {'id': t, 'ids': [wp['model']['vocab'][t]], 'tokens': [t]} for t in ('[CLS]', '[SEP]')}},
    'decoder': {'type': 'WordPiece', 'prefix': '##', 'cleanup': True},
    'truncation': {'direction': 'Left', 'max_length': 24, 'strategy': 'LongestFirst', 'stride': 3},
    'padding': {'strategy': {'Fixed': 32}, 'direction': 'Left', 'pad_to_multiple_of': None, 'pad_id': 0,
                'pad_type_id': 1, 'pad_token': '[PAD]'},
})

write('bpe_split_behaviors', {
    'normalizer': {'type': 'Sequence', 'normalizers': [{'type': 'NFKC'}, {'type': 'Prepend', 'prepend': ' '}]},
    'pre_tokenizer': {'type': 'Sequence', 'pretokenizers': [
        {'type': 'Split', 'pattern': {'String': ' '}, 'behavior': 'MergedWithNext', 'invert': False},
        {'type': 'Split', 'pattern': {'Regex': '\\d+'}, 'behavior': 'MergedWithPrevious', 'invert': False},
        {'type': 'Split', 'pattern': {'Regex': '[aeiou]{2}'}, 'behavior': 'Contiguous', 'invert': True},
        {'type': 'CharDelimiterSplit', 'delimiter': ','},
        {'type': 'ByteLevel', 'add_prefix_space': True, 'trim_offsets': True, 'use_regex': False}]},
    'model': gpt2['model'],
    'post_processor': {'type': 'ByteLevel', 'add_prefix_space': True, 'trim_offsets': True, 'use_regex': False},
    'decoder': {'type': 'Sequence', 'decoders': [{'type': 'ByteLevel', 'add_prefix_space': True, 'trim_offsets': True, 'use_regex': True}, {'type': 'Replace', 'pattern': {'Regex': 'o+'}, 'content': '0'},
                                                 {'type': 'Strip', 'content': ' ', 'start': 2, 'stop': 0}]},
    'truncation': {'direction': 'Right', 'max_length': 20, 'strategy': 'LongestFirst', 'stride': 2},
    'padding': {'strategy': 'BatchLongest', 'direction': 'Right', 'pad_to_multiple_of': 8, 'pad_id': 5,
                'pad_type_id': 0, 'pad_token': '<|endoftext|>'},
})

write('bpe_bytelevel_norm_fixed', {
    'normalizer': {'type': 'Sequence', 'normalizers': [{'type': 'ByteLevel'}]},
    'pre_tokenizer': {'type': 'Sequence', 'pretokenizers': [
        {'type': 'Split', 'pattern': {'Regex': '\u0120'}, 'behavior': 'Removed', 'invert': False},
        {'type': 'FixedLength', 'length': 4}]},
    'model': gpt2['model'],
    'decoder': {'type': 'Sequence', 'decoders': [{'type': 'BPEDecoder', 'suffix': 'e'},
                                                 {'type': 'CTC', 'pad_token': 'a', 'word_delimiter_token': 't', 'cleanup': True}]},
})

vocab = [p for p in xlmr['model']['vocab']] + [['<0x%02X>' % b, -30.0] for b in range(256)]
write('unigram_byte_fallback', {
    'added_tokens': added([('<s>', False, False, False, False, True), ('</s>', False, False, False, False, True)]),
    'normalizer': {'type': 'NFKC'},
    'pre_tokenizer': {'type': 'Metaspace', 'replacement': '\u2581', 'prepend_scheme': 'first', 'split': False},
    'model': {'type': 'Unigram', 'unk_id': xlmr['model']['unk_id'], 'vocab': vocab, 'byte_fallback': True},
    'post_processor': {'type': 'RobertaProcessing', 'sep': ['</s>', 2], 'cls': ['<s>', 0], 'trim_offsets': True,
                       'add_prefix_space': True},
    'decoder': {'type': 'Sequence', 'decoders': [{'type': 'Metaspace', 'replacement': '\u2581', 'prepend_scheme': 'first', 'split': False},
                                                 {'type': 'ByteFallback'}, {'type': 'Fuse'}]},
})

write('unigram_metaspace_never', {
    'normalizer': {'type': 'Sequence', 'normalizers': [{'type': 'NFD'}, {'type': 'StripAccents'}, {'type': 'NFC'}]},
    'pre_tokenizer': {'type': 'Sequence', 'pretokenizers': [{'type': 'Punctuation'},
                                                             {'type': 'Metaspace', 'replacement': '\u2581', 'prepend_scheme': 'never', 'split': True}]},
    'model': xlmr['model'],
    'decoder': {'type': 'Metaspace', 'replacement': '\u2581', 'prepend_scheme': 'never', 'split': True},
})

# UnicodeScripts alone into a WordLevel model that knows almost no piece: the offsets of
# the [UNK] tokens are the pieces, so the test compares every cut (and the dropped
# leading spaces) with HF.
write('wordlevel_unicode_scripts', {
    'pre_tokenizer': {'type': 'UnicodeScripts'},
    'model': {'type': 'WordLevel', 'vocab': wp['model']['vocab'], 'unk_token': '[UNK]'},
})

# SentencePiece's layout: script pieces, then Metaspace, into a Unigram model.
write('unigram_unicode_scripts_metaspace', {
    'normalizer': {'type': 'NFKC'},
    'pre_tokenizer': {'type': 'Sequence', 'pretokenizers': [
        {'type': 'UnicodeScripts'},
        {'type': 'Metaspace', 'replacement': '\u2581', 'prepend_scheme': 'first', 'split': True}]},
    'model': xlmr['model'],
    'decoder': {'type': 'Metaspace', 'replacement': '\u2581', 'prepend_scheme': 'first', 'split': True},
})
