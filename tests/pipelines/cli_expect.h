// What every `cuddle pipeline` error must look like, shared by the CLI tests.
#pragma once
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "test_util.h"

namespace cuddle::test {

// One line on stderr, "cuddle: error: " and the expected words, exit code 1.
inline void expect_error(const CliResult& r, const std::string& words) {
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_EQ(r.err.rfind("cuddle: error: ", 0), 0u) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_NE(r.err.find(words), std::string::npos) << r.err;
}

}  // namespace cuddle::test
