#include "flowprior/flow/mlp.hpp"

#include <cmath>

#include "flowprior/core/error.hpp"

namespace flowprior {

Mlp::Mlp(std::vector<int> sizes, Activation activation, Rng& rng, bool zero_last)
    : sizes_(std::move(sizes)), activation_(activation) {
  if (sizes_.size() < 2) throw Error("Mlp: needs at least input and output sizes");
  const std::size_t n_layers = sizes_.size() - 1;
  w_.resize(n_layers);
  b_.resize(n_layers);
  for (std::size_t l = 0; l < n_layers; ++l) {
    const int fan_in = sizes_[l];
    w_[l].resize(sizes_[l + 1], fan_in);
    b_[l] = VectorXd::Zero(sizes_[l + 1]);
    if (zero_last && l + 1 == n_layers) {
      w_[l].setZero();
      continue;
    }
    const double bound = fan_in > 0 ? 1.0 / std::sqrt(static_cast<double>(fan_in)) : 0.0;
    for (Index k = 0; k < w_[l].size(); ++k) w_[l].data()[k] = bound * (2.0 * rng.uniform() - 1.0);
  }
}

void Mlp::set_masks(std::vector<MatrixXd> masks) {
  if (masks.size() != w_.size()) throw Error("Mlp: one mask per layer expected");
  for (std::size_t l = 0; l < w_.size(); ++l) {
    if (masks[l].rows() != w_[l].rows() || masks[l].cols() != w_[l].cols()) throw Error("Mlp: mask shape");
    w_[l] = w_[l].cwiseProduct(masks[l]);
  }
  stairs_ = staircase_layers(masks);
  masks_ = std::move(masks);
  sort_params();
}

Index Mlp::num_params() const {
  Index n = 0;
  for (std::size_t l = 0; l < w_.size(); ++l) n += w_[l].size() + b_[l].size();
  return n;
}

void Mlp::get_params(double* out) const {
  for (std::size_t l = 0; l < w_.size(); ++l) {
    out = std::copy(w_[l].data(), w_[l].data() + w_[l].size(), out);
    out = std::copy(b_[l].data(), b_[l].data() + b_[l].size(), out);
  }
}

void Mlp::set_params(const double* in) {
  for (std::size_t l = 0; l < w_.size(); ++l) {
    std::copy(in, in + w_[l].size(), w_[l].data());
    in += w_[l].size();
    std::copy(in, in + b_[l].size(), b_[l].data());
    in += b_[l].size();
    if (!masks_.empty()) w_[l] = w_[l].cwiseProduct(masks_[l]);
  }
  sort_params();
}

std::vector<Index> Mlp::param_offsets() const {
  std::vector<Index> offset(w_.size());
  Index off = 0;
  for (std::size_t l = 0; l < w_.size(); ++l) {
    offset[l] = off;
    off += w_[l].size() + b_[l].size();
  }
  return offset;
}

void Mlp::activate(MatrixXd& h) const {
  if (activation_ == Activation::relu) {
    h = h.cwiseMax(0.0);
  } else if (activation_ == Activation::tanh) {
    h = h.array().tanh();
  }
}

void Mlp::activation_backward(const MatrixXd& h, MatrixXd& g) const {
  if (activation_ == Activation::relu) {
    g = (h.array() > 0.0).select(g, 0.0);
  } else if (activation_ == Activation::tanh) {
    g.array() *= 1.0 - h.array().square();
  }
}

void Mlp::forward(const MatrixXd& x, MatrixXd& out, Cache& cache) const {
  if (!stairs_.empty()) {
    forward_staircase(x, out, cache);
    return;
  }
  const std::size_t n_layers = w_.size();
  cache.hidden.resize(n_layers - 1);
  const MatrixXd* input = &x;
  for (std::size_t l = 0; l < n_layers; ++l) {
    MatrixXd& dest = (l + 1 == n_layers) ? out : cache.hidden[l];
    dest.resize(x.rows(), w_[l].rows());
    dest.noalias() = *input * w_[l].transpose();
    dest.rowwise() += b_[l].transpose();
    if (l + 1 < n_layers) activate(dest);
    input = &dest;
  }
}

void Mlp::backward(const MatrixXd& x, const MatrixXd& dout, Cache& cache, MatrixXd* dx, double* grad) const {
  if (!stairs_.empty()) {
    backward_staircase(dout, cache, dx, grad);
    return;
  }
  const std::size_t n_layers = w_.size();
  const std::vector<Index> offset = param_offsets();
  MatrixXd g = dout;
  MatrixXd g_in;
  for (std::size_t li = n_layers; li-- > 0;) {
    const MatrixXd& input = li == 0 ? x : cache.hidden[li - 1];
    Eigen::Map<MatrixXd> gw(grad + offset[li], w_[li].rows(), w_[li].cols());
    Eigen::Map<VectorXd> gb(grad + offset[li] + w_[li].size(), b_[li].size());
    if (masks_.empty()) {
      gw.noalias() += g.transpose() * input;
    } else {
      gw += (g.transpose() * input).cwiseProduct(masks_[li]);
    }
    gb += g.colwise().sum().transpose();
    if (li == 0 && dx == nullptr) break;
    g_in.resize(g.rows(), w_[li].cols());
    g_in.noalias() = g * w_[li];
    if (li > 0) {
      activation_backward(cache.hidden[li - 1], g_in);
      g.swap(g_in);
    } else {
      dx->swap(g_in);
    }
  }
}

}  // namespace flowprior
