#include "flowprior/flow/flow.hpp"

#include <cmath>

#include "flowprior/core/error.hpp"
#include "flowprior/flow/affine_coupling.hpp"
#include "flowprior/flow/elementwise_affine.hpp"
#include "flowprior/flow/made_affine.hpp"
#include "flowprior/flow/made_spline.hpp"
#include "flowprior/flow/rq_spline.hpp"
#include "flowprior/flow/spline_coupling.hpp"

namespace flowprior {

std::string to_string(FlowArch arch) {
  switch (arch) {
    case FlowArch::realnvp: return "realnvp";
    case FlowArch::maf: return "maf";
    case FlowArch::nsf: return "nsf";
    case FlowArch::nsf_coupling: return "nsf-coupling";
  }
  return "?";
}

FlowArch flow_arch_from_string(const std::string& name) {
  if (name == "realnvp") return FlowArch::realnvp;
  if (name == "maf") return FlowArch::maf;
  if (name == "nsf") return FlowArch::nsf;
  if (name == "nsf-coupling") return FlowArch::nsf_coupling;
  throw Error(ErrorContext{.parameter = "architecture"},
              "unknown flow architecture '" + name + "' (expected realnvp, maf, nsf or nsf-coupling)");
}

void validate(const FlowConfig& c) {
  auto fail = [](const char* key, const std::string& what) { throw Error(ErrorContext{.parameter = key}, what); };
  if (c.layers < 1) fail("layers", "flow needs at least 1 layer");
  if (c.hidden < 1) fail("hidden", "hidden width must be >= 1");
  if (c.hidden_layers < 1) fail("hidden_layers", "conditioner needs at least 1 hidden layer");
  if (c.bins < 2 || c.bins > kMaxSplineBins) fail("bins", "bins must be in 2..64");
  if (!(c.tail_bound >= 0) || !std::isfinite(c.tail_bound))
    fail("tail_bound", "tail_bound must be finite and > 0 (or 0: from the training data)");
}

Flow::Flow(int dim, const FlowConfig& config, Rng& rng) : dim_(dim), config_(config) {
  if (dim < 1) throw Error("Flow: dimension must be >= 1");
  validate(config);
  if (config_.tail_bound == 0) config_.tail_bound = kFallbackTailBound;
  mean_ = VectorXd::Zero(dim);
  scale_ = VectorXd::Ones(dim);
  switch (config.arch) {
    case FlowArch::realnvp:
      // The paper's trainable ScaleShift sits on the data side; it starts at the identity because the fixed
      // standardisation already carries the data mean and std.
      layers_.push_back(std::make_unique<ElementwiseAffine>(dim));
      for (int l = 0; l < config.layers; ++l) {
        layers_.push_back(std::make_unique<AffineCoupling>(dim, 0, rng));
        layers_.push_back(std::make_unique<AffineCoupling>(dim, 1, rng));
      }
      break;
    case FlowArch::maf:
      for (int l = 0; l < config.layers; ++l)
        layers_.push_back(std::make_unique<MadeAffine>(dim, config.hidden, config.hidden_layers, l % 2 == 1, rng));
      break;
    case FlowArch::nsf:
      for (int l = 0; l < config.layers; ++l)
        layers_.push_back(std::make_unique<MadeSpline>(dim, config.hidden, config.hidden_layers, config.bins,
                                                       config_.tail_bound, l % 2 == 1, rng));
      break;
    case FlowArch::nsf_coupling:
      for (int l = 0; l < config.layers; ++l)
        layers_.push_back(std::make_unique<SplineCoupling>(dim, l % 2, config.hidden, config.hidden_layers,
                                                           config.bins, config_.tail_bound, rng));
      break;
  }
}

Flow::Flow(const Flow& other)
    : dim_(other.dim_), config_(other.config_), mean_(other.mean_), scale_(other.scale_),
      log_scale_sum_(other.log_scale_sum_) {
  for (const auto& l : other.layers_) layers_.push_back(l->clone());
}

Flow& Flow::operator=(const Flow& other) {
  if (this != &other) {
    Flow copy(other);
    *this = std::move(copy);
  }
  return *this;
}

void Flow::set_standardization(const VectorXd& mean, const VectorXd& scale) {
  if (mean.size() != dim_ || scale.size() != dim_)
    throw Error(ErrorContext{.parameter = "standardization"}, "standardisation has the wrong length");
  for (Index j = 0; j < dim_; ++j) {
    if (!std::isfinite(mean(j)) || !std::isfinite(scale(j)) || !(scale(j) > 0))
      throw Error(ErrorContext{.parameter = "standardization"},
                  "standardisation needs finite mean and positive finite scale (coordinate " + std::to_string(j) +
                      ")");
  }
  mean_ = mean;
  scale_ = scale;
  log_scale_sum_ = scale.array().log().sum();
}

void Flow::to_latent(const MatrixXd& u, MatrixXd& z, VectorXd& log_det) const {
  if (u.cols() != dim_) throw Error("Flow::to_latent: expected " + std::to_string(dim_) + " columns");
  MatrixXd a = (u.rowwise() - mean_.transpose()).array().rowwise() / scale_.transpose().array();
  log_det = VectorXd::Constant(u.rows(), -log_scale_sum_);
  MatrixXd b;
  for (const auto& layer : layers_) {
    layer->to_latent(a, b, log_det, nullptr);
    a.swap(b);
  }
  z.swap(a);
}

void Flow::to_data(const MatrixXd& z, MatrixXd& u, VectorXd& log_det) const {
  if (z.cols() != dim_) throw Error("Flow::to_data: expected " + std::to_string(dim_) + " columns");
  MatrixXd a = z, b;
  log_det = VectorXd::Constant(z.rows(), log_scale_sum_);
  for (auto it = layers_.rbegin(); it != layers_.rend(); ++it) {
    (*it)->to_data(a, b, log_det);
    a.swap(b);
  }
  u = (a.array().rowwise() * scale_.transpose().array()).matrix().rowwise() + mean_.transpose();
}

VectorXd Flow::log_prob(const MatrixXd& u) const {
  VectorXd out;
  log_prob(u, out);
  return out;
}

void Flow::log_prob(const MatrixXd& u, VectorXd& out) const {
  MatrixXd z;
  VectorXd log_det;
  to_latent(u, z, log_det);
  out = log_det - 0.5 * z.rowwise().squaredNorm() - VectorXd::Constant(u.rows(), 0.5 * dim_ * kLog2Pi);
}

MatrixXd Flow::sample(Index n, Rng& rng) const {
  MatrixXd u;
  VectorXd log_q;
  sample(n, rng, u, log_q);
  return u;
}

void Flow::sample(Index n, Rng& rng, MatrixXd& u, VectorXd& log_q) const {
  MatrixXd z(n, dim_);
  rng.fill_normal(z);
  VectorXd log_det;
  to_data(z, u, log_det);
  log_q = -log_det - 0.5 * z.rowwise().squaredNorm() - VectorXd::Constant(n, 0.5 * dim_ * kLog2Pi);
}

Index Flow::num_params() const {
  Index n = 0;
  for (const auto& l : layers_) n += l->num_params();
  return n;
}

VectorXd Flow::params() const {
  VectorXd p(num_params());
  Index off = 0;
  for (const auto& l : layers_) {
    l->get_params(p.data() + off);
    off += l->num_params();
  }
  return p;
}

void Flow::set_params(const VectorXd& params) {
  if (params.size() != num_params())
    throw Error(ErrorContext{.parameter = "weights"}, "flow expects " + std::to_string(num_params()) +
                                                          " parameters, got " + std::to_string(params.size()));
  Index off = 0;
  for (auto& l : layers_) {
    l->set_params(params.data() + off);
    off += l->num_params();
  }
}

void Flow::log_prob_recorded(const MatrixXd& u, FlowTape& tape, VectorXd& log_q) const {
  const std::size_t n_layers = layers_.size();
  tape.activations.resize(n_layers + 1);
  if (tape.caches.size() != n_layers) {
    tape.caches.clear();
    for (const auto& l : layers_) tape.caches.push_back(l->make_cache());
  }
  tape.activations[0] = (u.rowwise() - mean_.transpose()).array().rowwise() / scale_.transpose().array();
  tape.log_det = VectorXd::Constant(u.rows(), -log_scale_sum_);
  for (std::size_t l = 0; l < n_layers; ++l)
    layers_[l]->to_latent(tape.activations[l], tape.activations[l + 1], tape.log_det, tape.caches[l].get());
  const MatrixXd& z = tape.activations.back();
  log_q = tape.log_det - 0.5 * z.rowwise().squaredNorm() - VectorXd::Constant(u.rows(), 0.5 * dim_ * kLog2Pi);
}

void Flow::log_prob_backward(const VectorXd& dlog_q, FlowTape& tape, double* grad, MatrixXd* du) const {
  // log q = log_det - |z|^2 / 2 + const: dL/dz = -dlog_q * z, dL/dlog_det = dlog_q in every layer.
  tape.dy = -(tape.activations.back().array().colwise() * dlog_q.array()).matrix();
  std::vector<Index> offset(layers_.size());
  Index off = 0;
  for (std::size_t l = 0; l < layers_.size(); ++l) {
    offset[l] = off;
    off += layers_[l]->num_params();
  }
  for (std::size_t l = layers_.size(); l-- > 0;) {
    layers_[l]->backward(tape.activations[l], tape.dy, dlog_q, *tape.caches[l], tape.dx, grad + offset[l]);
    tape.dy.swap(tape.dx);
  }
  if (du) *du = tape.dy.array().rowwise() / scale_.transpose().array();
}

}  // namespace flowprior
