// token-classification (NER): a label per token, then optionally grouped. Follows
// transformers' rules: special tokens are skipped; a token is a sub-word when the
// tokenizer marks continuations with a prefix (WordPiece "##") and the token text differs
// in length from the text it covers, otherwise when no space precedes it; unknown tokens
// show the original text. Strategies: none (per token), simple (group adjacent B-/I- tags),
// first / average / max (one label per word first, then group). Labels in ignore_labels
// are dropped. With `stride`, a text longer than the model's limit is read in overlapping
// windows, each labelled on its own, and the overlaps reconciled; without it the text is
// truncated.
#include <algorithm>
#include <cmath>
#include <optional>

#include "pipelines/common.h"
#include "pipelines/overlapping_entities.h"
#include "pipelines/task.h"

namespace cuddle::pipelines {
namespace {

enum class Aggregation { None, Simple, First, Average, Max };

Aggregation parse_aggregation(const std::string& s) {
  if (s == "none") return Aggregation::None;
  if (s == "simple") return Aggregation::Simple;
  if (s == "first") return Aggregation::First;
  if (s == "average") return Aggregation::Average;
  if (s == "max") return Aggregation::Max;
  throw Error("aggregation_strategy must be none, simple, first, average or max, got \"" + s + "\"");
}

struct PreEntity {
  std::string word;
  std::vector<float> scores;
  size_t start = 0, end = 0, index = 0;
  bool is_subword = false;
};

// transformers' checks on `stride`: less than the model's limit, and at most what a window
// holds once the special tokens are in (the tokenizers library's check; at exactly that, the
// tokenizer refuses texts longer than one window, as HF's panics). An explicit
// aggregation_strategy "none" is refused; unset, windows give per-token results.
void check_stride(const PreTrainedModel& model, const AutoTokenizer& tokenizer, const PipelineOptions& o) {
  if (!o.stride) return;
  const size_t stride = *o.stride, max_length = max_input_length(model, tokenizer);
  if (stride >= max_length)
    throw Error("stride " + std::to_string(stride) + " must be less than the model's max length " +
                std::to_string(max_length) + " (less still when the tokenizer adds special tokens)");
  const size_t special = tokenizer.tokenizer().num_special_tokens_to_add(/*pair=*/false);
  if (stride > max_length - std::min(special, max_length))
    throw Error("stride " + std::to_string(stride) + " is more than the " + std::to_string(max_length - special) +
                " tokens a window holds (max length " + std::to_string(max_length) + " minus " +
                std::to_string(special) + " special tokens)");
  if (o.aggregation_strategy == "none")
    throw Error("stride was given to process all the text but aggregation_strategy is \"none\": choose simple, "
                "first, average or max, or leave it unset");
}

// Splits "B-PER" into ("B", "PER"); a label without a B-/I- prefix counts as inside.
std::pair<char, std::string> bi_tag(const std::string& label) {
  if (label.rfind("B-", 0) == 0) return {'B', label.substr(2)};
  if (label.rfind("I-", 0) == 0) return {'I', label.substr(2)};
  return {'I', label};
}

class TokenClassification : public PipelineTask {
 public:
  using PipelineTask::PipelineTask;

  PipelineOutput run(const std::vector<PipelineInput>& inputs, const PipelineOptions& o) const override {
    Aggregation strategy = parse_aggregation(o.aggregation_strategy.value_or("none"));
    check_stride(model(), tokenizer(), o);
    EncodedTexts encoded = encode_inputs(model(), tokenizer(), inputs, o.stride);
    // Without stride only the first window is read: the text is truncated (docs/pipelines.md).
    if (!o.stride)
      for (auto& e : encoded.encodings) e.overflowing.clear();
    const auto [windows, owner] = split_windows(std::move(encoded.encodings));
    auto rows = forward_rows(model(), tokenizer(), windows, o.batch_size, {output_named("logits")},
                             [](const Tensor&) { return true; });
    const bool grouped = strategy != Aggregation::None;
    PipelineOutput out = PipelineOutput::array();
    for (size_t i = 0; i < inputs.size(); ++i) {
      std::vector<TokenEntity> entities;
      size_t window_count = 0;
      for (size_t w = 0; w < windows.size(); ++w) {
        if (owner[w] != i) continue;
        auto found = window_entities(encoded.texts[i], windows[w], rows[w][0], strategy, o.ignore_labels);
        entities.insert(entities.end(), found.begin(), found.end());
        ++window_count;
      }
      if (window_count > 1) entities = resolve_overlapping_entities(std::move(entities));
      PipelineOutput result = PipelineOutput::array();
      for (const auto& e : entities) {
        if (grouped)
          result.push_back({{"entity_group", e.label}, {"score", e.score}, {"word", e.word}, {"start", e.start}, {"end", e.end}});
        else
          result.push_back({{"entity", e.label}, {"score", e.score}, {"index", e.index}, {"word", e.word},
                            {"start", e.start}, {"end", e.end}});
      }
      out.push_back(std::move(result));
    }
    return out;
  }

 private:
  // The entities of one window, without the ignored labels (dropped per window, before
  // overlaps are reconciled, as transformers does).
  std::vector<TokenEntity> window_entities(const std::string& text, const Encoding& window, const Tensor& logits,
                                           Aggregation strategy, const std::vector<std::string>& ignore) const {
    auto pre = gather(text, window, logits);
    std::vector<TokenEntity> entities;
    if (strategy == Aggregation::None || strategy == Aggregation::Simple) {
      for (const auto& p : pre) entities.push_back(token_entity(p));
    } else {
      entities = aggregate_words(pre, strategy);
    }
    if (strategy != Aggregation::None) entities = group(entities);
    std::erase_if(entities, [&](const TokenEntity& e) {
      return std::find(ignore.begin(), ignore.end(), e.label) != ignore.end();
    });
    return entities;
  }

  std::vector<PreEntity> gather(const std::string& text, const Encoding& enc, const Tensor& logits) const {
    CharIndex chars(text);
    auto prefix = tokenizer().tokenizer().continuing_subword_prefix();
    bool word_aware = prefix && !prefix->empty();
    std::optional<uint32_t> unk;
    if (auto u = tokenizer().special_token("unk_token")) unk = tokenizer().tokenizer().token_to_id(*u);
    const auto labels = static_cast<size_t>(logits.size(1));
    std::vector<PreEntity> pre;
    for (size_t t = 0; t < enc.size(); ++t) {
      if (enc.special_tokens_mask[t]) continue;
      PreEntity p;
      p.word = enc.tokens[t];
      p.scores = softmax(logits.data<float>() + t * labels, labels);
      p.index = t;
      std::tie(p.start, p.end) = enc.offsets[t];
      std::string ref = chars.slice(p.start, p.end);
      if (word_aware) {
        p.is_subword = char_length(p.word) != char_length(ref);
      } else {
        p.is_subword = p.start > 0 && chars.slice(p.start - 1, p.start + 1).find(' ') == std::string::npos;
      }
      if (unk && enc.ids[t] == *unk) {
        p.word = ref;
        p.is_subword = false;
      }
      pre.push_back(std::move(p));
    }
    return pre;
  }

  TokenEntity token_entity(const PreEntity& p) const {
    size_t best = argmax(p.scores.data(), p.scores.size());
    return {label_name(model().config(), static_cast<int64_t>(best)), p.scores[best], p.word, p.start, p.end, p.index};
  }

  // One entity for the tokens of one word, labelled by the first token, the token with the
  // highest score, or the average of the score vectors.
  TokenEntity aggregate_word(const std::vector<const PreEntity*>& word, Aggregation strategy) const {
    std::vector<std::string> tokens;
    for (const auto* p : word) tokens.push_back(p->word);
    std::vector<float> scores;
    if (strategy == Aggregation::First) {
      scores = word.front()->scores;
    } else if (strategy == Aggregation::Max) {
      const PreEntity* best = word.front();
      float best_max = -INFINITY;
      for (const auto* p : word) {
        float m = *std::max_element(p->scores.begin(), p->scores.end());
        if (m > best_max) best_max = m, best = p;
      }
      scores = best->scores;
    } else {
      scores.assign(word.front()->scores.size(), 0.0f);
      for (const auto* p : word)
        for (size_t k = 0; k < scores.size(); ++k) scores[k] += p->scores[k];
      for (float& s : scores) s /= static_cast<float>(word.size());
    }
    size_t best = argmax(scores.data(), scores.size());
    return {label_name(model().config(), static_cast<int64_t>(best)), scores[best],
            tokenizer().convert_tokens_to_string(tokens), word.front()->start, word.back()->end, word.front()->index};
  }

  std::vector<TokenEntity> aggregate_words(const std::vector<PreEntity>& pre, Aggregation strategy) const {
    std::vector<TokenEntity> words;
    std::vector<const PreEntity*> current;
    for (const auto& p : pre) {
      if (!current.empty() && !p.is_subword) {
        words.push_back(aggregate_word(current, strategy));
        current.clear();
      }
      current.push_back(&p);
    }
    if (!current.empty()) words.push_back(aggregate_word(current, strategy));
    return words;
  }

  // Adjacent entities with the same tag join unless the next one begins with B-; the group
  // scores the mean of its members and its word is the tokenizer's rendering of theirs.
  std::vector<TokenEntity> group(const std::vector<TokenEntity>& entities) const {
    std::vector<TokenEntity> groups;
    std::vector<const TokenEntity*> current;
    auto flush = [&] {
      std::vector<std::string> words;
      float sum = 0.0f;
      for (const auto* e : current) words.push_back(e->word), sum += e->score;
      TokenEntity g;
      // transformers names the group after the first '-' ("B-PER" -> "PER", "O" -> "O").
      const std::string& first = current.front()->label;
      size_t dash = first.find('-');
      g.label = dash == std::string::npos ? first : first.substr(dash + 1);
      g.score = sum / static_cast<float>(current.size());
      g.word = tokenizer().convert_tokens_to_string(words);
      g.start = current.front()->start;
      g.end = current.back()->end;
      groups.push_back(std::move(g));
      current.clear();
    };
    for (const auto& e : entities) {
      if (!current.empty()) {
        auto [bi, tag] = bi_tag(e.label);
        auto [last_bi, last_tag] = bi_tag(current.back()->label);
        if (!(tag == last_tag && bi != 'B')) flush();
      }
      current.push_back(&e);
    }
    if (!current.empty()) flush();
    return groups;
  }
};

}  // namespace

TaskPtr make_token_classification(ModelPtr m, TokenizerPtr t, const PipelineOptions& o) {
  parse_aggregation(o.aggregation_strategy.value_or("none"));
  check_stride(*m, *t, o);
  return std::make_shared<TokenClassification>("token-classification", std::move(m), std::move(t), o);
}

}  // namespace cuddle::pipelines
