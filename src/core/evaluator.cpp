#include "flowprior/core/evaluator.hpp"

#include "flowprior/core/error.hpp"

namespace flowprior {

ThreadEvaluator::ThreadEvaluator(int threads, Index chunk_rows) : pool_(threads), chunk_rows_(chunk_rows) {}

void ThreadEvaluator::evaluate(const LogDensity& density, const MatrixXd& x, VectorXd& out) {
  const Index n = x.rows();
  out.resize(n);
  calls_ += static_cast<std::uint64_t>(n);
  if (pool_.threads() == 1 || n < 2) {
    density.log_prob(x, out);
    if (out.size() != n) throw Error("log_prob returned " + std::to_string(out.size()) + " values for " +
                                     std::to_string(n) + " points");
    return;
  }
  const Index chunk = chunk_rows_ > 0 ? chunk_rows_ : (n + pool_.threads() - 1) / pool_.threads();
  const auto chunks = fixed_chunks(static_cast<std::size_t>(n), static_cast<std::size_t>(chunk));
  pool_.parallel_for(chunks.size(), [&](std::size_t k) {
    const auto b = static_cast<Index>(chunks[k].begin), e = static_cast<Index>(chunks[k].end);
    MatrixXd part = x.middleRows(b, e - b);
    VectorXd vals;
    density.log_prob(part, vals);
    if (vals.size() != e - b) throw Error("log_prob returned the wrong number of values");
    out.segment(b, e - b) = vals;
  });
}

}  // namespace flowprior
