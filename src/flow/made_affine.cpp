#include "flowprior/flow/made_affine.hpp"

#include <algorithm>
#include <cmath>

namespace flowprior {

std::vector<MatrixXd> made_masks(const std::vector<int>& input_degree, const std::vector<int>& hidden,
                                 int per_input) {
  const int d = static_cast<int>(input_degree.size());
  std::vector<MatrixXd> masks;
  std::vector<int> prev = input_degree;
  for (int h : hidden) {
    // Hidden degrees cycle through 1..d-1 (0 when d = 1: such units see no input, see docs/reference/flows.md §2).
    std::vector<int> deg(static_cast<std::size_t>(h));
    for (int k = 0; k < h; ++k) deg[static_cast<std::size_t>(k)] = (k % std::max(1, d - 1)) + std::min(1, d - 1);
    MatrixXd m(h, static_cast<Index>(prev.size()));
    for (int k = 0; k < h; ++k)
      for (std::size_t j = 0; j < prev.size(); ++j)
        m(k, static_cast<Index>(j)) = deg[static_cast<std::size_t>(k)] >= prev[j] ? 1.0 : 0.0;
    masks.push_back(std::move(m));
    prev = deg;
  }
  MatrixXd out(per_input * d, static_cast<Index>(prev.size()));
  for (int p = 0; p < per_input; ++p)
    for (int j = 0; j < d; ++j)
      for (std::size_t k = 0; k < prev.size(); ++k)
        out(p * d + j, static_cast<Index>(k)) = input_degree[static_cast<std::size_t>(j)] > prev[k] ? 1.0 : 0.0;
  masks.push_back(std::move(out));
  return masks;
}

struct MadeAffine::Cache : LayerCache {
  MatrixXd out;  // n x 2d: mu, raw
  Mlp::Cache net;
  Eigen::ArrayXXd inv_scale;  // exp(-soft_clip(raw)) of the recorded pass, for the backward
};

MadeAffine::MadeAffine(int dim, int hidden, int hidden_layers, bool reverse_order, Rng& rng) : dim_(dim) {
  std::vector<int> sizes{dim};
  std::vector<int> hidden_sizes(static_cast<std::size_t>(hidden_layers), hidden);
  sizes.insert(sizes.end(), hidden_sizes.begin(), hidden_sizes.end());
  sizes.push_back(2 * dim);
  net_ = Mlp(sizes, Activation::relu, rng, /*zero_last=*/true);
  std::vector<int> degree(static_cast<std::size_t>(dim));
  for (int j = 0; j < dim; ++j) degree[static_cast<std::size_t>(j)] = reverse_order ? dim - j : j + 1;
  net_.set_masks(made_masks(degree, hidden_sizes, 2));
}

std::unique_ptr<LayerCache> MadeAffine::make_cache() const { return std::make_unique<Cache>(); }

void MadeAffine::to_latent(const MatrixXd& x, MatrixXd& y, VectorXd& log_det, LayerCache* cache) const {
  Cache local;
  Cache& c = cache ? static_cast<Cache&>(*cache) : local;
  net_.forward(x, c.out, c.net);
  // Whole-array expressions, so that Eigen vectorises the exponentials (soft_clip's formula, layer.hpp).
  const auto raw = c.out.rightCols(dim_).array();
  const Eigen::ArrayXXd a = raw / (1.0 + raw.abs() / kLogScaleBound);
  c.inv_scale = (-a).exp();
  y = ((x.array() - c.out.leftCols(dim_).array()) * c.inv_scale).matrix();
  log_det -= a.rowwise().sum().matrix();
}

void MadeAffine::to_data(const MatrixXd& y, MatrixXd& x, VectorXd& log_det) const {
  // Each pass fixes one more coordinate in the autoregressive order; after d passes all are exact.
  const Index n = y.rows();
  Cache c;
  x = MatrixXd::Zero(n, dim_);
  for (int pass = 0; pass < dim_; ++pass) {
    net_.forward(x, c.out, c.net);
    for (Index j = 0; j < dim_; ++j)
      for (Index i = 0; i < n; ++i) x(i, j) = y(i, j) * std::exp(soft_clip(c.out(i, dim_ + j))) + c.out(i, j);
  }
  for (Index j = 0; j < dim_; ++j)
    for (Index i = 0; i < n; ++i) log_det(i) += soft_clip(c.out(i, dim_ + j));
}

void MadeAffine::backward(const MatrixXd& x, const MatrixXd& dy, const VectorXd& dlog_det, LayerCache& cache,
                          MatrixXd& dx, double* grad) const {
  Cache& c = static_cast<Cache&>(cache);
  const Index n = x.rows();
  const auto raw = c.out.rightCols(dim_).array();
  const Eigen::ArrayXXd& e = c.inv_scale;
  const Eigen::ArrayXXd z = (x.array() - c.out.leftCols(dim_).array()) * e;
  const Eigen::ArrayXXd ge = dy.array() * e;
  const Eigen::ArrayXXd q = 1.0 + raw.abs() / kLogScaleBound;  // soft_clip_derivative = 1 / q^2
  MatrixXd dout(n, 2 * dim_);
  dout.leftCols(dim_) = (-ge).matrix();
  dout.rightCols(dim_) = (((-dy.array() * z).colwise() - dlog_det.array()) / (q * q)).matrix();
  net_.backward(x, dout, c.net, &dx, grad);
  dx += ge.matrix();
}

}  // namespace flowprior
