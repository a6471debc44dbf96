// fill-mask: the most likely tokens for each mask token of the input. As in transformers:
// softmax over the vocabulary at the mask, top_k (default 5) candidates or only `targets`
// (a target that is not a vocabulary entry stands for the first token it tokenizes to),
// each with the filled-in sequence decoded without padding (and without special tokens
// when the input has a single mask). One mask gives a list per input, several masks a
// list of lists.
#include <algorithm>
#include <set>

#include "pipelines/common.h"
#include "pipelines/task.h"

namespace cuddle::pipelines {
namespace {

class FillMask : public PipelineTask {
 public:
  FillMask(ModelPtr m, TokenizerPtr t, const PipelineOptions& o, uint32_t mask_id, std::string mask_token)
      : PipelineTask("fill-mask", std::move(m), std::move(t), o), mask_id_(mask_id), mask_token_(std::move(mask_token)) {}

  PipelineOutput run(const std::vector<PipelineInput>& inputs, const PipelineOptions& o) const override {
    const EncodedTexts encoded = encode_inputs(model(), tokenizer(), inputs);
    const std::vector<std::string>& texts = encoded.texts;
    const std::vector<Encoding>& encodings = encoded.encodings;
    for (size_t i = 0; i < encodings.size(); ++i)
      if (std::find(encodings[i].ids.begin(), encodings[i].ids.end(), mask_id_) == encodings[i].ids.end())
        throw Error("fill-mask: no mask token (" + mask_token_ + ") in input " + std::to_string(i + 1) + ": \"" +
                    texts[i].substr(0, 80) + "\"");
    std::vector<uint32_t> targets = target_ids(o.targets);
    size_t top_k = o.top_k ? (*o.top_k <= 0 ? SIZE_MAX : static_cast<size_t>(*o.top_k)) : 5;
    if (!targets.empty()) top_k = std::min(top_k, targets.size());
    auto rows = forward_rows(model(), tokenizer(), encodings, o.batch_size, {output_named("logits")},
                             [](const Tensor&) { return true; });
    PipelineOutput out = PipelineOutput::array();
    for (size_t i = 0; i < encodings.size(); ++i) {
      const Encoding& enc = encodings[i];
      const Tensor& logits = rows[i][0];
      const auto vocab = static_cast<size_t>(logits.size(1));
      std::vector<size_t> masks;
      for (size_t t = 0; t < enc.size(); ++t)
        if (enc.ids[t] == mask_id_) masks.push_back(t);
      bool single = masks.size() == 1;
      PipelineOutput per_mask = PipelineOutput::array();
      for (size_t m : masks) {
        std::vector<float> probs = softmax(logits.data<float>() + m * vocab, vocab);
        std::vector<uint32_t> candidates = targets;
        if (candidates.empty())
          for (size_t v = 0; v < vocab; ++v) candidates.push_back(static_cast<uint32_t>(v));
        std::vector<float> cand_scores;
        for (uint32_t c : candidates) cand_scores.push_back(c < vocab ? probs[c] : 0.0f);
        std::vector<size_t> order = order_descending(cand_scores, top_k);
        PipelineOutput row = PipelineOutput::array();
        for (size_t r = 0; r < order.size(); ++r) {
          uint32_t token = candidates[order[r]];
          std::vector<uint32_t> ids;
          for (size_t t = 0; t < enc.size(); ++t) {
            uint32_t id = t == m ? token : enc.ids[t];
            if (id != tokenizer().pad_token_id()) ids.push_back(id);
          }
          row.push_back({{"score", cand_scores[order[r]]},
                         {"token", token},
                         {"token_str", tokenizer().decode({token})},
                         {"sequence", tokenizer().decode(ids, /*skip_special_tokens=*/single)}});
        }
        per_mask.push_back(std::move(row));
      }
      out.push_back(single ? per_mask[0] : per_mask);
    }
    return out;
  }

 private:
  std::vector<uint32_t> target_ids(const std::vector<std::string>& targets) const {
    std::set<uint32_t> ids;
    for (const auto& t : targets) {
      if (auto id = tokenizer().tokenizer().token_to_id(t)) {
        ids.insert(*id);
        continue;
      }
      Encoding e = tokenizer().tokenizer().encode(t, /*add_special_tokens=*/false);
      if (e.ids.empty()) throw Error("fill-mask: target \"" + t + "\" tokenizes to nothing");
      ids.insert(e.ids[0]);
    }
    return {ids.begin(), ids.end()};
  }

  uint32_t mask_id_;
  std::string mask_token_;
};

}  // namespace

TaskPtr make_fill_mask(ModelPtr m, TokenizerPtr t, const PipelineOptions& o) {
  auto mask = t->special_token("mask_token");
  std::optional<uint32_t> id;
  if (mask) id = t->tokenizer().token_to_id(*mask);
  if (!id) throw Error("fill-mask: the tokenizer has no mask token (mask_token in tokenizer_config.json)");
  return std::make_shared<FillMask>(std::move(m), std::move(t), o, *id, *mask);
}

}  // namespace cuddle::pipelines
