#include <cstdint>

#include "flowprior/core/error.hpp"
#include "flowprior/sampler/ensemble.hpp"

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace flowprior {
namespace {

// Asks the kernel to back a freshly allocated, not yet written block with 2 MiB pages. A reserved chain is
// first written step by step: with 4 KiB pages every 4 KiB of it is one page fault (35,000 faults, ~24 % of the
// sampler's time on a cheap target, issue 21); with huge pages 512x fewer. Advice only: where it is refused (no
// transparent huge pages, not Linux) nothing changes, and the values are never affected.
void prefer_huge_pages([[maybe_unused]] const double* data, [[maybe_unused]] Index count) {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  constexpr std::uintptr_t kHuge = std::uintptr_t{1} << 21;
  const auto first = reinterpret_cast<std::uintptr_t>(data);
  const std::uintptr_t begin = (first + kHuge - 1) & ~(kHuge - 1);
  const std::uintptr_t end = (first + static_cast<std::uintptr_t>(count) * sizeof(double)) & ~(kHuge - 1);
  if (end > begin) madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);
#endif
}

}  // namespace

void Chain::reset(int walkers_, int dim_) {
  walkers = walkers_;
  dim = dim_;
  steps = 0;
  positions.resize(0, dim);
  log_prob.resize(0, walkers);
  accepted = VectorXd::Zero(walkers);
  if (static_cast<int>(names.size()) != dim) names = default_names(dim);
}

void Chain::append(const MatrixXd& walker_positions, const VectorXd& walker_log_prob, const VectorXd& accepted_total) {
  if (walker_positions.rows() != walkers || walker_positions.cols() != dim || walker_log_prob.size() != walkers)
    throw Error("Chain::append: a step of shape " + std::to_string(walker_positions.rows()) + " x " +
                std::to_string(walker_positions.cols()) + " does not fit a chain of " + std::to_string(walkers) +
                " walkers x " + std::to_string(dim) + " parameters");
  // Grow geometrically: appending step by step must not copy the whole chain each time.
  const Index rows_needed = (steps + 1) * walkers;
  if (positions.rows() < rows_needed) {
    const Index new_steps = std::max<Index>(steps + 1, 2 * steps);
    positions.conservativeResize(new_steps * walkers, dim);
    log_prob.conservativeResize(new_steps, walkers);
    prefer_huge_pages(positions.data(), positions.size());
    prefer_huge_pages(log_prob.data(), log_prob.size());
  }
  positions.middleRows(steps * walkers, walkers) = walker_positions;
  log_prob.row(steps) = walker_log_prob.transpose();
  accepted = accepted_total;
  ++steps;
}

void Chain::reserve(Index total_steps) {
  if (positions.rows() < total_steps * walkers) {
    positions.conservativeResize(total_steps * walkers, dim);
    log_prob.conservativeResize(total_steps, walkers);
    prefer_huge_pages(positions.data(), positions.size());
    prefer_huge_pages(log_prob.data(), log_prob.size());
  }
}

void Chain::trim() {
  positions.conservativeResize(steps * walkers, dim);
  log_prob.conservativeResize(steps, walkers);
}

MatrixXd Chain::positions_at(Index step) const {
  if (step < 0 || step >= steps) throw Error("Chain: step " + std::to_string(step) + " is not stored");
  return positions.middleRows(step * walkers, walkers);
}

MatrixXd Chain::parameter(int j) const {
  MatrixXd out(steps, walkers);
  for (Index s = 0; s < steps; ++s)
    for (int w = 0; w < walkers; ++w) out(s, w) = positions(s * walkers + w, j);
  return out;
}

VectorXd Chain::acceptance_fraction() const {
  return steps > 0 ? VectorXd(accepted / static_cast<double>(steps)) : VectorXd::Zero(walkers);
}

Samples Chain::flat(Index discard, Index thin) const {
  if (thin < 1) throw Error(ErrorContext{.parameter = "thin"}, "must be at least 1");
  Samples out;
  out.names = names;
  std::vector<Index> kept;
  for (Index s = discard + thin - 1; s < steps; s += thin) kept.push_back(s);
  out.values.resize(static_cast<Index>(kept.size()) * walkers, dim);
  out.log_density.resize(out.values.rows());
  for (std::size_t k = 0; k < kept.size(); ++k) {
    out.values.middleRows(static_cast<Index>(k) * walkers, walkers) = positions.middleRows(kept[k] * walkers, walkers);
    out.log_density.segment(static_cast<Index>(k) * walkers, walkers) = log_prob.row(kept[k]).transpose();
  }
  return out;
}

}  // namespace flowprior
