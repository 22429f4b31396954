#include "flowprior/core/rng.hpp"

#include <cmath>

namespace flowprior {
namespace {

std::uint64_t splitmix64(std::uint64_t& x) {
  std::uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

}  // namespace

std::uint64_t stream_id(std::initializer_list<std::uint64_t> parts) {
  std::uint64_t h = 0x243f6a8885a308d3ULL;
  for (std::uint64_t p : parts) {
    std::uint64_t x = h ^ p;
    h = splitmix64(x);
  }
  return h;
}

Rng::Rng(std::uint64_t seed, std::uint64_t stream) {
  std::uint64_t x = seed;
  std::uint64_t mixed = splitmix64(x) ^ (stream * 0xd1342543de82ef95ULL + 0x632be59bd9b4e019ULL);
  for (auto& word : s_) word = splitmix64(mixed);
}

Rng Rng::derive(std::uint64_t stream) const {
  Rng child;
  std::uint64_t x = s_[0] ^ rotl(s_[1], 17) ^ rotl(s_[2], 31) ^ rotl(s_[3], 47) ^ (stream * 0x9e3779b97f4a7c15ULL);
  for (auto& word : child.s_) word = splitmix64(x);
  return child;
}

double Rng::normal() {
  const double u1 = uniform_open();
  const double u2 = uniform();
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2);
}

void Rng::fill_normal(MatrixXd& m) {
  // Pairs from one Box-Muller draw, in storage order.
  double* p = m.data();
  const Index n = m.size();
  Index i = 0;
  for (; i + 1 < n; i += 2) {
    const double r = std::sqrt(-2.0 * std::log(uniform_open()));
    const double a = 2.0 * M_PI * uniform();
    p[i] = r * std::cos(a);
    p[i + 1] = r * std::sin(a);
  }
  if (i < n) p[i] = normal();
}

void Rng::fill_uniform(MatrixXd& m) {
  double* p = m.data();
  for (Index i = 0; i < m.size(); ++i) p[i] = uniform();
}

}  // namespace flowprior
