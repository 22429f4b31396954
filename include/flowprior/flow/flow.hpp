#pragma once
// A normalizing flow on R^d with a standard-normal base. The first bijection is a fixed affine standardisation
// (set from the training data). "data" side = u in R^d (the box-bijected parameters), "latent" side = z.
#include <memory>
#include <string>
#include <vector>

#include "flowprior/core/rng.hpp"
#include "flowprior/core/types.hpp"
#include "flowprior/flow/layer.hpp"

namespace flowprior {

// nsf: autoregressive spline flow (MADE conditioner, every coordinate transformed in every layer, as zuko's and
// pocoMC's NSF); nsf_coupling ("nsf-coupling"): the coupling spline flow that "nsf" meant before issue 21 (half the
// coordinates per layer); flow files of version 1 that say "nsf" load as nsf_coupling (flow_file.hpp).
enum class FlowArch { realnvp, maf, nsf, nsf_coupling };
std::string to_string(FlowArch arch);
FlowArch flow_arch_from_string(const std::string& name);  // Error on unknown

struct FlowConfig {
  FlowArch arch = FlowArch::maf;
  int layers = 5;          // RealNVP: checkerboard blocks (2 affine couplings each); MAF/NSF: number of transforms
  int hidden = 64;         // MAF/NSF conditioner width (RealNVP follows the paper: width d, see docs/reference/paper.md §3)
  int hidden_layers = 2;   // MAF/NSF conditioner depth
  int bins = 8;            // NSF: rational-quadratic bins K
  // NSF: spline on [-B, B] (standardised units), identity tails outside. A spline maps [-B, B] onto itself and so
  // cannot move mass across +-B: B must cover the data (box-edge logit tails reach ~10 standard deviations; with
  // B = 3 the banana's x2 tail stayed unmodelled, KL 0.10) and the base's tails (N(0, 1) beyond +-3 is 0.27 % per
  // coordinate that the data side can never reach), but a wider interval spends the K bins where there is no mass
  // (10-D two-Gaussian mixture: KL 0.029 at B = 5, 0.060 at B = 10, 0.075 at B = 3; bench/RESULTS.md, issue 21).
  // 0 (default): chosen by training from its data, B = max(5, 1.25 x largest |standardised training value|)
  // (train_flow_unbounded; the margin because a sample's largest value understates its tail: on the banana at 8000
  // draws B = reach alone was worse than B = 10 on 4 of 5 seeds); a flow built without data takes
  // kFallbackTailBound. config() reports the bound used.
  double tail_bound = 0.0;
};
inline constexpr double kFallbackTailBound = 10.0;
inline constexpr double kMinAutoTailBound = 5.0;  // N(0, 1) mass beyond 5: 5.7e-7 per coordinate
// Error naming the field for values that cannot build a flow (layers < 1, bins < 2, ...).
void validate(const FlowConfig& config);

// What one recorded to_latent pass keeps for the backward pass (one per thread / chunk; reused between calls).
struct FlowTape {
  std::vector<MatrixXd> activations;  // activations[l] = input of layer l; activations.back() = z
  std::vector<std::unique_ptr<LayerCache>> caches;
  VectorXd log_det;                   // log|det dz/du| per row, standardisation included
  MatrixXd dx;                        // backward scratch
  MatrixXd dy;
};

class Flow {
 public:
  Flow() = default;
  Flow(int dim, const FlowConfig& config, Rng& rng);  // identity map at start (after standardisation)
  Flow(const Flow& other);
  Flow& operator=(const Flow& other);
  Flow(Flow&&) noexcept = default;
  Flow& operator=(Flow&&) noexcept = default;

  int dim() const { return dim_; }
  const FlowConfig& config() const { return config_; }

  void set_standardization(const VectorXd& mean, const VectorXd& scale);  // Error unless finite, scale > 0
  const VectorXd& standardization_mean() const { return mean_; }
  const VectorXd& standardization_scale() const { return scale_; }

  void to_latent(const MatrixXd& u, MatrixXd& z, VectorXd& log_det) const;  // log_det = log|det dz/du| per row
  void to_data(const MatrixXd& z, MatrixXd& u, VectorXd& log_det) const;    // log_det = log|det du/dz| per row
  VectorXd log_prob(const MatrixXd& u) const;                               // log q(u)
  void log_prob(const MatrixXd& u, VectorXd& out) const;
  MatrixXd sample(Index n, Rng& rng) const;                                 // u ~ q
  void sample(Index n, Rng& rng, MatrixXd& u, VectorXd& log_q) const;       // with log q(u)

  Index num_params() const;
  VectorXd params() const;
  void set_params(const VectorXd& params);  // Error on a wrong length

  // Training: log q(u) with everything backward needs recorded in `tape`.
  void log_prob_recorded(const MatrixXd& u, FlowTape& tape, VectorXd& log_q) const;
  // Gradient of sum_i dlog_q(i) * log q(u_i) for the pass recorded in `tape`: ADDED to grad (num_params()),
  // and dL/du written to du when non-null.
  void log_prob_backward(const VectorXd& dlog_q, FlowTape& tape, double* grad, MatrixXd* du = nullptr) const;

  const std::vector<std::unique_ptr<FlowLayer>>& layers() const { return layers_; }

 private:
  int dim_ = 0;
  FlowConfig config_;
  VectorXd mean_;
  VectorXd scale_;
  double log_scale_sum_ = 0;  // sum log scale_
  std::vector<std::unique_ptr<FlowLayer>> layers_;
};

}  // namespace flowprior
