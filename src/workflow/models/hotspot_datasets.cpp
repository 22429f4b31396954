#include "workflow/models/hotspot_datasets.hpp"

#include <cmath>
#include <filesystem>

#include "flowprior/core/error.hpp"
#include "flowprior/io/csv.hpp"

namespace flowprior {
namespace {

bool near_value(double a, double b) { return std::abs(a - b) <= 1e-6 * std::max(1.0, std::abs(b)); }

}  // namespace

HotspotOptions hotspot_options_for(const HotspotOptions& options, HotspotSystem system) {
  HotspotOptions o = options;
  o.system = system;
  return o;
}

HotspotDatasetMatch match_hotspot_dataset(const std::string& dataset_name, const std::string& data_file,
                                          const HotspotOptions& options) {
  // Only the observable list is needed; the joint model lists both systems.
  const HotspotModel model(hotspot_options_for(options, HotspotSystem::joint));
  const std::string stem = std::filesystem::path(data_file).stem().string();
  const Table table = read_csv_table(data_file);
  const int c_lo = table.column("t_lo"), c_hi = table.column("t_hi"), c_t = table.column("t");
  const int c_w = table.column("W");
  const bool sigma_w = stem.find("sigma_gammaPb_W") != std::string::npos;  // t-integrated sigma(W) rows, by W
  if (sigma_w && !options.include_sigma_w)
    throw Error(ErrorContext{.file = data_file, .parameter = "model.sigma_w"},
                "dataset '" + dataset_name + "' holds sigma(W) data: set sigma_w = true in [model] (the gamma+Pb "
                "emulator then also learns the coherent sigma at the ALICE and CMS W values)");
  if (sigma_w && c_w < 0)
    throw Error(ErrorContext{.file = data_file, .parameter = "W"},
                "dataset '" + dataset_name + "': a sigma(W) file needs a column W");
  if (!sigma_w && c_t < 0 && (c_lo < 0 || c_hi < 0))
    throw Error(ErrorContext{.file = data_file, .parameter = "t"},
                "dataset '" + dataset_name + "': a hotspot data file needs a column t (|t| points) or t_lo and t_hi "
                "(|t| bins)");
  HotspotDatasetMatch match;
  bool any = false;
  for (Index r = 0; r < table.values.rows(); ++r) {
    const HotspotObservable* found = nullptr;
    for (const auto& ob : model.observables()) {
      // The published file's name, or a file derived from it that keeps it as a prefix (e.g. a row selection).
      if (stem.rfind(ob.dataset, 0) != 0) continue;
      const bool binned = ob.t_hi > ob.t_lo;
      const bool hit = sigma_w  ? near_value(table.values(r, c_w), ob.w)
                       : binned ? (c_lo >= 0 && c_hi >= 0 && near_value(table.values(r, c_lo), ob.t_lo) &&
                                   near_value(table.values(r, c_hi), ob.t_hi))
                                : (c_t >= 0 && near_value(table.values(r, c_t), ob.t));
      if (hit) {
        found = &ob;
        break;
      }
    }
    if (!found)
      throw Error(ErrorContext{.file = data_file, .row = static_cast<long>(r)},
                  "dataset '" + dataset_name + "': no HotSpot-UPC observable of '" + stem +
                      (sigma_w ? "' at this row's W (the model knows ALICE W >= 31.5 GeV and the CMS W values)"
                               : "' at this row's |t| (the model knows the H1 2013 and ALICE 2021/2023 kinematics)"));
    const HotspotSystem system = found->nucleus ? HotspotSystem::gamma_pb : HotspotSystem::gamma_p;
    if (any && system != match.system)
      throw Error(ErrorContext{.file = data_file}, "dataset '" + dataset_name + "' mixes gamma+p and gamma+Pb");
    match.system = system;
    any = true;
    match.observables.push_back(found->name);
  }
  if (!any) throw Error(ErrorContext{.file = data_file}, "dataset '" + dataset_name + "': no data rows");
  return match;
}

}  // namespace flowprior
