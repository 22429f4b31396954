#pragma once
// One bijection of a flow stack. Each layer type implements its density direction (to_latent, with log|det|),
// its sampling direction (to_data) and the backward pass of to_latent for training, side by side in one file.
// Layers own their parameters; the flow concatenates them in stack order.
#include <memory>

#include "flowprior/core/types.hpp"

namespace flowprior {

// What a layer records during a training pass of to_latent so that backward can run without recomputing it.
struct LayerCache {
  virtual ~LayerCache() = default;
};

class FlowLayer {
 public:
  virtual ~FlowLayer() = default;
  virtual std::unique_ptr<FlowLayer> clone() const = 0;
  virtual int dim() const = 0;

  virtual Index num_params() const = 0;
  virtual void get_params(double* out) const = 0;
  virtual void set_params(const double* in) = 0;

  virtual std::unique_ptr<LayerCache> make_cache() const = 0;
  // x -> y (density direction); log_det(i) += log|det dy/dx| of row i. `cache` may be null (inference).
  virtual void to_latent(const MatrixXd& x, MatrixXd& y, VectorXd& log_det, LayerCache* cache) const = 0;
  // y -> x (sampling direction); log_det(i) += log|det dx/dy| of row i.
  virtual void to_data(const MatrixXd& y, MatrixXd& x, VectorXd& log_det) const = 0;
  // Given dL/dy and dL/dlog_det (per row) for the to_latent pass recorded in `cache` (input x), writes dL/dx into
  // dx and ADDS dL/dparams into grad[0 .. num_params()).
  virtual void backward(const MatrixXd& x, const MatrixXd& dy, const VectorXd& dlog_det, LayerCache& cache,
                        MatrixXd& dx, double* grad) const = 0;
};

// Soft clip of a log-scale, a / (1 + |a| / bound): smooth, identity near 0, |result| < bound. Keeps exp(scale)
// finite while training (bound = ln 1e3, as zuko).
inline constexpr double kLogScaleBound = 6.907755278982137;
inline double soft_clip(double a) { return a / (1.0 + std::abs(a) / kLogScaleBound); }
inline double soft_clip_derivative(double a) {
  const double q = 1.0 + std::abs(a) / kLogScaleBound;
  return 1.0 / (q * q);
}

}  // namespace flowprior
