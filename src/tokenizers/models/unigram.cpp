// Unigram: Viterbi over the byte lattice of the word (best total log-probability), unknown
// chars scored min_score - 10 and fused, optional byte fallback for unknown pieces - HF's
// encode_optimized.
#include <algorithm>
#include <cmath>

#include "tokenizers/models/model.h"
#include "tokenizers/models/token_trie.h"
#include "tokenizers/unicode.h"

namespace cuddle::tok {
namespace {

constexpr double kUnkPenalty = 10.0;

class Unigram : public Model {
 public:
  explicit Unigram(const JsonRef& j) {
    JsonRef v = j.at("vocab");
    if (!v.is_array()) v.fail("expected an array");
    simdjson::dom::array entries(v.value);
    pieces_.reserve(entries.size());
    trie_.reserve(entries.size() * 2);
    min_score_ = INFINITY;
    for (simdjson::dom::element e : entries) {
      // Paths are built only for an error message, as JsonRef::elements() would name them.
      auto fail = [&](const std::string& suffix, const std::string& what) {
        JsonRef{e, v.path + "[" + std::to_string(pieces_.size()) + "]" + suffix}.fail(what);
      };
      if (!e.is_array()) fail("", "expected an array");
      simdjson::dom::array pair(e);
      if (pair.size() != 2) fail("", "expected [piece, score]");
      simdjson::dom::element piece = pair.at(0).value_unsafe(), score = pair.at(1).value_unsafe();
      if (!piece.is_string()) fail("[0]", "expected a string");
      if (!score.is_number()) fail("[1]", "expected a number");
      std::string_view p(piece);
      double sc = score.is_double()  ? double(score)
                  : score.is_int64() ? static_cast<double>(int64_t(score))
                                     : static_cast<double>(uint64_t(score));
      trie_.insert(p, static_cast<uint32_t>(pieces_.size()));
      pieces_.push_back({std::string(p), sc});
      min_score_ = std::min(min_score_, sc);
    }
    if (auto u = j.get("unk_id")) {
      int64_t id = u->integer();
      if (pieces_.empty()) u->fail("unk_id given but the vocab is empty");
      if (id < 0 || static_cast<size_t>(id) >= pieces_.size()) u->fail("unk_id " + std::to_string(id) + " is not in the vocab");
      unk_id_ = static_cast<uint32_t>(id);
    }
    byte_fallback_ = j.boolean("byte_fallback", false);
  }

  std::vector<Token> tokenize(std::string_view s) const override {
    std::vector<Token> out;
    if (s.empty()) return out;
    std::vector<std::string_view> pieces = encode(s);
    out.reserve(pieces.size());
    size_t offset = 0;
    for (auto p : pieces) {
      size_t len = p.size();
      if (uint32_t id = trie_.find(p); id != TokenTrie::kNone) {
        out.push_back({id, std::string(p), {offset, offset + len}});
      } else {
        bool done = false;
        if (byte_fallback_) {
          std::vector<Token> bytes;
          for (unsigned char c : p) {
            char name[8];
            std::snprintf(name, sizeof name, "<0x%02X>", c);
            uint32_t b = trie_.find(name);
            if (b == TokenTrie::kNone) break;
            bytes.push_back({b, name, {offset, offset + len}});
          }
          if (bytes.size() == len) {
            for (auto& t : bytes) out.push_back(std::move(t));
            done = true;
          }
        }
        if (!done) {
          if (!unk_id_) throw Error("Unigram: a piece is not in the vocab and the model has no unk_id");
          out.push_back({*unk_id_, std::string(p), {offset, offset + len}});
        }
      }
      offset += len;
    }
    return out;
  }

  std::optional<uint32_t> token_to_id(std::string_view t) const override {
    uint32_t id = trie_.find(t);
    if (id == TokenTrie::kNone) return std::nullopt;
    return id;
  }
  std::optional<std::string> id_to_token(uint32_t id) const override {
    if (id < pieces_.size()) return pieces_[id].first;
    return std::nullopt;
  }
  size_t vocab_size() const override { return pieces_.size(); }

 private:
  std::vector<std::string_view> encode(std::string_view s) const {
    struct Node {
      uint32_t id = 0;
      double score = 0;
      long start = -1;
    };
    size_t n = s.size();
    double unk_score = min_score_ - kUnkPenalty;
    std::vector<Node> best(n + 1);
    for (size_t pos = 0; pos < n;) {
      double here = best[pos].score;
      int mblen;
      decode_utf8(s, pos, &mblen);
      bool single = false;
      trie_.for_each_prefix(TokenTrie::kRoot, s.substr(pos), [&](size_t len, uint32_t id) {
        Node& t = best[pos + len];
        double sc = pieces_[id].second + here;
        if (t.start < 0 || sc > t.score) t = {id, sc, static_cast<long>(pos)};
        if (len == static_cast<size_t>(mblen)) single = true;
      });
      if (!single) {
        if (!unk_id_) throw Error("Unigram: a char is not in the vocab and the model has no unk_id");
        Node& t = best[pos + mblen];
        double sc = unk_score + here;
        if (t.start < 0 || sc > t.score) t = {*unk_id_, sc, static_cast<long>(pos)};
      }
      pos += mblen;
    }
    // Walk back; consecutive unknown pieces are fused into one.
    std::vector<std::string_view> pieces;
    size_t end = n, unk_end = 0;
    bool in_unk = false;
    while (end > 0) {
      const Node& node = best[end];
      size_t start = static_cast<size_t>(node.start);
      if (unk_id_ && node.id == *unk_id_) {
        if (!in_unk) unk_end = end;
        in_unk = true;
      } else {
        if (in_unk) pieces.push_back(s.substr(end, unk_end - end));
        in_unk = false;
        pieces.push_back(s.substr(start, end - start));
      }
      end = start;
    }
    if (in_unk) pieces.push_back(s.substr(0, unk_end));
    std::reverse(pieces.begin(), pieces.end());
    return pieces;
  }

  std::vector<std::pair<std::string, double>> pieces_;  // by id
  TokenTrie trie_;                                       // piece -> id (the last of equal pieces)
  std::optional<uint32_t> unk_id_;
  bool byte_fallback_ = false;
  double min_score_ = 0;
};

}  // namespace

std::unique_ptr<Model> make_unigram(const JsonRef& j) { return std::make_unique<Unigram>(j); }

}  // namespace cuddle::tok
