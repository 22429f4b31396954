#include "flowprior/flow/elementwise_affine.hpp"

namespace flowprior {

ElementwiseAffine::ElementwiseAffine(int dim) : shift_(VectorXd::Zero(dim)), log_scale_(VectorXd::Zero(dim)) {}

void ElementwiseAffine::get_params(double* out) const {
  out = std::copy(shift_.data(), shift_.data() + shift_.size(), out);
  std::copy(log_scale_.data(), log_scale_.data() + log_scale_.size(), out);
}

void ElementwiseAffine::set_params(const double* in) {
  std::copy(in, in + shift_.size(), shift_.data());
  std::copy(in + shift_.size(), in + 2 * shift_.size(), log_scale_.data());
}

void ElementwiseAffine::to_latent(const MatrixXd& x, MatrixXd& y, VectorXd& log_det, LayerCache*) const {
  const RowVectorXd inv_scale = (-log_scale_).array().exp().matrix().transpose();
  y = (x.rowwise() - shift_.transpose()).array().rowwise() * inv_scale.array();
  log_det.array() -= log_scale_.sum();
}

void ElementwiseAffine::to_data(const MatrixXd& y, MatrixXd& x, VectorXd& log_det) const {
  const RowVectorXd scale = log_scale_.array().exp().matrix().transpose();
  x = (y.array().rowwise() * scale.array()).matrix().rowwise() + shift_.transpose();
  log_det.array() += log_scale_.sum();
}

void ElementwiseAffine::backward(const MatrixXd& x, const MatrixXd& dy, const VectorXd& dlog_det, LayerCache&,
                                 MatrixXd& dx, double* grad) const {
  const Index d = shift_.size();
  const RowVectorXd inv_scale = (-log_scale_).array().exp().matrix().transpose();
  dx = dy.array().rowwise() * inv_scale.array();
  Eigen::Map<VectorXd> g_shift(grad, d), g_log_scale(grad + d, d);
  g_shift -= dx.colwise().sum().transpose();
  // dy/dlog_scale = -y = -(x - shift) * inv_scale
  const MatrixXd centred = x.rowwise() - shift_.transpose();
  g_log_scale -= (dx.array() * centred.array()).colwise().sum().matrix().transpose();
  g_log_scale.array() -= dlog_det.sum();
}

}  // namespace flowprior
