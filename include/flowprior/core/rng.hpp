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
  State s_{};
};

// A stable 64-bit mix of several integers, used to name streams: stream_id({step, chunk}).
std::uint64_t stream_id(std::initializer_list<std::uint64_t> parts);

}  // namespace flowprior
