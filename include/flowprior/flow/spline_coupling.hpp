#pragma once
// NSF coupling: kept coordinates A pass through, the others B go through rational-quadratic splines
// (rq_spline.hpp) whose 3K - 1 raw parameters per coordinate come from a ReLU network of x_A. The network's last
// layer starts at zero, so the coupling starts as the identity. Alternating parities between couplings mix all
// coordinates.
#include <vector>

#include "flowprior/core/rng.hpp"
#include "flowprior/flow/layer.hpp"
#include "flowprior/flow/mlp.hpp"

namespace flowprior {

class SplineCoupling : public FlowLayer {
 public:
  SplineCoupling(int dim, int transformed_parity, int hidden, int hidden_layers, int bins, double bound, Rng& rng);
  std::unique_ptr<FlowLayer> clone() const override { return std::make_unique<SplineCoupling>(*this); }
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
  double bound_ = 3.0;
  std::vector<int> kept_, transformed_;
  Mlp net_;  // |A| -> hidden... -> |B| (3K - 1), coordinate-major
};

}  // namespace flowprior
