// Unigram: Viterbi over the byte lattice of the word (best total log-probability), unknown
// chars scored min_score - 10 and fused, optional byte fallback for unknown pieces - HF's
// encode_optimized.
#include <cmath>
#include <unordered_map>
#include <unordered_set>

#include "tokenizers/models/model.h"
#include "tokenizers/models/vocab.h"
#include "tokenizers/unicode.h"

namespace cuddle::tok {
namespace {

constexpr double kUnkPenalty = 10.0;

class Unigram : public Model {
 public:
  explicit Unigram(const JsonRef& j) {
    JsonRef v = j.at("vocab");
    for (const auto& e : v.elements()) {
      auto pair = e.elements();
      if (pair.size() != 2) e.fail("expected [piece, score]");
      pieces_.push_back({pair[0].str(), pair[1].number()});
    }
    size_t n = pieces_.size();
    if (auto u = j.get("unk_id")) {
      int64_t id = u->integer();
      if (pieces_.empty()) u->fail("unk_id given but the vocab is empty");
      if (id < 0 || static_cast<size_t>(id) >= pieces_.size()) u->fail("unk_id " + std::to_string(id) + " is not in the vocab");
      unk_id_ = static_cast<uint32_t>(id);
    }
    byte_fallback_ = j.boolean("byte_fallback", false);
    min_score_ = INFINITY;
    ids_.reserve(n);
    for (size_t i = 0; i < n; ++i) {
      const std::string& p = pieces_[i].first;
      ids_[p] = static_cast<uint32_t>(i);
      for (size_t k = 1; k < p.size(); ++k) prefixes_.insert(p.substr(0, k));
      max_len_ = std::max(max_len_, p.size());
      min_score_ = std::min(min_score_, pieces_[i].second);
    }
  }

  std::vector<Token> tokenize(std::string_view s) const override {
    std::vector<Token> out;
    if (s.empty()) return out;
    std::vector<std::string_view> pieces = encode(s);
    size_t offset = 0;
    for (auto p : pieces) {
      size_t len = p.size();
      auto it = ids_.find(p);
      if (it != ids_.end()) {
        out.push_back({it->second, std::string(p), {offset, offset + len}});
      } else {
        bool done = false;
        if (byte_fallback_) {
          std::vector<Token> bytes;
          for (unsigned char c : p) {
            char name[8];
            std::snprintf(name, sizeof name, "<0x%02X>", c);
            auto b = ids_.find(std::string_view(name));
            if (b == ids_.end()) break;
            bytes.push_back({b->second, name, {offset, offset + len}});
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
    auto it = ids_.find(t);
    if (it == ids_.end()) return std::nullopt;
    return it->second;
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
      for (size_t len = 1; len <= max_len_ && pos + len <= n; ++len) {
        std::string_view cand = s.substr(pos, len);
        auto it = ids_.find(cand);
        if (it != ids_.end()) {
          Node& t = best[pos + len];
          double sc = pieces_[it->second].second + here;
          if (t.start < 0 || sc > t.score) t = {it->second, sc, static_cast<long>(pos)};
          if (len == static_cast<size_t>(mblen)) single = true;
        }
        if (!prefixes_.count(cand)) break;
      }
      if (!single) {
        if (!unk_id_) throw Error("Unigram: a char is not in the vocab and the model has no unk_id");
        Node& t = best[pos + mblen];
        double sc = unk_score + here;
        if (t.start < 0 || sc > t.score) t = {*unk_id_, sc, static_cast<long>(pos)};
      }
      pos += mblen;
    }
    // Walk back; consecutive unknown pieces are fused into one.
    std::vector<std::string_view> rev;
    size_t end = n, unk_end = 0;
    bool in_unk = false;
    while (end > 0) {
      const Node& node = best[end];
      size_t start = static_cast<size_t>(node.start);
      if (unk_id_ && node.id == *unk_id_) {
        if (!in_unk) unk_end = end;
        in_unk = true;
      } else {
        if (in_unk) rev.push_back(s.substr(end, unk_end - end));
        in_unk = false;
        rev.push_back(s.substr(start, end - start));
      }
      end = start;
    }
    if (in_unk) rev.push_back(s.substr(0, unk_end));
    return {rev.rbegin(), rev.rend()};
  }

  std::vector<std::pair<std::string, double>> pieces_;
  std::unordered_map<std::string, uint32_t, StringHash, std::equal_to<>> ids_;
  std::unordered_set<std::string, StringHash, std::equal_to<>> prefixes_;
  size_t max_len_ = 0;
  std::optional<uint32_t> unk_id_;
  bool byte_fallback_ = false;
  double min_score_ = 0;
};

}  // namespace

std::unique_ptr<Model> make_unigram(const JsonRef& j) { return std::make_unique<Unigram>(j); }

}  // namespace cuddle::tok
