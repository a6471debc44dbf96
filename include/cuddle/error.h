// Errors: every failure a user can cause is a cuddle::Error whose message names the file,
// key, value and what was expected (docs/architecture.md). Nothing user-controlled reaches
// an assert or an abort.
#pragma once
#include <stdexcept>
#include <string>

namespace cuddle {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& what) : std::runtime_error(what) {}
};

// A file or byte stream that does not follow its format.
class FormatError : public Error {
 public:
  using Error::Error;
};

// A shape, dtype or argument that an operation cannot accept.
class ShapeError : public Error {
 public:
  using Error::Error;
};

// An OS-level failure (open, mmap, write).
class IoError : public Error {
 public:
  using Error::Error;
};

}  // namespace cuddle
