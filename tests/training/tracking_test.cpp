// Tracking outputs read back independently: TensorBoard files are parsed record by record
// with a bitwise CRC-32C written here (not the library's table) and decoded with the
// protoc-generated classes; JSON Lines are parsed line by line; the progress bar's text is
// checked against tqdm's layout.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "cuddle/tracking.h"
#include "event.pb.h"
#include "test_util.h"

namespace t = cuddle::tracking;
using cuddle::test::TempDir;

namespace {

uint32_t bitwise_crc32c(const std::string& bytes) {
  uint32_t c = 0xFFFFFFFFu;
  for (unsigned char b : bytes) {
    c ^= b;
    for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0x82F63B78u & (0u - (c & 1u)));
  }
  return ~c;
}
uint32_t mask(uint32_t c) { return ((c >> 15) | (c << 17)) + 0xa282ead8u; }

uint64_t read_le(const std::string& s, size_t at, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v |= static_cast<uint64_t>(static_cast<unsigned char>(s[at + i])) << (8 * i);
  return v;
}

// Splits a TFRecord file into its payloads, checking both CRCs of every record.
std::vector<std::string> read_records(const std::string& path) {
  const std::string bytes = cuddle::test::read_file(path);
  std::vector<std::string> out;
  size_t at = 0;
  while (at < bytes.size()) {
    EXPECT_LE(at + 12, bytes.size());
    const uint64_t len = read_le(bytes, at, 8);
    EXPECT_EQ(read_le(bytes, at + 8, 4), mask(bitwise_crc32c(bytes.substr(at, 8))));
    const std::string data = bytes.substr(at + 12, len);
    EXPECT_EQ(read_le(bytes, at + 12 + len, 4), mask(bitwise_crc32c(data)));
    out.push_back(data);
    at += 12 + len + 4;
  }
  EXPECT_EQ(at, bytes.size());
  return out;
}

}  // namespace

TEST(Tracking, MaskedCrc32cKnownVector) {
  // CRC-32C of "123456789" is 0xE3069283 (RFC 3720's check value).
  EXPECT_EQ(bitwise_crc32c("123456789"), 0xE3069283u);
  EXPECT_EQ(t::masked_crc32c("123456789", 9), mask(0xE3069283u));
}

TEST(Tracking, TensorBoardEventsReadBack) {
  TempDir dir;
  std::string path;
  {
    t::TensorBoardWriter w(dir / "runs");
    path = w.path();
    w.add_scalar("train/loss", 0.25, 10, 1700000000.5);
    w.log(nlohmann::json{{"loss", 0.5}, {"learning_rate", 4e-5}, {"epoch", 1.0}}, 20);
    w.log(nlohmann::json{{"eval_accuracy", 0.75}, {"test_f1", 0.5}, {"note", "skipped"}}, 30);
  }
  const std::string name = std::filesystem::path(path).filename().string();
  EXPECT_EQ(name.rfind("events.out.tfevents.", 0), 0u) << name;
  EXPECT_EQ(std::filesystem::path(path).parent_path(), std::filesystem::path(dir / "runs"));

  const auto records = read_records(path);
  ASSERT_EQ(records.size(), 7u);  // file_version + 1 + 3 + 2 scalars
  tensorboard::Event first;
  ASSERT_TRUE(first.ParseFromString(records[0]));
  EXPECT_EQ(first.file_version(), "brain.Event:2");
  EXPECT_GT(first.wall_time(), 1.6e9);

  std::map<std::string, std::pair<int64_t, float>> scalars;
  for (size_t i = 1; i < records.size(); ++i) {
    tensorboard::Event e;
    ASSERT_TRUE(e.ParseFromString(records[i]));
    ASSERT_TRUE(e.has_summary());
    ASSERT_EQ(e.summary().value_size(), 1);
    const auto& v = e.summary().value(0);
    EXPECT_TRUE(v.has_simple_value());
    scalars[v.tag()] = {e.step(), v.simple_value()};
    if (i == 1) {
      EXPECT_EQ(e.wall_time(), 1700000000.5);
    }
  }
  EXPECT_EQ(scalars.at("train/loss"), std::make_pair(int64_t{20}, 0.5f));  // the later value
  EXPECT_EQ(scalars.at("train/learning_rate"), std::make_pair(int64_t{20}, 4e-5f));
  EXPECT_EQ(scalars.at("train/epoch").second, 1.0f);
  EXPECT_EQ(scalars.at("eval/accuracy"), std::make_pair(int64_t{30}, 0.75f));
  EXPECT_EQ(scalars.at("test/f1").second, 0.5f);
  EXPECT_EQ(scalars.count("train/note"), 0u);
}

TEST(Tracking, TensorBoardUnwritableFolder) {
  TempDir dir;
  cuddle::test::write_file(dir / "file", "x");
  const std::string err = cuddle::test::error_of<cuddle::IoError>([&] { t::TensorBoardWriter w(dir / "file/runs"); });
  EXPECT_NE(err.find("file/runs"), std::string::npos) << err;
}

TEST(Tracking, JsonlAppendsOneObjectPerLine) {
  TempDir dir;
  const std::string path = dir / "logs/trainer_log.jsonl";
  {
    t::JsonlLogger log(path);
    log.log({{"loss", 1.5}, {"step", 1}});
    log.log({{"eval_accuracy", 0.5}, {"step", 2}});
  }
  t::JsonlLogger again(path);  // a resumed run appends
  again.log({{"train_runtime", 3.25}, {"step", 3}});
  std::ifstream in(path);
  std::vector<nlohmann::json> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(nlohmann::json::parse(line));
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0]["loss"], 1.5);
  EXPECT_EQ(lines[1]["eval_accuracy"], 0.5);
  EXPECT_EQ(lines[2]["step"], 3);
  EXPECT_NE(cuddle::test::error_of([&] { again.log(nlohmann::ordered_json::array()); }).find("JSON object"),
            std::string::npos);
}

TEST(Tracking, ProgressBarFormat) {
  EXPECT_EQ(t::ProgressBar::format("train", 450, 1000, 10.0, "loss=0.12"),
            "train:  45%|#############                 | 450/1000 [00:10<00:12, 45.00it/s, loss=0.12]");
  EXPECT_EQ(t::ProgressBar::format("", 0, 10, 0.0, ""), "  0%|                              | 0/10 [00:00<?, ?it/s]");
  EXPECT_EQ(t::ProgressBar::format("eval", 1, 4, 7200.0, ""),
            "eval:  25%|#######                       | 1/4 [2:00:00<6:00:00, 7200.00s/it]");
}

TEST(Tracking, ProgressBarPlainLinesWhenNotATerminal) {
  TempDir dir;
  const std::string path = dir / "progress.txt";
  std::FILE* f = std::fopen(path.c_str(), "w");
  ASSERT_NE(f, nullptr);
  {
    t::ProgressBar bar(100, "train", f, false);
    for (int i = 0; i < 100; ++i) bar.update(1, "loss=" + std::to_string(i));
    bar.close();
    bar.update(5);  // after close: nothing
  }
  std::fclose(f);
  const std::string text = cuddle::test::read_file(path);
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 10);  // one line per tenth
  EXPECT_EQ(text.find('\r'), std::string::npos);
  EXPECT_NE(text.find("100/100"), std::string::npos);
  EXPECT_NE(text.find("loss=99"), std::string::npos);
}
