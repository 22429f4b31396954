#pragma once
// Strict values for numeric command-line options (issue 19): no silent defaults, no clamping, no wrap-around.
// A bad value fails at parsing, before any work, with the option's name and the allowed range.
#include <CLI/CLI.hpp>
#include <cstdint>
#include <limits>
#include <string>

namespace flowprior::cli {

// An integer written in decimal (no exponent, no fraction) in [low, high].
CLI::Validator int_range(long long low, long long high);
// A finite number in [low, high] (NaN and infinities are refused).
CLI::Validator real_range(double low, double high);
// A finite number in (low, high]: for step sizes and fractions that must be positive.
CLI::Validator real_range_open_low(double low, double high);
// --seed: an integer in [0, 2^64 - 1]; -1, 2^64 or 1e23 are errors, never mapped to 2^64 - 1.
CLI::Validator seed_value();
// --threads: 0 (all hardware threads) or a positive count; above the hardware threads it is capped with a warning
// (ThreadPool::cap).
CLI::Validator thread_count();

constexpr long long kMaxInt = std::numeric_limits<int>::max();
constexpr long long kMaxCount = 1000000000LL;  // sample and step counts: far beyond any sensible run

}  // namespace flowprior::cli
