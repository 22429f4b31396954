#include "flowprior/density/metrics/c2st.hpp"
#include "flowprior/core/stream_purpose.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "flowprior/core/error.hpp"
#include "flowprior/core/rng.hpp"
#include "flowprior/core/thread_pool.hpp"

namespace flowprior {
namespace {

std::vector<Index> shuffled(Index n, Rng& rng) {
  std::vector<Index> idx(static_cast<std::size_t>(n));
  std::iota(idx.begin(), idx.end(), Index{0});
  for (Index i = n - 1; i > 0; --i)
    std::swap(idx[static_cast<std::size_t>(i)], idx[rng.index(static_cast<std::uint64_t>(i + 1))]);
  return idx;
}

}  // namespace

C2STResult c2st(const MatrixXd& reference, const MatrixXd& model, const C2STOptions& options) {
  if (reference.cols() != model.cols())
    throw Error("c2st: reference has " + std::to_string(reference.cols()) + " columns, model " +
                std::to_string(model.cols()));
  if (options.neighbours < 1 || options.neighbours % 2 == 0)
    throw Error(ErrorContext{.parameter = "neighbours"}, "c2st: must be odd and positive");
  if (options.folds < 2) throw Error(ErrorContext{.parameter = "folds"}, "c2st: need at least 2 folds");
  const Index d = reference.cols();
  const Index np = std::min(reference.rows(), options.max_per_class);
  const Index nq = std::min(model.rows(), options.max_per_class);
  const Index n = np + nq;
  if (np < options.folds || nq < options.folds) throw Error("c2st: too few samples for the folds");

  const RowVectorXd mean = reference.colwise().mean();
  RowVectorXd scale = ((reference.rowwise() - mean).array().square().colwise().sum() /
                       static_cast<double>(reference.rows() - 1)).sqrt();
  for (Index j = 0; j < d; ++j)
    if (!(scale[j] > 0)) scale[j] = 1.0;  // a constant column carries no information; keep it finite

  Rng rng(options.seed, stream_id({purpose_id(StreamPurpose::c2st)}));
  const auto pick_p = shuffled(reference.rows(), rng);
  const auto pick_q = shuffled(model.rows(), rng);
  MatrixXd x(n, d);
  std::vector<int> label(static_cast<std::size_t>(n));
  for (Index i = 0; i < np; ++i) {
    x.row(i) = (reference.row(pick_p[static_cast<std::size_t>(i)]) - mean).cwiseQuotient(scale);
    label[static_cast<std::size_t>(i)] = 0;
  }
  for (Index i = 0; i < nq; ++i) {
    x.row(np + i) = (model.row(pick_q[static_cast<std::size_t>(i)]) - mean).cwiseQuotient(scale);
    label[static_cast<std::size_t>(np + i)] = 1;
  }
  const auto order = shuffled(n, rng);
  const VectorXd norms = x.rowwise().squaredNorm();

  C2STResult out;
  out.n_reference = np;
  out.n_model = nq;
  ThreadPool pool(options.threads);
  const int k = options.neighbours;
  Index total_correct = 0;
  for (int f = 0; f < options.folds; ++f) {
    const Index begin = n * f / options.folds;
    const Index end = n * (f + 1) / options.folds;
    std::vector<Index> train;
    for (Index i = 0; i < n; ++i)
      if (i < begin || i >= end) train.push_back(order[static_cast<std::size_t>(i)]);
    const auto nt = static_cast<Index>(train.size());
    if (nt < k) throw Error("c2st: fewer training points than neighbours");
    MatrixXd xt(nt, d);
    VectorXd nt_norms(nt);
    for (Index r = 0; r < nt; ++r) {
      xt.row(r) = x.row(train[static_cast<std::size_t>(r)]);
      nt_norms[r] = norms[train[static_cast<std::size_t>(r)]];
    }
    const auto chunks = fixed_chunks(static_cast<std::size_t>(end - begin), 256);
    std::vector<Index> correct(chunks.size(), 0);
    pool.parallel_for(chunks.size(), [&](std::size_t c) {
      const auto rows = static_cast<Index>(chunks[c].end - chunks[c].begin);
      MatrixXd xs(rows, d);
      for (Index r = 0; r < rows; ++r) xs.row(r) = x.row(order[static_cast<std::size_t>(begin) + chunks[c].begin +
                                                               static_cast<std::size_t>(r)]);
      // Squared distances |a|^2 + |b|^2 - 2 a.b for the whole chunk in one product.
      MatrixXd dist = (-2.0 * xs * xt.transpose()).rowwise() + nt_norms.transpose();
      std::vector<std::pair<double, Index>> cand(static_cast<std::size_t>(nt));
      for (Index r = 0; r < rows; ++r) {
        for (Index t = 0; t < nt; ++t) cand[static_cast<std::size_t>(t)] = {dist(r, t), t};
        std::nth_element(cand.begin(), cand.begin() + (k - 1), cand.end());
        int votes = 0;
        for (int m = 0; m < k; ++m) votes += label[static_cast<std::size_t>(train[static_cast<std::size_t>(
            cand[static_cast<std::size_t>(m)].second)])];
        const int predicted = 2 * votes > k ? 1 : 0;
        const Index self = order[static_cast<std::size_t>(begin) + chunks[c].begin + static_cast<std::size_t>(r)];
        if (predicted == label[static_cast<std::size_t>(self)]) ++correct[c];
      }
    });
    Index fold_correct = 0;
    for (Index c : correct) fold_correct += c;
    total_correct += fold_correct;
    out.fold_accuracy.push_back(static_cast<double>(fold_correct) / static_cast<double>(end - begin));
  }
  for (double a : out.fold_accuracy) out.accuracy += a / static_cast<double>(out.fold_accuracy.size());
  const double overall = static_cast<double>(total_correct) / static_cast<double>(n);
  out.standard_error = std::sqrt(overall * (1 - overall) / static_cast<double>(n));
  return out;
}

}  // namespace flowprior
