#pragma once
// MAF layer: affine autoregressive transform with a MADE conditioner (Germain et al. 2015; docs/reference/flows.md §2-3).
// z_i = (x_i - mu_i(x_<i)) * exp(-a_i(x_<i)), a = soft_clip(raw), log|det| = -sum a. One network pass in the
// density direction, d passes for sampling. Order ascending or descending (alternated between layers); the
// output layer starts at zero, so the layer starts as the identity.
#include <vector>

#include "flowprior/core/rng.hpp"
#include "flowprior/flow/layer.hpp"
#include "flowprior/flow/mlp.hpp"

namespace flowprior {

class MadeAffine : public FlowLayer {
 public:
  MadeAffine(int dim, int hidden, int hidden_layers, bool reverse_order, Rng& rng);
  std::unique_ptr<FlowLayer> clone() const override { return std::make_unique<MadeAffine>(*this); }
  int dim() const override { return dim_; }
  Index num_params() const override { return net_.num_params(); }
  void get_params(double* out) const override { net_.get_params(out); }
  void set_params(const double* in) override { net_.set_params(in); }
  std::unique_ptr<LayerCache> make_cache() const override;
  void to_latent(const MatrixXd& x, MatrixXd& y, VectorXd& log_det, LayerCache* cache) const override;
  void to_data(const MatrixXd& y, MatrixXd& x, VectorXd& log_det) const override;
  void backward(const MatrixXd& x, const MatrixXd& dy, const VectorXd& dlog_det, LayerCache& cache, MatrixXd& dx,
                double* grad) const override;

 private:
  struct Cache;
  int dim_ = 0;
  Mlp net_;  // d -> hidden x hidden_layers -> 2d (mu, raw log-scale)
};

// MADE degrees of the inputs for an order (1..d), and the masks of a net with the given hidden sizes whose outputs
// are `per_input` blocks of d (block p, output j depends on inputs of degree < degree(j)).
std::vector<MatrixXd> made_masks(const std::vector<int>& input_degree, const std::vector<int>& hidden,
                                 int per_input);

}  // namespace flowprior
