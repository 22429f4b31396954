#pragma once
// y = (x - shift) * exp(-log_scale), per dimension; trainable, identity at start. The ScaleShift of the paper's
// RealNVP (docs/reference/paper.md §3), with a log-parameterised scale so that it stays positive.
#include "flowprior/flow/layer.hpp"

namespace flowprior {

class ElementwiseAffine : public FlowLayer {
 public:
  explicit ElementwiseAffine(int dim);
  std::unique_ptr<FlowLayer> clone() const override { return std::make_unique<ElementwiseAffine>(*this); }
  int dim() const override { return static_cast<int>(shift_.size()); }
  Index num_params() const override { return 2 * shift_.size(); }
  void get_params(double* out) const override;
  void set_params(const double* in) override;
  std::unique_ptr<LayerCache> make_cache() const override { return std::make_unique<LayerCache>(); }
  void to_latent(const MatrixXd& x, MatrixXd& y, VectorXd& log_det, LayerCache* cache) const override;
  void to_data(const MatrixXd& y, MatrixXd& x, VectorXd& log_det) const override;
  void backward(const MatrixXd& x, const MatrixXd& dy, const VectorXd& dlog_det, LayerCache& cache, MatrixXd& dx,
                double* grad) const override;

 private:
  VectorXd shift_;
  VectorXd log_scale_;
};

}  // namespace flowprior
