#pragma once
// Autoregressive NSF layer: every coordinate goes through a rational-quadratic spline (rq_spline.hpp) whose 3K - 1
// raw parameters come from a MADE conditioner of the coordinates before it in the order (Durkan et al. 2019,
// arXiv:1906.04032 §3.1 "autoregressive"; the MAF layer's masks, made_affine.hpp). One network pass in the density
// direction, d passes for sampling. The output layer starts at zero, so the layer starts as the identity.
// Against the coupling layer (spline_coupling.hpp), each layer transforms all d coordinates, each conditioned on all
// the ones before it; on the 10-D two-Gaussian mixture this closes the coupling NSF's gap to zuko's (autoregressive)
// NSF and to our MAF (bench/RESULTS.md, issue 21).
#include <vector>

#include "flowprior/core/rng.hpp"
#include "flowprior/flow/layer.hpp"
#include "flowprior/flow/mlp.hpp"

namespace flowprior {

class MadeSpline : public FlowLayer {
 public:
  MadeSpline(int dim, int hidden, int hidden_layers, int bins, double bound, bool reverse_order, Rng& rng);
  std::unique_ptr<FlowLayer> clone() const override { return std::make_unique<MadeSpline>(*this); }
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
  int dim_ = 0, bins_ = 8;
  double bound_ = 10.0;
  Mlp net_;  // d -> hidden x hidden_layers -> (3K - 1) d, parameter-major: output q d + j = parameter q of coordinate j
};

}  // namespace flowprior
