#pragma once
// Seeded, reproducible random numbers. xoshiro256++ seeded through splitmix64 from (seed, stream).
// Parallel work draws from streams derived from (seed, purpose, step, chunk), never from a shared generator,
// so results do not depend on how chunks are spread over threads. Our own normal/uniform transforms (not the
// standard library's distributions, whose output differs between implementations) keep files reproducible.
#include <array>
#include <cstdint>

#include "flowprior/core/types.hpp"

namespace flowprior {

class Rng {
 public:
  using State = std::array<std::uint64_t, 4>;

  explicit Rng(std::uint64_t seed, std::uint64_t stream = 0);

  // An independent generator for sub-task `stream` (e.g. chunk index); deterministic in (this state, stream).
  Rng derive(std::uint64_t stream) const;

  // The draws used once per proposal are defined inline below: as calls into rng.cpp they were ~8 % of the
  // ensemble sampler's time on a cheap target (issue 21).
  std::uint64_t next_u64();
  double uniform();           // [0, 1), 53 random bits
  double uniform_open();      // (0, 1), never 0, safe for logs
  double normal();            // standard normal (Box-Muller)
  std::uint64_t index(std::uint64_t n);  // uniform in [0, n), unbiased (Lemire)

  void fill_normal(MatrixXd& m);
  void fill_uniform(MatrixXd& m);

  const State& state() const { return s_; }
  void set_state(const State& s) { s_ = s; }

 private:
  Rng() = default;
  static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  State s_{};
};

// xoshiro256++ (Blackman & Vigna).
inline std::uint64_t Rng::next_u64() {
  const std::uint64_t result = rotl(s_[0] + s_[3], 23) + s_[0];
  const std::uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = rotl(s_[3], 45);
  return result;
}

inline double Rng::uniform() { return static_cast<double>(next_u64() >> 11) * 0x1.0p-53; }

inline double Rng::uniform_open() { return (static_cast<double>(next_u64() >> 11) + 0.5) * 0x1.0p-53; }

inline std::uint64_t Rng::index(std::uint64_t n) {
  // Lemire's nearly divisionless method.
  __uint128_t m = static_cast<__uint128_t>(next_u64()) * n;
  auto low = static_cast<std::uint64_t>(m);
  if (low < n) {
    const std::uint64_t threshold = (0 - n) % n;
    while (low < threshold) {
      m = static_cast<__uint128_t>(next_u64()) * n;
      low = static_cast<std::uint64_t>(m);
    }
  }
  return static_cast<std::uint64_t>(m >> 64);
}

// A stable 64-bit mix of several integers, used to name streams: stream_id({step, chunk}).
std::uint64_t stream_id(std::initializer_list<std::uint64_t> parts);

}  // namespace flowprior
