#include "flowprior/models/hotspot_ish.hpp"

#include <cmath>
#include <numbers>
#include <sstream>

#include "flowprior/core/error.hpp"
#include "flowprior/models/quadrature.hpp"

namespace flowprior {

namespace {

constexpr double kPi = std::numbers::pi;
constexpr int kSlotLnS0 = 4;

std::string number(double v) {
  std::ostringstream s;
  s << v;
  return s.str();
}

double x_of(double w, const HotspotOptions& o) { return o.jpsi_mass2 / (w * w); }

// Woods-Saxon thickness, normalised to 1 with the same impact-parameter rule the model integrates with.
VectorXd woods_saxon_thickness(const QuadratureRule& b_rule, double radius, double diffuseness) {
  const QuadratureRule z = composite_gauss_legendre(16, 8, 0.0, radius + 20.0 * diffuseness);
  VectorXd t(b_rule.nodes.size());
  for (Index i = 0; i < t.size(); ++i) {
    double sum = 0.0;
    for (Index k = 0; k < z.nodes.size(); ++k) {
      const double r = std::hypot(b_rule.nodes(i), z.nodes(k));
      sum += z.weights(k) * 2.0 / (1.0 + std::exp((r - radius) / diffuseness));
    }
    t(i) = sum;
  }
  double norm = 0.0;
  for (Index i = 0; i < t.size(); ++i) norm += b_rule.weights(i) * 2.0 * kPi * b_rule.nodes(i) * t(i);
  return t / norm;
}

}  // namespace

struct HotspotModel::Tables {
  IshProfileTable profile;
  RadialRule radial;
  VectorXd radial_log_factor;  // ln[(r^2/4) ln(e + 1/(r m))] needs m: only r^2/4 stored here
  QuadratureRule g_rule;
  QuadratureRule b_rule;
  QuadratureRule impact;       // b nodes [GeV^-1], weights
  VectorXd impact_area;        // 2 pi b db weight per node
  VectorXd thickness;          // T_WS(b) at the impact nodes, int d^2b T = 1
  // Pb kinematic sub-points: |t| values and the bin-average weights.
  VectorXd pb_coherent_t;
  MatrixXd pb_coherent_average;    // bins x sub-points
  VectorXd pb_incoherent_t;
  MatrixXd pb_incoherent_average;  // bins x sub-points
  MatrixXd coherent_kernel;        // (coh sub-points + inc sub-points) x impact: 2 pi b db J0(b Delta)

  explicit Tables(const HotspotOptions& o) : profile(o.table) {}
};

std::string hotspot_parameter_unit(const std::string& name) {
  if (name == "B_G" || name == "B_q") return "GeV^-2";
  if (name == "m") return "GeV";
  return "";
}

const std::vector<std::string>& hotspot_all_parameter_names() {
  static const std::vector<std::string> names{"B_G", "B_q", "sigma", "sigma_B", "ln_s0", "m", "lambda", "N_q", "K"};
  return names;
}

std::string to_string(HotspotSystem system) {
  switch (system) {
    case HotspotSystem::gamma_p: return "gamma_p";
    case HotspotSystem::gamma_pb: return "gamma_pb";
    case HotspotSystem::joint: return "joint";
  }
  return "?";
}

HotspotSystem hotspot_system_from_string(const std::string& name) {
  if (name == "gamma_p") return HotspotSystem::gamma_p;
  if (name == "gamma_pb") return HotspotSystem::gamma_pb;
  if (name == "joint") return HotspotSystem::joint;
  throw Error("unknown HotSpot-UPC system '" + name + "' (expected gamma_p, gamma_pb or joint)");
}

namespace {

double* slot_of(HotspotParameters& p, int slot) {
  switch (slot) {
    case 0: return &p.B_G;
    case 1: return &p.B_q;
    case 2: return &p.sigma;
    case 3: return &p.sigma_B;
    case 4: return &p.s0;
    case 5: return &p.m;
    case 6: return &p.lambda;
    case 7: return &p.N_q;
    default: return &p.K;
  }
}

void add_bins(const std::vector<std::array<double, 2>>& bins, int nodes, VectorXd& t, MatrixXd& average) {
  const Index n_bins = static_cast<Index>(bins.size());
  t.resize(n_bins * nodes);
  average = MatrixXd::Zero(n_bins, n_bins * nodes);
  for (Index b = 0; b < n_bins; ++b) {
    const auto [lo, hi] = bins[static_cast<std::size_t>(b)];
    if (!(hi > lo && lo >= 0.0)) throw Error("HotspotModel: |t| bin " + std::to_string(b) + " needs 0 <= t_lo < t_hi");
    const QuadratureRule rule = gauss_legendre(nodes, lo, hi);
    for (int k = 0; k < nodes; ++k) {
      t(b * nodes + k) = rule.nodes(k);
      average(b, b * nodes + k) = rule.weights(k) / (hi - lo);
    }
  }
}

}  // namespace

HotspotModel::HotspotModel(HotspotOptions options) : options_(std::move(options)) {
  const auto& o = options_;
  const auto& all = hotspot_all_parameter_names();
  fixed_values_.N_q = o.n_q;
  fixed_values_.K = o.k;
  for (const auto& [name, value] : o.fixed) {
    int slot = -1;
    for (int k = 0; k < 9; ++k)
      if (all[static_cast<std::size_t>(k)] == name || (name == "s0" && k == kSlotLnS0)) slot = k;
    if (slot < 0) throw Error(ErrorContext{.parameter = name}, "HotspotOptions.fixed: unknown parameter");
    if (!std::isfinite(value)) throw Error(ErrorContext{.parameter = name}, "HotspotOptions.fixed: value not finite");
    *slot_of(fixed_values_, slot) = (name == "ln_s0") ? std::exp(value) : value;
  }
  for (int k = 0; k < 9; ++k) {
    const std::string& name = all[static_cast<std::size_t>(k)];
    const bool is_fixed = o.fixed.count(name) > 0 || (k == kSlotLnS0 && o.fixed.count("s0") > 0) ||
                          (k == 7 && !o.n_q_free) || (k == 8 && !o.k_free);
    if (is_fixed) continue;
    parameter_names_.push_back(name);
    parameter_slot_.push_back(k);
  }
  if (o.g_nodes < 1 || o.b_nodes < 1 || o.bin_nodes < 1) throw Error("HotspotOptions: quadrature node counts must be >= 1");

  const auto& kin = o.kinematics;
  const bool proton = o.system != HotspotSystem::gamma_pb;
  const bool nucleus = o.system != HotspotSystem::gamma_p;
  if (proton) {
    for (double t : kin.h1_coherent_t)
      observables_.push_back({"h1_coh_t" + number(t), "h1_2013_jpsi_coherent", HotspotObservableKind::coherent_dsigma_dt,
                              false, kin.w_gamma_p, t, 0.0, 0.0, CrossSectionUnit::nb});
    for (double t : kin.h1_incoherent_t)
      observables_.push_back({"h1_inc_t" + number(t), "h1_2013_jpsi_incoherent",
                              HotspotObservableKind::incoherent_dsigma_dt, false, kin.w_gamma_p, t, 0.0, 0.0,
                              CrossSectionUnit::nb});
  }
  if (nucleus) {
    for (const auto& [lo, hi] : kin.alice_coherent_bins)
      observables_.push_back({"alice_coh_t" + number(lo) + "-" + number(hi), "alice_2021_jpsi_coherent_t",
                              HotspotObservableKind::coherent_dsigma_dt, true, kin.w_gamma_pb, 0.5 * (lo + hi), lo, hi,
                              CrossSectionUnit::mb});
    for (const auto& [lo, hi] : kin.alice_incoherent_bins)
      observables_.push_back({"alice_inc_t" + number(lo) + "-" + number(hi), "alice_2023_jpsi_incoherent_t",
                              HotspotObservableKind::incoherent_dsigma_dt, true, kin.w_gamma_pb, 0.5 * (lo + hi), lo,
                              hi, CrossSectionUnit::ub});
    if (o.include_sigma_w) {
      for (double w : kin.alice_sigma_w)
        observables_.push_back({"alice_sigma_W" + number(w), "alice_2023_sigma_gammaPb_W",
                                HotspotObservableKind::coherent_sigma, true, w, 0.0, 0.0, 0.0, CrossSectionUnit::ub});
      for (double w : kin.cms_sigma_w)
        observables_.push_back({"cms_sigma_W" + number(w), "cms_2023_sigma_gammaPb_W",
                                HotspotObservableKind::coherent_sigma, true, w, 0.0, 0.0, 0.0, CrossSectionUnit::mb});
    }
  }

  auto tables = std::make_shared<Tables>(o);
  tables->radial = make_radial_rule(o.wave_function, o.radial_panels, o.radial_nodes);
  tables->g_rule = gauss_hermite_normal(o.g_nodes);
  tables->b_rule = gauss_hermite_normal(o.b_nodes);
  if (nucleus) {
    const double radius = o.ws_radius_fm * kFmInGeVm1;
    const double diffuseness = o.ws_diffuseness_fm * kFmInGeVm1;
    tables->impact = composite_gauss_legendre(o.impact_panels, o.impact_nodes, 0.0, radius + 12.0 * diffuseness);
    tables->impact_area = (2.0 * kPi * tables->impact.nodes.array() * tables->impact.weights.array()).matrix();
    tables->thickness = woods_saxon_thickness(tables->impact, radius, diffuseness);
    add_bins(kin.alice_coherent_bins, o.bin_nodes, tables->pb_coherent_t, tables->pb_coherent_average);
    add_bins(kin.alice_incoherent_bins, o.bin_nodes, tables->pb_incoherent_t, tables->pb_incoherent_average);
    const Index n_coh = tables->pb_coherent_t.size();
    const Index n_inc = tables->pb_incoherent_t.size();
    tables->coherent_kernel.resize(n_coh + n_inc, tables->impact.nodes.size());
    for (Index m = 0; m < n_coh + n_inc; ++m) {
      const double delta = std::sqrt(m < n_coh ? tables->pb_coherent_t(m) : tables->pb_incoherent_t(m - n_coh));
      for (Index i = 0; i < tables->impact.nodes.size(); ++i)
        tables->coherent_kernel(m, i) = tables->impact_area(i) * ::j0(tables->impact.nodes(i) * delta);
    }
  }
  tables_ = std::move(tables);
}

Box HotspotModel::prior_box() const {
  const std::map<std::string, std::array<double, 2>> bounds{
      {"B_G", {1.0, 10.0}},
      {"B_q", {0.05, 3.0}},
      {"sigma", {options_.sigma_signed ? -1.5 : 0.0, 1.5}},
      {"sigma_B", {options_.sigma_b_signed ? -1.5 : 0.0, 1.5}},
      {"ln_s0", {std::log(2.0), std::log(40.0)}},
      {"m", {0.05, 1.5}},
      {"lambda", {0.0, 0.5}},
      {"N_q", {1.0, 10.0}},
      {"K", {0.3, 3.0}}};
  VectorXd lo(n_parameters()), hi(n_parameters());
  for (int k = 0; k < n_parameters(); ++k) {
    const auto& b = bounds.at(parameter_names_[static_cast<std::size_t>(k)]);
    lo(k) = b[0];
    hi(k) = b[1];
  }
  return Box(parameter_names_, lo, hi);
}

std::vector<std::string> HotspotModel::observable_names() const {
  std::vector<std::string> names;
  for (const auto& ob : observables_) names.push_back(ob.name);
  return names;
}

RowVectorXd HotspotModel::make_point(const std::map<std::string, double>& values) const {
  RowVectorXd row(n_parameters());
  std::vector<bool> seen(parameter_names_.size(), false);
  for (const auto& [name, value] : values) {
    bool found = false;
    for (std::size_t k = 0; k < parameter_names_.size(); ++k) {
      if (parameter_names_[k] == name) {
        row(static_cast<Index>(k)) = value;
        seen[k] = found = true;
      } else if (parameter_names_[k] == "ln_s0" && name == "s0") {
        row(static_cast<Index>(k)) = std::log(value);
        seen[k] = found = true;
      }
    }
    if (!found) throw Error(ErrorContext{.parameter = name}, "HotspotModel::make_point: not a free parameter");
  }
  for (std::size_t k = 0; k < seen.size(); ++k)
    if (!seen[k]) throw Error(ErrorContext{.parameter = parameter_names_[k]}, "HotspotModel::make_point: value missing");
  return row;
}

HotspotParameters HotspotModel::unpack(const Eigen::Ref<const RowVectorXd>& row, long row_index) const {
  if (row.size() != n_parameters())
    throw Error(ErrorContext{.row = row_index}, "HotspotModel: expected " + std::to_string(n_parameters()) +
                                                     " parameter columns, got " + std::to_string(row.size()));
  HotspotParameters p = fixed_values_;
  for (int k = 0; k < n_parameters(); ++k) {
    const double v = row(k);
    const std::string& name = parameter_names_[static_cast<std::size_t>(k)];
    if (!std::isfinite(v)) throw Error(ErrorContext{.parameter = name, .row = row_index}, "HotspotModel: value not finite");
    const int slot = parameter_slot_[static_cast<std::size_t>(k)];
    *slot_of(p, slot) = slot == kSlotLnS0 ? std::exp(v) : v;
  }
  auto require = [&](bool ok, const char* name, const char* what) {
    if (!ok) throw Error(ErrorContext{.parameter = name, .row = row_index}, std::string("HotspotModel: ") + what);
  };
  require(p.B_G > 0.0, "B_G", "must be > 0");
  require(p.B_q > 0.0, "B_q", "must be > 0");
  require(p.m > 0.0, "m", "must be > 0");
  require(p.K > 0.0, "K", "must be > 0");
  require(p.N_q >= 1.0, "N_q", "must be >= 1");
  require(p.s0 > 0.0 && std::isfinite(p.s0), "ln_s0", "s0 must be finite and > 0");
  require(std::abs(p.sigma) <= 5.0, "sigma", "|sigma| > 5 is outside the quadrature's range");
  require(std::abs(p.sigma_B) <= 5.0, "sigma_B", "|sigma_B| > 5 is outside the quadrature's range");
  require(std::isfinite(p.lambda), "lambda", "not finite");
  return p;
}

namespace {

// Fluctuation nodes of one parameter point: ln g_j, B_l and their product weights (collapsed when a width is 0).
struct FluctuationNodes {
  std::vector<double> ln_g;
  std::vector<double> b;
  std::vector<double> weight;  // size ln_g.size() * b.size(), index j * n_b + l
};

FluctuationNodes fluctuation_nodes(const HotspotParameters& p, const QuadratureRule& g_rule, const QuadratureRule& b_rule) {
  FluctuationNodes f;
  std::vector<double> wg, wb;
  if (p.sigma == 0.0) {
    f.ln_g = {0.0};
    wg = {1.0};
  } else {
    for (Index j = 0; j < g_rule.nodes.size(); ++j) {
      f.ln_g.push_back(p.sigma * g_rule.nodes(j) - 0.5 * p.sigma * p.sigma);
      wg.push_back(g_rule.weights(j));
    }
  }
  if (p.sigma_B == 0.0) {
    f.b = {p.B_q};
    wb = {1.0};
  } else {
    for (Index l = 0; l < b_rule.nodes.size(); ++l) {
      f.b.push_back(p.B_q * std::exp(p.sigma_B * b_rule.nodes(l)));
      wb.push_back(b_rule.weights(l));
    }
  }
  for (double a : wg)
    for (double b : wb) f.weight.push_back(a * b);
  return f;
}

// ln of the hot-spot opacity prefactor c(r) = s (r^2/4) ln(e + 1/(r m)) / (2 pi N_q): a = c g / B.
VectorXd log_opacity_prefactor(const RadialRule& radial, double s, double m, double n_q) {
  VectorXd c(radial.r.size());
  for (Index k = 0; k < c.size(); ++k) {
    const double r = radial.r(k);
    c(k) = std::log(s * r * r / 4.0 * std::log(std::numbers::e + 1.0 / (r * m)) / (2.0 * kPi * n_q));
  }
  return c;
}

// sigma_p(r)/2 = N_q <h(0; a, B)> = N_q <2 pi B F(0, a)>.
VectorXd half_dipole_cross_section(const IshProfileTable& table, const VectorXd& ln_c, const FluctuationNodes& f,
                                   double n_q) {
  VectorXd out = VectorXd::Zero(ln_c.size());
  const std::size_t n_b = f.b.size();
  for (Index k = 0; k < ln_c.size(); ++k) {
    double sum = 0.0;
    for (std::size_t j = 0; j < f.ln_g.size(); ++j)
      for (std::size_t l = 0; l < n_b; ++l)
        sum += f.weight[j * n_b + l] * 2.0 * kPi * f.b[l] * table.at(0.0, ln_c(k) + f.ln_g[j] - std::log(f.b[l]));
    out(k) = n_q * sum;
  }
  return out;
}

}  // namespace

void HotspotModel::proton_dsigma_dt(const HotspotParameters& p, double w, const VectorXd& t, VectorXd& coherent,
                                    VectorXd& incoherent) const {
  const Tables& tb = *tables_;
  const double s = p.s0 * std::pow(options_.x0 / x_of(w, options_), p.lambda);
  const VectorXd ln_c = log_opacity_prefactor(tb.radial, s, p.m, p.N_q);
  const FluctuationNodes f = fluctuation_nodes(p, tb.g_rule, tb.b_rule);
  const std::size_t n_b = f.b.size();
  coherent.resize(t.size());
  incoherent.resize(t.size());
  for (Index it = 0; it < t.size(); ++it) {
    const double delta2 = t(it);
    double h_mean = 0.0;
    double h2_mean = 0.0;
    for (std::size_t l = 0; l < n_b; ++l) {
      const double b = f.b[l];
      const double sqrt_y = std::sqrt(b * delta2);
      const double ln_b = std::log(b);
      for (std::size_t j = 0; j < f.ln_g.size(); ++j) {
        const double shift = f.ln_g[j] - ln_b;
        double h = 0.0;
        for (Index k = 0; k < ln_c.size(); ++k) h += tb.radial.weight(k) * tb.profile.at(sqrt_y, ln_c(k) + shift);
        h *= 2.0 * kPi * b;
        const double wgt = f.weight[j * n_b + l];
        h_mean += wgt * h;
        h2_mean += wgt * h * h;
      }
    }
    const double n = p.N_q;
    const double amplitude = n * h_mean * std::exp(-p.B_G * (1.0 - 1.0 / n) * delta2 / 2.0);
    const double amplitude2 = n * h2_mean + n * (n - 1.0) * h_mean * h_mean * std::exp(-p.B_G * delta2);
    coherent(it) = p.K * amplitude * amplitude / (16.0 * kPi);
    incoherent(it) = p.K * (amplitude2 - amplitude * amplitude) / (16.0 * kPi);
  }
}

namespace {

struct NucleusProfile {
  MatrixXd shadow;    // exp(-A T(b) sigma_p(r)/2), radial x impact
  VectorXd profile;   // int dr W(r) N_A(r, b) at the impact nodes
};

NucleusProfile nucleus_profile(const HotspotModel::Tables& tb, const VectorXd& half_sigma, double mass_number) {
  NucleusProfile out;
  const Index nr = half_sigma.size();
  const Index nb = tb.thickness.size();
  out.shadow.resize(nr, nb);
  for (Index k = 0; k < nr; ++k)
    for (Index i = 0; i < nb; ++i) out.shadow(k, i) = std::exp(-mass_number * tb.thickness(i) * half_sigma(k));
  out.profile = (tb.radial.weight.transpose() * (1.0 - out.shadow.array()).matrix()).transpose();
  return out;
}

}  // namespace

void HotspotModel::nucleus_dsigma_dt(const HotspotParameters& p, double w, const VectorXd& t, VectorXd& coherent,
                                     VectorXd& incoherent) const {
  const Tables& tb = *tables_;
  if (tb.thickness.size() == 0) throw Error("HotspotModel::nucleus_dsigma_dt: the model was built for gamma_p only");
  const double s = p.s0 * std::pow(options_.x0 / x_of(w, options_), p.lambda);
  const VectorXd ln_c = log_opacity_prefactor(tb.radial, s, p.m, p.N_q);
  const FluctuationNodes f = fluctuation_nodes(p, tb.g_rule, tb.b_rule);
  const NucleusProfile nuc = nucleus_profile(tb, half_dipole_cross_section(tb.profile, ln_c, f, p.N_q), options_.mass_number);
  const Index nt = t.size();
  const Index nr = ln_c.size();
  const Index nb = tb.thickness.size();
  const std::size_t n_fl = f.weight.size();
  const std::size_t n_bw = f.b.size();
  const double a_mass = options_.mass_number;

  // Coherent amplitude: int d^2b J0(b Delta) int dr W N_A.
  VectorXd amp(nt);
  for (Index m = 0; m < nt; ++m) {
    const double delta = std::sqrt(t(m));
    double sum = 0.0;
    for (Index i = 0; i < nb; ++i) sum += tb.impact_area(i) * ::j0(tb.impact.nodes(i) * delta) * nuc.profile(i);
    amp(m) = sum;
  }
  // h(Delta_m; node) * W(r) per (node, t) row and r column; H_b = that times the shadowing factor.
  MatrixXd h(static_cast<Index>(n_fl) * nt, nr);
  for (std::size_t j = 0; j < f.ln_g.size(); ++j)
    for (std::size_t l = 0; l < n_bw; ++l) {
      const double b = f.b[l];
      const double shift = f.ln_g[j] - std::log(b);
      for (Index m = 0; m < nt; ++m) {
        const double sqrt_y = std::sqrt(b * t(m));
        const Index row = static_cast<Index>(j * n_bw + l) * nt + m;
        for (Index k = 0; k < nr; ++k)
          h(row, k) = 2.0 * kPi * b * tb.radial.weight(k) * tb.profile.at(sqrt_y, ln_c(k) + shift);
      }
    }
  const MatrixXd h_b = h * nuc.shadow;  // (nodes * t) x impact
  coherent.resize(nt);
  incoherent.resize(nt);
  const double n = p.N_q;
  for (Index m = 0; m < nt; ++m) {
    const double cross = std::exp(-p.B_G * t(m));
    double integral = 0.0;
    for (Index i = 0; i < nb; ++i) {
      double mean = 0.0, mean2 = 0.0;
      for (std::size_t q = 0; q < n_fl; ++q) {
        const double v = h_b(static_cast<Index>(q) * nt + m, i);
        mean += f.weight[q] * v;
        mean2 += f.weight[q] * v * v;
      }
      integral += tb.impact_area(i) * a_mass * tb.thickness(i) * (n * mean2 + n * (n - 1.0) * mean * mean * cross);
    }
    coherent(m) = p.K * amp(m) * amp(m) / (16.0 * kPi);
    incoherent(m) = p.K * (integral - amp(m) * amp(m) / a_mass) / (16.0 * kPi);
  }
}

double HotspotModel::nucleus_sigma_coherent(const HotspotParameters& p, double w) const {
  const Tables& tb = *tables_;
  if (tb.thickness.size() == 0) throw Error("HotspotModel::nucleus_sigma_coherent: the model was built for gamma_p only");
  const double s = p.s0 * std::pow(options_.x0 / x_of(w, options_), p.lambda);
  const VectorXd ln_c = log_opacity_prefactor(tb.radial, s, p.m, p.N_q);
  const FluctuationNodes f = fluctuation_nodes(p, tb.g_rule, tb.b_rule);
  const NucleusProfile nuc = nucleus_profile(tb, half_dipole_cross_section(tb.profile, ln_c, f, p.N_q), options_.mass_number);
  // Parseval: int dt |A|^2/(16 pi) = (1/4) int d^2b |A(b)|^2.
  return p.K / 4.0 * tb.impact_area.dot(nuc.profile.cwiseAbs2());
}

void HotspotModel::predict_row(const HotspotParameters& p, double* out) const {
  const auto& kin = options_.kinematics;
  std::size_t j = 0;
  if (options_.system != HotspotSystem::gamma_pb) {
    const Index nc = static_cast<Index>(kin.h1_coherent_t.size());
    const Index ni = static_cast<Index>(kin.h1_incoherent_t.size());
    VectorXd t(nc + ni);
    for (Index k = 0; k < nc; ++k) t(k) = kin.h1_coherent_t[static_cast<std::size_t>(k)];
    for (Index k = 0; k < ni; ++k) t(nc + k) = kin.h1_incoherent_t[static_cast<std::size_t>(k)];
    VectorXd coh, inc;
    proton_dsigma_dt(p, kin.w_gamma_p, t, coh, inc);
    const double to_nb = natural_to(CrossSectionUnit::nb);
    for (Index k = 0; k < nc; ++k) out[j++] = coh(k) * to_nb;
    for (Index k = 0; k < ni; ++k) out[j++] = inc(nc + k) * to_nb;
  }
  if (options_.system != HotspotSystem::gamma_p) {
    const Tables& tb = *tables_;
    const Index nc = tb.pb_coherent_t.size();
    const Index ni = tb.pb_incoherent_t.size();
    VectorXd t(nc + ni);
    t << tb.pb_coherent_t, tb.pb_incoherent_t;
    VectorXd coh, inc;
    nucleus_dsigma_dt(p, kin.w_gamma_pb, t, coh, inc);
    const VectorXd coh_bins = tb.pb_coherent_average * coh.head(nc) * natural_to(CrossSectionUnit::mb);
    const VectorXd inc_bins = tb.pb_incoherent_average * inc.tail(ni) * natural_to(CrossSectionUnit::ub);
    for (Index k = 0; k < coh_bins.size(); ++k) out[j++] = coh_bins(k);
    for (Index k = 0; k < inc_bins.size(); ++k) out[j++] = inc_bins(k);
    if (options_.include_sigma_w) {
      for (double w : kin.alice_sigma_w) out[j++] = nucleus_sigma_coherent(p, w) * natural_to(CrossSectionUnit::ub);
      for (double w : kin.cms_sigma_w) out[j++] = nucleus_sigma_coherent(p, w) * natural_to(CrossSectionUnit::mb);
    }
  }
}

void HotspotModel::predict(const MatrixXd& x, MatrixXd& y) const {
  if (x.cols() != n_parameters())
    throw Error("HotspotModel::predict: expected " + std::to_string(n_parameters()) + " parameter columns, got " +
                std::to_string(x.cols()));
  MatrixXd out(x.rows(), n_observables());
  std::vector<double> row(static_cast<std::size_t>(n_observables()));
  for (Index i = 0; i < x.rows(); ++i) {
    const HotspotParameters p = unpack(x.row(i), static_cast<long>(i));
    predict_row(p, row.data());
    for (int j = 0; j < n_observables(); ++j) {
      if (!std::isfinite(row[static_cast<std::size_t>(j)]))
        throw Error(ErrorContext{.parameter = observables_[static_cast<std::size_t>(j)].name, .row = static_cast<long>(i)},
                    "HotspotModel::predict: non-finite prediction");
      out(i, j) = row[static_cast<std::size_t>(j)];
    }
  }
  y = std::move(out);
}

MatrixXd HotspotModel::predict(const MatrixXd& x) const {
  MatrixXd y;
  predict(x, y);
  return y;
}

std::function<void(const MatrixXd&, MatrixXd&)> HotspotModel::as_function() const {
  auto model = std::make_shared<const HotspotModel>(*this);
  return [model](const MatrixXd& x, MatrixXd& y) { model->predict(x, y); };
}

}  // namespace flowprior
