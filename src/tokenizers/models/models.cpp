// The model factory: `model.type`, or for older files the shape of the JSON.
#include "tokenizers/models/model.h"

namespace cuddle::tok {

std::unique_ptr<Model> make_model(const JsonRef& j) {
  std::string t;
  if (auto ty = j.get("type")) {
    t = ty->str();
  } else if (j.has("merges")) {  // older files leave the type out
    t = "BPE";
  } else if (j.has("vocab") && j.at("vocab").is_array()) {
    t = "Unigram";
  } else if (j.has("max_input_chars_per_word") || j.has("continuing_subword_prefix")) {
    t = "WordPiece";
  } else {
    t = "WordLevel";
  }
  if (t == "BPE") return make_bpe(j);
  if (t == "WordPiece") return make_wordpiece(j);
  if (t == "WordLevel") return make_wordlevel(j);
  if (t == "Unigram") return make_unigram(j);
  throw UnknownComponentError(j.path + ".type: unknown model type \"" + t + "\"");
}

}  // namespace cuddle::tok
