// Loading tokenizer.json: each top-level key goes to the factory of its component kind.
#include <fcntl.h>
#include <simdjson.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tokenizers/tokenizer_core.h"

namespace cuddle::tok {
namespace {

Side parse_side(const JsonRef& j) {
  std::string s = j.str();
  if (s == "Left") return Side::Left;
  if (s == "Right") return Side::Right;
  j.fail("expected \"Left\" or \"Right\", got \"" + s + "\"");
}

TruncationParams parse_truncation(const JsonRef& j) {
  TruncationParams t;
  t.max_length = static_cast<size_t>(j.at("max_length").integer());
  t.stride = static_cast<size_t>(j.integer("stride", 0));
  if (auto d = j.get("direction")) t.direction = parse_side(*d);
  std::string s = j.str("strategy", "LongestFirst");
  if (s == "LongestFirst") t.strategy = TruncationStrategy::LongestFirst;
  else if (s == "OnlyFirst") t.strategy = TruncationStrategy::OnlyFirst;
  else if (s == "OnlySecond") t.strategy = TruncationStrategy::OnlySecond;
  else j.at("strategy").fail("unknown truncation strategy \"" + s + "\"");
  return t;
}

PaddingParams parse_padding(const JsonRef& j) {
  PaddingParams p;
  if (auto s = j.get("strategy")) {
    if (s->is_object()) p.fixed_length = static_cast<size_t>(s->at("Fixed").integer());
    else if (s->str() != "BatchLongest") s->fail("expected \"BatchLongest\" or {\"Fixed\": n}");
  }
  if (auto d = j.get("direction")) p.direction = parse_side(*d);
  if (auto m = j.get("pad_to_multiple_of")) p.pad_to_multiple_of = static_cast<size_t>(m->integer());
  p.pad_id = static_cast<uint32_t>(j.integer("pad_id", 0));
  p.pad_type_id = static_cast<uint32_t>(j.integer("pad_type_id", 0));
  p.pad_token = j.str("pad_token", "[PAD]");
  return p;
}

// Builds the pipeline from tokenizer.json text: len bytes followed by at least
// simdjson::SIMDJSON_PADDING readable bytes.
std::shared_ptr<TokenizerCore> load_padded(const char* json, size_t len, const std::string& name) {
  simdjson::dom::parser parser;
  auto doc = parser.parse(json, len, /*realloc_if_needed=*/false);
  if (doc.error()) throw FormatError(name + ": not valid JSON (" + simdjson::error_message(doc.error()) + ")");
  JsonRef root{doc.value_unsafe(), name + ": "};
  if (!root.is_object()) root.fail("expected a JSON object");

  auto core = std::make_shared<TokenizerCore>();
  core->name = name;
  if (auto n = root.get("normalizer")) core->normalizer = make_normalizer(*n);
  if (auto p = root.get("pre_tokenizer")) core->pre_tokenizer = make_pre_tokenizer(*p);
  core->model = make_model(root.at("model"));
  if (auto p = root.get("post_processor")) core->post_processor = make_post_processor(*p);
  if (auto d = root.get("decoder")) core->decoder = make_decoder(*d);
  if (auto t = root.get("truncation")) core->truncation = parse_truncation(*t);
  if (auto p = root.get("padding")) core->padding = parse_padding(*p);

  if (auto list = root.get("added_tokens")) {
    std::vector<AddedTokenSpec> tokens;
    for (const JsonRef& t : list->elements()) {
      AddedTokenSpec s;
      s.content = t.at("content").str();
      s.special = t.boolean("special", false);
      s.normalized = t.boolean("normalized", !s.special);
      s.lstrip = t.boolean("lstrip", false);
      s.rstrip = t.boolean("rstrip", false);
      s.single_word = t.boolean("single_word", false);
      tokens.push_back(std::move(s));
    }
    core->added.add_tokens(tokens, *core->model, core->normalizer.get());
  }
  return core;
}

// The file parsed where it is mapped, when the page holding its end also holds the parser's
// padding (past the end of a file its last page reads as zeros): no buffer to allocate,
// fault in and copy into. Null when it cannot be mapped so. (Not cuddle::MappedFile: this
// library stays independent of the tensor core.)
std::shared_ptr<TokenizerCore> load_mapped(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return nullptr;
  struct stat st {};
  const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  const bool mappable = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 &&
                        static_cast<size_t>(st.st_size) % page != 0 &&
                        static_cast<size_t>(st.st_size) % page + simdjson::SIMDJSON_PADDING <= page;
  void* map = mappable ? mmap(nullptr, static_cast<size_t>(st.st_size), PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0)
                       : MAP_FAILED;
  ::close(fd);
  if (map == MAP_FAILED) return nullptr;
  struct Unmap {
    void* p;
    size_t len;
    ~Unmap() { munmap(p, len); }
  } mapped{map, static_cast<size_t>(st.st_size)};
  return load_padded(static_cast<const char*>(mapped.p), mapped.len, path);
}

}  // namespace

std::shared_ptr<TokenizerCore> load_core(std::string_view json, const std::string& name) {
  simdjson::padded_string padded(json);
  return load_padded(padded.data(), padded.size(), name);
}

std::shared_ptr<TokenizerCore> load_core_file(const std::string& path) {
  if (auto core = load_mapped(path)) return core;
  // Otherwise read into a padded buffer.
  auto text = simdjson::padded_string::load(path);
  if (text.error()) throw IoError(path + ": cannot open tokenizer file");
  return load_padded(text.value_unsafe().data(), text.value_unsafe().size(), path);
}

}  // namespace cuddle::tok
