#include "cli/validators.hpp"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <sstream>

#include "flowprior/core/thread_pool.hpp"

namespace flowprior::cli {
namespace {

std::string show(double v) {
  std::ostringstream s;
  s << v;
  return s.str();
}

bool parse_integer(const std::string& text, long long& value) {
  const char* b = text.data();
  const char* e = b + text.size();
  if (b != e && *b == '+') ++b;
  const auto r = std::from_chars(b, e, value);
  return b != e && r.ec == std::errc() && r.ptr == e;
}

bool parse_real(const std::string& text, double& value) {
  if (text.empty()) return false;
  char* end = nullptr;
  value = std::strtod(text.c_str(), &end);
  return end == text.c_str() + text.size();
}

}  // namespace

CLI::Validator int_range(long long low, long long high) {
  const std::string range = "an integer in [" + std::to_string(low) + ", " + std::to_string(high) + "]";
  return CLI::Validator(
      [low, high, range](std::string& input) -> std::string {
        long long v = 0;
        if (!parse_integer(input, v) || v < low || v > high) return "'" + input + "' is not " + range;
        return {};
      },
      range);
}

CLI::Validator real_range(double low, double high) {
  const std::string range = "a finite number in [" + show(low) + ", " + show(high) + "]";
  return CLI::Validator(
      [low, high, range](std::string& input) -> std::string {
        double v = 0;
        if (!parse_real(input, v) || !std::isfinite(v) || v < low || v > high) return "'" + input + "' is not " + range;
        return {};
      },
      range);
}

CLI::Validator real_range_open_low(double low, double high) {
  const std::string range = "a finite number in (" + show(low) + ", " + show(high) + "]";
  return CLI::Validator(
      [low, high, range](std::string& input) -> std::string {
        double v = 0;
        if (!parse_real(input, v) || !std::isfinite(v) || v <= low || v > high)
          return "'" + input + "' is not " + range;
        return {};
      },
      range);
}

CLI::Validator seed_value() {
  const std::string range = "an integer in [0, 18446744073709551615]";
  return CLI::Validator(
      [range](std::string& input) -> std::string {
        std::uint64_t v = 0;
        const char* b = input.data();
        const char* e = b + input.size();
        const auto r = std::from_chars(b, e, v);  // digits only: no sign, no exponent, no overflow
        if (b == e || r.ec != std::errc() || r.ptr != e) return "'" + input + "' is not " + range;
        return {};
      },
      range);
}

CLI::Validator thread_count() {
  const std::string range = "0 (all hardware threads) or a positive integer";
  return CLI::Validator(
      [range](std::string& input) -> std::string {
        long long v = 0;
        if (!parse_integer(input, v) || v < 0 || v > kMaxInt) return "'" + input + "' is not " + range;
        input = std::to_string(ThreadPool::cap(static_cast<int>(v), "--threads"));
        return {};
      },
      range);
}

}  // namespace flowprior::cli
