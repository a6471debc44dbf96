// Dates and timestamps as ISO 8601 text <-> Arrow's integers since the Unix epoch.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "cuddle/arrow.h"

namespace cuddle::arrow {

// Days since 1970-01-01 of a proleptic Gregorian date.
int64_t days_from_civil(int64_t y, unsigned m, unsigned d);
// "YYYY-MM-DD" -> days; nullopt when `s` is not exactly such a valid date.
std::optional<int64_t> parse_iso_date(std::string_view s);
// "YYYY-MM-DD[T ]HH:MM[:SS[.fraction]][Z]" -> count of `unit` since the epoch (UTC / naive).
std::optional<int64_t> parse_iso_timestamp(std::string_view s, TimeUnit unit);
std::string format_iso_date(int64_t days);
// "YYYY-MM-DDTHH:MM:SS" plus the fraction the unit carries when it is not zero.
std::string format_iso_timestamp(int64_t value, TimeUnit unit);

}  // namespace cuddle::arrow
