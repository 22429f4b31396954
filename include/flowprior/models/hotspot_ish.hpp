#pragma once
// HotSpot-UPC: exclusive J/psi photoproduction off a hot-spot proton (gamma+p, H1 kinematics) and a Pb nucleus
// (gamma+Pb, ALICE kinematics) in the independent-saturating-hot-spot (ISH) model of
// docs/reference/physics.md §4-6:
//   tau_i(r, b) = s(x) (r^2/4) ln(e + 1/(r m)) g_i exp(-|b - b_i|^2/(2 B_i)) / (2 pi B_i N_q),  s(x) = s0 (x0/x)^lambda,
// each hot spot saturating on its own (N_i = 1 - exp(-tau_i)), the overlap terms dropped; g_i ~ logN(-sigma^2/2, sigma^2),
// B_i = B_q e^{sigma_B xi}; hot-spot centres Gaussian (variance B_G) and recentred. Averages over g and B by
// Gauss-Hermite quadrature; the hot-spot Fourier profile F(y, a) comes from a table built once per model.
//
// Parameters (in this order, those not fixed): B_G, B_q, sigma, sigma_B, ln_s0, m, lambda, N_q, K.
// Observables: gamma+p block (H1 coherent, H1 incoherent; nb/GeV^2) then gamma+Pb block (ALICE coherent bins
// mb/GeV^2, ALICE incoherent bins microbarn/GeV^2, optionally ALICE sigma(W) microbarn and CMS sigma(W) mb).
// predict() is const and thread-safe; copies share the immutable tables.
#include <array>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "flowprior/core/box.hpp"
#include "flowprior/core/types.hpp"
#include "flowprior/models/hotspot_profile.hpp"
#include "flowprior/models/jpsi_wave_function.hpp"
#include "flowprior/models/units.hpp"

namespace flowprior {

enum class HotspotSystem { gamma_p, gamma_pb, joint };
std::string to_string(HotspotSystem system);                        // "gamma_p" | "gamma_pb" | "joint"
HotspotSystem hotspot_system_from_string(const std::string& name);  // Error otherwise

// Kinematics of the data (defaults = the tables in data/; tests check they agree).
struct HotspotKinematics {
  double w_gamma_p = 75.0;  // GeV (H1 2013)
  std::vector<double> h1_coherent_t{0.02, 0.08, 0.14, 0.21, 0.30, 0.41, 0.58, 0.90};               // |t| GeV^2
  std::vector<double> h1_incoherent_t{0.10, 0.29, 0.52, 0.78, 1.12, 1.55, 2.21, 3.30, 5.71};      // |t| GeV^2
  double w_gamma_pb = 124.69;  // GeV per nucleon (ALICE, |y| < 0.8)
  std::vector<std::array<double, 2>> alice_coherent_bins{{0.0, 0.00072},     {0.00072, 0.00160}, {0.00160, 0.00260},
                                                         {0.00260, 0.00400}, {0.00400, 0.00620}, {0.00620, 0.01210}};
  std::vector<std::array<double, 2>> alice_incoherent_bins{
      {0.0400, 0.0801}, {0.0801, 0.1521}, {0.1521, 0.2581}, {0.2581, 0.4775}, {0.4775, 1.0000}};
  std::vector<double> alice_sigma_w{31.53, 97.11, 124.69, 160.10, 493.14, 633.21, 813.05};  // W >= 31.5 GeV
  std::vector<double> cms_sigma_w{40.5, 45.9, 52.0, 299.0, 339.0, 384.0};
};

struct HotspotOptions {
  HotspotSystem system = HotspotSystem::gamma_p;
  bool n_q_free = false;  // false: N_q fixed at n_q; true: parameter N_q in [1, 10] (continuous formulas)
  double n_q = 3.0;
  bool k_free = false;    // false: K fixed at k; true: parameter K in [0.3, 3]
  double k = 1.0;
  bool sigma_signed = false;    // prior sigma in [-1.5, 1.5] (mirror modes; the model depends on sigma^2 only)
  bool sigma_b_signed = false;  // same for sigma_B
  // Any other parameter (by name) fixed at a value and removed from the parameter vector, e.g. {"lambda", 0.2}.
  std::map<std::string, double> fixed;
  bool include_sigma_w = false;  // gamma+Pb: append ALICE (W >= 31.5) and CMS t-integrated coherent sigma(W)

  int g_nodes = 12;  // Gauss-Hermite nodes for the hot-spot normalisation g
  int b_nodes = 6;   // ... and for the width B
  int bin_nodes = 3;  // Gauss-Legendre points per ALICE |t| bin (bin average)
  int radial_panels = 8;
  int radial_nodes = 6;
  int impact_panels = 16;
  int impact_nodes = 8;

  double x0 = 1.7e-3;
  double jpsi_mass2 = 9.59;  // M_J/psi^2 [GeV^2]: x = M^2 / W^2
  double mass_number = 208.0;
  double ws_radius_fm = 6.62;
  double ws_diffuseness_fm = 0.546;

  JpsiWaveFunctionOptions wave_function;
  IshProfileTableOptions table;
  HotspotKinematics kinematics;
};

// Physical parameters of one point (all of them, fixed or not). s0 linear here (the vector holds ln_s0).
struct HotspotParameters {
  double B_G = 4.0;
  double B_q = 0.5;
  double sigma = 0.5;
  double sigma_B = 0.0;
  double s0 = 10.0;
  double m = 0.5;
  double lambda = 0.2;
  double N_q = 3.0;
  double K = 1.0;
};

enum class HotspotObservableKind { coherent_dsigma_dt, incoherent_dsigma_dt, coherent_sigma };

struct HotspotObservable {
  std::string name;     // e.g. "h1_coh_t0.02", "alice_inc_t0.04-0.0801", "cms_sigma_W40.5"
  std::string dataset;  // data file stem, e.g. "h1_2013_jpsi_coherent"
  HotspotObservableKind kind;
  bool nucleus = false;  // gamma+Pb
  double w = 0.0;        // W [GeV]
  double t = 0.0;        // |t| [GeV^2] of a point, or the bin centre
  double t_lo = 0.0;     // bin edges (bin-averaged observables), both 0 otherwise
  double t_hi = 0.0;
  CrossSectionUnit unit = CrossSectionUnit::nb;  // per GeV^2 for dsigma/dt
};

class HotspotModel {
 public:
  explicit HotspotModel(HotspotOptions options = {});

  const HotspotOptions& options() const { return options_; }
  const std::vector<std::string>& parameter_names() const { return parameter_names_; }
  int n_parameters() const { return static_cast<int>(parameter_names_.size()); }
  // Uniform prior box of docs/reference/physics.md §6 (with the switches of the options).
  Box prior_box() const;

  const std::vector<HotspotObservable>& observables() const { return observables_; }
  std::vector<std::string> observable_names() const;
  int n_observables() const { return static_cast<int>(observables_.size()); }

  // y(i, j) = observable j at parameter row i, in the data's units. Error (naming row and parameter) for a wrong
  // column count, non-finite values or unphysical ones (B_G, B_q, m, K <= 0, N_q < 1); the prior box is not enforced.
  void predict(const MatrixXd& x, MatrixXd& y) const;
  MatrixXd predict(const MatrixXd& x) const;
  // A copy of the model (sharing its tables) as a plain batch function.
  std::function<void(const MatrixXd&, MatrixXd&)> as_function() const;

  // Row vector from named values; every free parameter must be given (ln_s0 or s0 accepted), unknown names Error.
  RowVectorXd make_point(const std::map<std::string, double>& values) const;
  HotspotParameters unpack(const Eigen::Ref<const RowVectorXd>& row, long row_index = -1) const;

  // Natural units (GeV^-4, GeV^-2) for validation: gamma+p at W, dsigma/dt at |t| values.
  void proton_dsigma_dt(const HotspotParameters& p, double w, const VectorXd& t, VectorXd& coherent,
                        VectorXd& incoherent) const;
  // gamma+Pb at W: coherent and incoherent dsigma/dt at |t| values (not bin-averaged) [GeV^-4].
  void nucleus_dsigma_dt(const HotspotParameters& p, double w, const VectorXd& t, VectorXd& coherent,
                         VectorXd& incoherent) const;
  double nucleus_sigma_coherent(const HotspotParameters& p, double w) const;  // [GeV^-2]

  struct Tables;  // immutable shared state (profile table, quadrature rules, nuclear thickness)

 private:
  void predict_row(const HotspotParameters& p, double* out) const;

  HotspotOptions options_;
  std::vector<std::string> parameter_names_;
  std::vector<HotspotObservable> observables_;
  HotspotParameters fixed_values_;
  std::vector<int> parameter_slot_;  // index into the 9 physical parameters for each free parameter
  std::shared_ptr<const Tables> tables_;
};

// The nine physical parameter names in canonical order (the vector uses ln_s0 in place of s0).
const std::vector<std::string>& hotspot_all_parameter_names();
// Unit of a parameter for plots and reports ("GeV^-2", "GeV", "" for dimensionless; ln_s0 is the log of s0).
std::string hotspot_parameter_unit(const std::string& name);

}  // namespace flowprior
