#include "flowprior/flow/spline_coupling.hpp"

#include "flowprior/core/error.hpp"
#include "flowprior/flow/affine_coupling.hpp"
#include "flowprior/flow/rq_spline.hpp"

namespace flowprior {

struct SplineCoupling::Cache : LayerCache {
  MatrixXd xa, theta;
  Mlp::Cache net;
  std::vector<double> tape;  // rq_spline_forward_rows' tape of each transformed coordinate in turn
};

SplineCoupling::SplineCoupling(int dim, int transformed_parity, int hidden, int hidden_layers, int bins,
                               double bound, Rng& rng)
    : dim_(dim), bins_(bins), bound_(bound) {
  if (bins < 2 || bins > kMaxSplineBins) throw Error("NSF: bins must be in 2.." + std::to_string(kMaxSplineBins));
  for (int i = 0; i < dim; ++i) (i % 2 == transformed_parity ? transformed_ : kept_).push_back(i);
  std::vector<int> sizes{static_cast<int>(kept_.size())};
  for (int l = 0; l < hidden_layers; ++l) sizes.push_back(hidden);
  sizes.push_back(static_cast<int>(transformed_.size()) * spline_param_count(bins));
  net_ = Mlp(sizes, Activation::relu, rng, /*zero_last=*/true);
}

std::unique_ptr<LayerCache> SplineCoupling::make_cache() const { return std::make_unique<Cache>(); }

namespace {
// Raw parameters of (row i, transformed coordinate j) into a contiguous buffer (the matrix is column-major).
inline void load_theta(const MatrixXd& theta, Index i, Index j, int p, double* out) {
  for (int q = 0; q < p; ++q) out[q] = theta(i, j * p + q);
}
}  // namespace

void SplineCoupling::to_latent(const MatrixXd& x, MatrixXd& y, VectorXd& log_det, LayerCache* cache) const {
  Cache local;
  Cache& c = cache ? static_cast<Cache&>(*cache) : local;
  gather_columns(x, kept_, c.xa);
  net_.forward(c.xa, c.theta, c.net);
  const int p = spline_param_count(bins_);
  const Index n = x.rows();
  const Index tape = rq_spline_tape_size(bins_, n);
  if (cache) c.tape.resize(transformed_.size() * static_cast<std::size_t>(tape));
  y = x;
  // Parameter q of transformed coordinate jj is column jj p + q (coordinate-major): a column stride of n.
  for (std::size_t jj = 0; jj < transformed_.size(); ++jj) {
    const int col = transformed_[jj];
    rq_spline_forward_rows(c.theta.col(static_cast<Index>(jj) * p).data(), n, n, bins_, bound_, x.col(col).data(),
                           y.col(col).data(), log_det.data(),
                           cache ? c.tape.data() + static_cast<Index>(jj) * tape : nullptr);
  }
}

void SplineCoupling::to_data(const MatrixXd& y, MatrixXd& x, VectorXd& log_det) const {
  Cache c;
  gather_columns(y, kept_, c.xa);
  net_.forward(c.xa, c.theta, c.net);
  const int p = spline_param_count(bins_);
  double th[3 * kMaxSplineBins];
  x = y;
  for (std::size_t jj = 0; jj < transformed_.size(); ++jj) {
    const int col = transformed_[jj];
    for (Index i = 0; i < y.rows(); ++i) {
      load_theta(c.theta, i, static_cast<Index>(jj), p, th);
      double ld = 0;
      rq_spline_inverse(th, bins_, bound_, y(i, col), x(i, col), ld);
      log_det(i) += ld;
    }
  }
}

void SplineCoupling::backward(const MatrixXd& x, const MatrixXd& dy, const VectorXd& dlog_det, LayerCache& cache,
                              MatrixXd& dx, double* grad) const {
  Cache& c = static_cast<Cache&>(cache);
  const int p = spline_param_count(bins_);
  const Index n = x.rows();
  const Index tape = rq_spline_tape_size(bins_, n);
  MatrixXd dtheta(n, c.theta.cols());  // every entry is written below
  dx = dy;
  for (std::size_t jj = 0; jj < transformed_.size(); ++jj) {
    const int col = transformed_[jj];
    rq_spline_backward_rows(c.tape.data() + static_cast<Index>(jj) * tape, n, bins_, bound_, dy.col(col).data(),
                            dlog_det.data(), dx.col(col).data(), dtheta.col(static_cast<Index>(jj) * p).data(), n);
  }
  MatrixXd dxa;
  net_.backward(c.xa, dtheta, c.net, &dxa, grad);
  for (std::size_t j = 0; j < kept_.size(); ++j) dx.col(kept_[j]) += dxa.col(static_cast<Index>(j));
}

}  // namespace flowprior
