#pragma once
// The J/psi data of HotSpot-UPC in the observable order of a HotspotModel, with the likelihood covariance in
// ln(value) of docs/reference/physics.md §3:
//   diagonal sigma_i^2 = (stat^2 + uncorrelated sys^2) / y_i^2;
//   H1: sys treated as uncorrelated (no split published) unless h1_stat_only;
//   ALICE t-spectra: correlated sys and flux uncertainty added as fully correlated rank-1 blocks (one per column and
//   dataset), C += c c^T with c_i = err_i / y_i;
//   ALICE sigma(W): uncorr and migration diagonal, corr and flux rank-1;
//   CMS sigma(W): the published total covariance, C_ij / (y_i y_j).
#include <string>
#include <vector>

#include "flowprior/core/types.hpp"
#include "flowprior/models/hotspot_ish.hpp"

namespace flowprior {

struct HotspotDataOptions {
  bool h1_stat_only = false;  // the IPGlasmaFramework choice: H1 error = stat only
};

struct HotspotData {
  std::vector<std::string> names;  // = model.observable_names()
  VectorXd values;                 // data in the model's units
  MatrixXd log_covariance;         // covariance of ln(values)
};

// Reads the tables of `data_dir` (e.g. <source>/data) and matches each model observable to its row by kinematics
// (|t| point, |t| bin or W, to 1e-6); Error naming the file and observable when a row is missing.
HotspotData load_hotspot_data(const std::string& data_dir, const HotspotModel& model, const HotspotDataOptions& options = {});

// chi^2 = r^T C^-1 r with r = ln(prediction) - ln(data). Error for non-positive predictions or a size mismatch.
double hotspot_chi2(const HotspotData& data, const Eigen::Ref<const RowVectorXd>& prediction);

}  // namespace flowprior
