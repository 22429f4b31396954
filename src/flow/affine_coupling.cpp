#include "flowprior/flow/affine_coupling.hpp"

namespace flowprior {

void gather_columns(const MatrixXd& x, const std::vector<int>& cols, MatrixXd& out) {
  out.resize(x.rows(), static_cast<Index>(cols.size()));
  for (std::size_t j = 0; j < cols.size(); ++j) out.col(static_cast<Index>(j)) = x.col(cols[j]);
}

struct AffineCoupling::Cache : LayerCache {
  MatrixXd xa, raw, s, t;
  Mlp::Cache s_cache, t_cache;
};

AffineCoupling::AffineCoupling(int dim, int transformed_parity, Rng& rng) : dim_(dim) {
  for (int i = 0; i < dim; ++i) (i % 2 == transformed_parity ? transformed_ : kept_).push_back(i);
  const int a = static_cast<int>(kept_.size()), b = static_cast<int>(transformed_.size());
  s_net_ = Mlp({a, dim, b}, Activation::tanh, rng, /*zero_last=*/true);
  t_net_ = Mlp({a, b}, Activation::identity, rng, /*zero_last=*/true);
}

void AffineCoupling::get_params(double* out) const {
  s_net_.get_params(out);
  t_net_.get_params(out + s_net_.num_params());
}

void AffineCoupling::set_params(const double* in) {
  s_net_.set_params(in);
  t_net_.set_params(in + s_net_.num_params());
}

std::unique_ptr<LayerCache> AffineCoupling::make_cache() const { return std::make_unique<Cache>(); }

void AffineCoupling::conditioner(const MatrixXd& x, Cache& c) const {
  gather_columns(x, kept_, c.xa);
  s_net_.forward(c.xa, c.raw, c.s_cache);
  t_net_.forward(c.xa, c.t, c.t_cache);
  c.s = c.raw.unaryExpr([](double v) { return soft_clip(v); });
}

void AffineCoupling::to_latent(const MatrixXd& x, MatrixXd& y, VectorXd& log_det, LayerCache* cache) const {
  Cache local;
  Cache& c = cache ? static_cast<Cache&>(*cache) : local;
  conditioner(x, c);
  y = x;
  for (std::size_t j = 0; j < transformed_.size(); ++j) {
    const int col = transformed_[j];
    const auto jj = static_cast<Index>(j);
    y.col(col) = x.col(col).cwiseProduct(c.s.col(jj).array().exp().matrix()) + c.t.col(jj);
  }
  log_det += c.s.rowwise().sum();
}

void AffineCoupling::to_data(const MatrixXd& y, MatrixXd& x, VectorXd& log_det) const {
  Cache c;
  conditioner(y, c);  // kept columns are equal on both sides
  x = y;
  for (std::size_t j = 0; j < transformed_.size(); ++j) {
    const int col = transformed_[j];
    const auto jj = static_cast<Index>(j);
    x.col(col) = (y.col(col) - c.t.col(jj)).cwiseProduct((-c.s.col(jj)).array().exp().matrix());
  }
  log_det -= c.s.rowwise().sum();
}

void AffineCoupling::backward(const MatrixXd& x, const MatrixXd& dy, const VectorXd& dlog_det, LayerCache& cache,
                              MatrixXd& dx, double* grad) const {
  Cache& c = static_cast<Cache&>(cache);
  const Index n = x.rows();
  const auto b = static_cast<Index>(transformed_.size());
  MatrixXd draw(n, b), dt(n, b);
  dx = dy;
  for (Index j = 0; j < b; ++j) {
    const int col = transformed_[static_cast<std::size_t>(j)];
    for (Index i = 0; i < n; ++i) {
      const double es = std::exp(c.s(i, j));
      const double g = dy(i, col);
      dx(i, col) = g * es;
      const double ds = g * x(i, col) * es + dlog_det(i);
      draw(i, j) = ds * soft_clip_derivative(c.raw(i, j));
      dt(i, j) = g;
    }
  }
  MatrixXd dxa_s, dxa_t;
  s_net_.backward(c.xa, draw, c.s_cache, &dxa_s, grad);
  t_net_.backward(c.xa, dt, c.t_cache, &dxa_t, grad + s_net_.num_params());
  for (std::size_t j = 0; j < kept_.size(); ++j) {
    const auto jj = static_cast<Index>(j);
    dx.col(kept_[j]) += dxa_s.col(jj) + dxa_t.col(jj);
  }
}

}  // namespace flowprior
