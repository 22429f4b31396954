// The HotSpot-UPC model (ISH, docs/reference/physics.md §5) at given parameter points, for the B_q investigation of
// examples/hotspot_upc/README.md: reads a CSV of points (a `label` column and the eight parameters of scenario U:
// B_G, B_q, sigma, sigma_B, ln_s0, m, lambda, K; N_q = 3) and writes, per point, the model at every data point
// (gamma+p H1 and gamma+Pb ALICE, in the data's units) and dense coherent and incoherent spectra:
//   label,kind,t,value      kind: obs:NAME | p_coh | p_inc (nb/GeV^2, W = 75 GeV) | pb_coh (mb/GeV^2) | pb_inc (ub/GeV^2)
// Usage: build/examples/hotspot_spectra points.csv > spectra.csv   (plot.py makes the figures)
#include <cmath>
#include <cstdio>
#include <iostream>
#include <map>
#include <string>

#include "flowprior/io/csv.hpp"
#include "flowprior/models/hotspot_ish.hpp"
#include "flowprior/models/units.hpp"

using namespace flowprior;

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: hotspot_spectra points.csv\n";
    return 2;
  }
  const Table points = read_csv_table(argv[1]);
  HotspotOptions o;
  o.system = HotspotSystem::joint;
  o.n_q = 3.0;
  o.k_free = true;
  const HotspotModel model(o);
  const std::vector<std::string> names = model.parameter_names();
  const int label_col = points.column("label");
  std::printf("label,kind,t,value\n");
  for (Index row = 0; row < points.values.rows(); ++row) {
    std::map<std::string, double> values;
    for (const auto& n : names) values[n] = points.values(row, points.column(n));
    const RowVectorXd x = model.make_point(values);
    const MatrixXd y = model.predict(x);
    const int label = label_col >= 0 ? static_cast<int>(points.values(row, label_col)) : static_cast<int>(row);
    for (int j = 0; j < model.n_observables(); ++j) {
      const HotspotObservable& ob = model.observables()[static_cast<std::size_t>(j)];
      std::printf("%d,obs:%s,%.6g,%.10g\n", label, ob.name.c_str(), ob.t, y(0, j));
    }
    const HotspotParameters p = model.unpack(x);
    const int n = 80;
    VectorXd tp(n), tpb(n);
    for (int i = 0; i < n; ++i) {
      tp[i] = 0.01 * std::pow(700.0, i / (n - 1.0));     // 0.01 .. 7 GeV^2
      tpb[i] = 1e-4 * std::pow(1.0e4, i / (n - 1.0));    // 1e-4 .. 1 GeV^2
    }
    VectorXd coh, inc;
    model.proton_dsigma_dt(p, o.kinematics.w_gamma_p, tp, coh, inc);
    for (int i = 0; i < n; ++i) {
      std::printf("%d,p_coh,%.6g,%.10g\n", label, tp[i], coh[i] * natural_to(CrossSectionUnit::nb));
      std::printf("%d,p_inc,%.6g,%.10g\n", label, tp[i], inc[i] * natural_to(CrossSectionUnit::nb));
    }
    model.nucleus_dsigma_dt(p, o.kinematics.w_gamma_pb, tpb, coh, inc);
    for (int i = 0; i < n; ++i) {
      std::printf("%d,pb_coh,%.6g,%.10g\n", label, tpb[i], coh[i] * natural_to(CrossSectionUnit::mb));
      std::printf("%d,pb_inc,%.6g,%.10g\n", label, tpb[i], inc[i] * natural_to(CrossSectionUnit::ub));
    }
  }
  return 0;
}
