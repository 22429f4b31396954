#include "flowprior/emulator/design.hpp"
#include "flowprior/core/stream_purpose.hpp"

#include <cmath>
#include <limits>
#include <numeric>
#include <vector>

#include "flowprior/core/error.hpp"
#include "flowprior/core/rng.hpp"

namespace flowprior {

namespace {

double min_pairwise_distance2(const MatrixXd& u) {
  double best = std::numeric_limits<double>::infinity();
  for (Index i = 0; i < u.rows(); ++i) {
    for (Index j = i + 1; j < u.rows(); ++j) best = std::min(best, (u.row(i) - u.row(j)).squaredNorm());
  }
  return best;
}

MatrixXd random_latin_hypercube(Index n, int d, Rng& rng) {
  MatrixXd u(n, d);
  std::vector<Index> perm(static_cast<std::size_t>(n));
  for (int c = 0; c < d; ++c) {
    std::iota(perm.begin(), perm.end(), Index{0});
    for (Index i = n - 1; i > 0; --i) {  // Fisher-Yates with our own generator (reproducible across platforms)
      const auto j = static_cast<Index>(rng.index(static_cast<std::uint64_t>(i + 1)));
      std::swap(perm[static_cast<std::size_t>(i)], perm[static_cast<std::size_t>(j)]);
    }
    for (Index i = 0; i < n; ++i) {
      u(i, c) = (static_cast<double>(perm[static_cast<std::size_t>(i)]) + rng.uniform()) / static_cast<double>(n);
    }
  }
  return u;
}

}  // namespace

MatrixXd maximin_latin_hypercube(const Box& box, Index n, const DesignOptions& options, DesignSummary* summary) {
  if (n < 2) throw Error(ErrorContext{.parameter = "n"}, "a design needs at least 2 points");
  if (box.dim() < 1) throw Error(ErrorContext{.parameter = "box"}, "the parameter box has no parameters");
  const int d = box.dim();
  Rng rng(options.seed, stream_id({purpose_id(StreamPurpose::latin_hypercube)}));
  MatrixXd best;
  double best_d2 = -1.0;
  for (int c = 0; c < std::max(1, options.candidates); ++c) {
    Rng candidate_rng = rng.derive(static_cast<std::uint64_t>(c));
    MatrixXd u = random_latin_hypercube(n, d, candidate_rng);
    const double d2 = min_pairwise_distance2(u);
    if (d2 > best_d2) {
      best_d2 = d2;
      best = std::move(u);
    }
  }
  // A swap within one column keeps the Latin property; keep it unless the minimum distance drops.
  Rng swap_rng = rng.derive(0xffffffffULL);
  for (int it = 0; it < options.swap_iterations; ++it) {
    const auto c = static_cast<Index>(swap_rng.index(static_cast<std::uint64_t>(d)));
    const auto i = static_cast<Index>(swap_rng.index(static_cast<std::uint64_t>(n)));
    const auto j = static_cast<Index>(swap_rng.index(static_cast<std::uint64_t>(n)));
    if (i == j) continue;
    std::swap(best(i, c), best(j, c));
    const double d2 = min_pairwise_distance2(best);
    if (d2 >= best_d2) {
      best_d2 = d2;
    } else {
      std::swap(best(i, c), best(j, c));
    }
  }
  if (summary != nullptr) summary->min_distance = std::sqrt(best_d2);
  MatrixXd x(n, d);
  for (int c = 0; c < d; ++c) x.col(c) = box.lower()[c] + box.width()[c] * best.col(c).array();
  return x;
}

}  // namespace flowprior
