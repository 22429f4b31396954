#include "flowprior/flow/made_spline.hpp"

#include <algorithm>

#include "flowprior/core/error.hpp"
#include "flowprior/flow/made_affine.hpp"
#include "flowprior/flow/rq_spline.hpp"

namespace flowprior {

struct MadeSpline::Cache : LayerCache {
  MatrixXd theta;  // n x (3K - 1) d
  Mlp::Cache net;
  MatrixXd dtheta;
  std::vector<double> tape;  // rq_spline_forward_rows' tape of each coordinate in turn
};

MadeSpline::MadeSpline(int dim, int hidden, int hidden_layers, int bins, double bound, bool reverse_order, Rng& rng)
    : dim_(dim), bins_(bins), bound_(bound) {
  if (bins < 2 || bins > kMaxSplineBins) throw Error("NSF: bins must be in 2.." + std::to_string(kMaxSplineBins));
  const int p = spline_param_count(bins);
  std::vector<int> sizes{dim};
  std::vector<int> hidden_sizes(static_cast<std::size_t>(hidden_layers), hidden);
  sizes.insert(sizes.end(), hidden_sizes.begin(), hidden_sizes.end());
  sizes.push_back(p * dim);
  net_ = Mlp(sizes, Activation::relu, rng, /*zero_last=*/true);
  std::vector<int> degree(static_cast<std::size_t>(dim));
  for (int j = 0; j < dim; ++j) degree[static_cast<std::size_t>(j)] = reverse_order ? dim - j : j + 1;
  net_.set_masks(made_masks(degree, hidden_sizes, p));
}

std::unique_ptr<LayerCache> MadeSpline::make_cache() const { return std::make_unique<Cache>(); }

namespace {
// Raw spline parameters of (row i, coordinate j): parameter q sits in column q d + j (made_masks' block layout).
inline void load_made_theta(const MatrixXd& theta, Index i, Index j, Index d, int p, double* out) {
  for (int q = 0; q < p; ++q) out[q] = theta(i, q * d + j);
}
}  // namespace

void MadeSpline::to_latent(const MatrixXd& x, MatrixXd& y, VectorXd& log_det, LayerCache* cache) const {
  Cache local;
  Cache& c = cache ? static_cast<Cache&>(*cache) : local;
  net_.forward(x, c.theta, c.net);
  const Index n = x.rows();
  const Index tape = rq_spline_tape_size(bins_, n);
  if (cache) c.tape.resize(static_cast<std::size_t>(tape * dim_));
  y.resize(n, dim_);
  // Parameter q of coordinate j is column q d + j (made_masks' block layout): a column stride of d n.
  for (Index j = 0; j < dim_; ++j)
    rq_spline_forward_rows(c.theta.col(j).data(), dim_ * n, n, bins_, bound_, x.col(j).data(), y.col(j).data(),
                           log_det.data(), cache ? c.tape.data() + j * tape : nullptr);
}

void MadeSpline::to_data(const MatrixXd& y, MatrixXd& x, VectorXd& log_det) const {
  // Each pass fixes one more coordinate in the autoregressive order; after d passes all are exact.
  const Index n = y.rows();
  const int p = spline_param_count(bins_);
  double th[3 * kMaxSplineBins];
  Cache c;
  x = MatrixXd::Zero(n, dim_);
  VectorXd ld_sum(n);
  for (int pass = 0; pass < dim_; ++pass) {
    net_.forward(x, c.theta, c.net);
    ld_sum.setZero();
    for (Index j = 0; j < dim_; ++j) {
      for (Index i = 0; i < n; ++i) {
        load_made_theta(c.theta, i, j, dim_, p, th);
        double ld = 0;
        rq_spline_inverse(th, bins_, bound_, y(i, j), x(i, j), ld);
        ld_sum(i) += ld;
      }
    }
  }
  log_det += ld_sum;
}

void MadeSpline::backward(const MatrixXd& x, const MatrixXd& dy, const VectorXd& dlog_det, LayerCache& cache,
                          MatrixXd& dx, double* grad) const {
  Cache& c = static_cast<Cache&>(cache);
  const Index n = x.rows();
  const Index tape = rq_spline_tape_size(bins_, n);
  c.dtheta.resize(n, c.theta.cols());  // every entry is written below
  MatrixXd direct(n, dim_);
  for (Index j = 0; j < dim_; ++j)
    rq_spline_backward_rows(c.tape.data() + j * tape, n, bins_, bound_, dy.col(j).data(), dlog_det.data(),
                            direct.col(j).data(), c.dtheta.col(j).data(), dim_ * n);
  net_.backward(x, c.dtheta, c.net, &dx, grad);
  dx += direct;
}

}  // namespace flowprior
