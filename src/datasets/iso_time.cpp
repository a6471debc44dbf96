// ISO 8601 dates and timestamps (civil-from-days after H. Hinnant's public-domain algorithms).
#include "iso_time.h"

#include <cstdio>

namespace cuddle::arrow {

int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

namespace {

void civil_from_days(int64_t z, int64_t& y, unsigned& m, unsigned& d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y = static_cast<int64_t>(yoe) + era * 400 + (m <= 2);
}

bool digits(std::string_view s, size_t pos, size_t n, int64_t& out) {
  if (pos + n > s.size()) return false;
  out = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

int64_t per_second(TimeUnit u) {
  switch (u) {
    case TimeUnit::Second: return 1;
    case TimeUnit::Milli: return 1000;
    case TimeUnit::Micro: return 1000000;
    case TimeUnit::Nano: return 1000000000;
  }
  return 1;
}

int64_t floor_div(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

}  // namespace

std::optional<int64_t> parse_iso_date(std::string_view s) {
  int64_t y, m, d;
  if (s.size() != 10 || s[4] != '-' || s[7] != '-' || !digits(s, 0, 4, y) || !digits(s, 5, 2, m) ||
      !digits(s, 8, 2, d) || m < 1 || m > 12 || d < 1)
    return std::nullopt;
  static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  if (d > mdays[m - 1] || (m == 2 && d == 29 && !leap)) return std::nullopt;
  return days_from_civil(y, static_cast<unsigned>(m), static_cast<unsigned>(d));
}

std::optional<int64_t> parse_iso_timestamp(std::string_view s, TimeUnit unit) {
  auto day = parse_iso_date(s.substr(0, 10));
  if (!day) return std::nullopt;
  int64_t h = 0, mi = 0, sec = 0, frac = 0;
  size_t pos = 10;
  if (pos < s.size()) {
    if (s[pos] != 'T' && s[pos] != ' ') return std::nullopt;
    if (!digits(s, pos + 1, 2, h) || pos + 3 >= s.size() || s[pos + 3] != ':' || !digits(s, pos + 4, 2, mi))
      return std::nullopt;
    pos += 6;
    if (pos < s.size() && s[pos] == ':') {
      if (!digits(s, pos + 1, 2, sec)) return std::nullopt;
      pos += 3;
      if (pos < s.size() && s[pos] == '.') {
        ++pos;
        int64_t scale = per_second(unit), n = 0;
        while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
          scale /= 10;
          if (scale > 0) frac += (s[pos] - '0') * scale;
          ++pos, ++n;
        }
        if (n == 0) return std::nullopt;
      }
    }
    if (pos < s.size() && s[pos] == 'Z') ++pos;
    if (pos != s.size() || h > 23 || mi > 59 || sec > 60) return std::nullopt;
  }
  int64_t seconds = *day * 86400 + h * 3600 + mi * 60 + sec;
  return seconds * per_second(unit) + frac;
}

std::string format_iso_date(int64_t days) {
  int64_t y;
  unsigned m, d;
  civil_from_days(days, y, m, d);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02u", static_cast<long long>(y), m, d);
  return buf;
}

std::string format_iso_timestamp(int64_t value, TimeUnit unit) {
  const int64_t ps = per_second(unit);
  int64_t secs = floor_div(value, ps), frac = value - secs * ps;
  int64_t days = floor_div(secs, 86400), rem = secs - days * 86400;
  char buf[64];
  int n = std::snprintf(buf, sizeof buf, "%sT%02lld:%02lld:%02lld", format_iso_date(days).c_str(),
                        static_cast<long long>(rem / 3600), static_cast<long long>(rem / 60 % 60),
                        static_cast<long long>(rem % 60));
  if (frac != 0) {
    int width = unit == TimeUnit::Milli ? 3 : unit == TimeUnit::Micro ? 6 : 9;
    std::snprintf(buf + n, sizeof buf - static_cast<size_t>(n), ".%0*lld", width, static_cast<long long>(frac));
  }
  return buf;
}

}  // namespace cuddle::arrow
