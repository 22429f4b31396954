#pragma once
// RealNVP affine coupling (docs/reference/paper.md §3): the kept coordinates A pass through; the others B become
// y_B = x_B * exp(s(x_A)) + t(x_A), log|det| = sum s. s = soft_clip(S(x_A)) with S a one-hidden-layer tanh network
// of width d (the paper's; its "first layer applied twice" quirk is dropped, no bit compatibility with JAX is kept),
// t a linear map. The last layer of S and all of t start at zero, so the coupling starts as the identity.
#include <vector>

#include "flowprior/core/rng.hpp"
#include "flowprior/flow/layer.hpp"
#include "flowprior/flow/mlp.hpp"

namespace flowprior {

class AffineCoupling : public FlowLayer {
 public:
  // Coordinates with i % 2 == transformed_parity are transformed (checkerboard).
  AffineCoupling(int dim, int transformed_parity, Rng& rng);
  std::unique_ptr<FlowLayer> clone() const override { return std::make_unique<AffineCoupling>(*this); }
  int dim() const override { return dim_; }
  Index num_params() const override { return s_net_.num_params() + t_net_.num_params(); }
  void get_params(double* out) const override;
  void set_params(const double* in) override;
  std::unique_ptr<LayerCache> make_cache() const override;
  void to_latent(const MatrixXd& x, MatrixXd& y, VectorXd& log_det, LayerCache* cache) const override;
  void to_data(const MatrixXd& y, MatrixXd& x, VectorXd& log_det) const override;
  void backward(const MatrixXd& x, const MatrixXd& dy, const VectorXd& dlog_det, LayerCache& cache, MatrixXd& dx,
                double* grad) const override;

 private:
  struct Cache;
  // Kept columns -> xa; raw scale and shift; s = soft_clip(raw).
  void conditioner(const MatrixXd& x, Cache& c) const;

  int dim_ = 0;
  std::vector<int> kept_, transformed_;
  Mlp s_net_, t_net_;
};

// Column gather/scatter shared by couplings.
void gather_columns(const MatrixXd& x, const std::vector<int>& cols, MatrixXd& out);

}  // namespace flowprior
