#include "flowprior/models/hotspot_data.hpp"

#include <cmath>
#include <map>

#include "flowprior/core/error.hpp"
#include "flowprior/io/csv.hpp"

namespace flowprior {

namespace {

double column_value(const Table& table, Index row, const std::string& name, const std::string& path) {
  const int c = table.column(name);
  if (c < 0) throw Error(ErrorContext{.file = path, .parameter = name}, "column missing");
  return table.values(row, c);
}

bool near(double a, double b) { return std::abs(a - b) <= 1e-6 * std::max(1.0, std::abs(b)); }

// Row index of the observable's kinematics in its table.
Index find_row(const Table& table, const HotspotObservable& ob, const std::string& path) {
  for (Index r = 0; r < table.values.rows(); ++r) {
    bool match = false;
    if (ob.kind == HotspotObservableKind::coherent_sigma) {
      match = near(column_value(table, r, "W", path), ob.w);
    } else if (ob.nucleus) {
      match = near(column_value(table, r, "t_lo", path), ob.t_lo) && near(column_value(table, r, "t_hi", path), ob.t_hi);
    } else {
      match = near(column_value(table, r, "t", path), ob.t);
    }
    if (match) return r;
  }
  throw Error(ErrorContext{.file = path, .parameter = ob.name}, "no data row with this observable's kinematics");
}

}  // namespace

HotspotData load_hotspot_data(const std::string& data_dir, const HotspotModel& model, const HotspotDataOptions& options) {
  const auto& obs = model.observables();
  const Index n = static_cast<Index>(obs.size());
  HotspotData data;
  data.names = model.observable_names();
  data.values.resize(n);
  data.log_covariance = MatrixXd::Zero(n, n);
  std::map<std::string, Table> tables;
  // rank-1 correlated blocks: key = dataset + column, value = relative error per observable
  std::map<std::string, VectorXd> correlated;
  std::vector<Index> cms_rows(static_cast<std::size_t>(n), -1);

  for (Index j = 0; j < n; ++j) {
    const HotspotObservable& ob = obs[static_cast<std::size_t>(j)];
    const std::string path = data_dir + "/" + ob.dataset + ".csv";
    if (!tables.count(path)) tables.emplace(path, read_csv_table(path));
    const Table& table = tables.at(path);
    const Index r = find_row(table, ob, path);
    const bool sigma_w = ob.kind == HotspotObservableKind::coherent_sigma;
    const double y = column_value(table, r, sigma_w ? "sigma" : "value", path);
    if (!(y > 0.0)) throw Error(ErrorContext{.file = path, .line = static_cast<long>(r) + 2, .parameter = ob.name}, "value must be > 0");
    data.values(j) = y;
    auto add_correlated = [&](const std::string& column) {
      VectorXd& c = correlated.try_emplace(ob.dataset + ":" + column, VectorXd::Zero(n)).first->second;
      c(j) = column_value(table, r, column, path) / y;
    };
    double diag = 0.0;
    if (ob.dataset.rfind("h1_", 0) == 0) {
      const double stat = column_value(table, r, "stat", path);
      const double sys = options.h1_stat_only ? 0.0 : column_value(table, r, "sys", path);
      diag = stat * stat + sys * sys;
    } else if (ob.dataset.rfind("alice_202", 0) == 0 && !sigma_w) {
      const double stat = column_value(table, r, "stat", path);
      const double unc = column_value(table, r, "sys_uncorr", path);
      diag = stat * stat + unc * unc;
      add_correlated("sys_corr");
      if (table.column("flux_model") >= 0) add_correlated("flux_model");
    } else if (ob.dataset.rfind("alice_", 0) == 0) {
      const double unc = column_value(table, r, "uncorr", path);
      const double mig = column_value(table, r, "migration", path);
      diag = unc * unc + mig * mig;
      add_correlated("corr");
      add_correlated("flux");
    } else if (ob.dataset.rfind("cms_", 0) == 0) {
      cms_rows[static_cast<std::size_t>(j)] = r;
      continue;
    } else {
      throw Error(ErrorContext{.parameter = ob.name}, "load_hotspot_data: unknown dataset " + ob.dataset);
    }
    data.log_covariance(j, j) += diag / (y * y);
  }
  for (const auto& [key, c] : correlated) data.log_covariance += c * c.transpose();

  // CMS: published total covariance, bins 1..6 in the table's row order.
  bool any_cms = false;
  for (Index r : cms_rows) any_cms = any_cms || r >= 0;
  if (any_cms) {
    const std::string path = data_dir + "/cms_2023_sigma_gammaPb_W_totalcov.csv";
    const Table cov = read_csv_table(path);
    for (Index k = 0; k < cov.values.rows(); ++k) {
      const Index bi = static_cast<Index>(column_value(cov, k, "bin_i", path)) - 1;
      const Index bj = static_cast<Index>(column_value(cov, k, "bin_j", path)) - 1;
      for (Index a = 0; a < n; ++a)
        for (Index b = 0; b < n; ++b)
          if (cms_rows[static_cast<std::size_t>(a)] == bi && cms_rows[static_cast<std::size_t>(b)] == bj)
            data.log_covariance(a, b) += column_value(cov, k, "cov", path) / (data.values(a) * data.values(b));
    }
  }
  for (Index j = 0; j < n; ++j)
    if (!(data.log_covariance(j, j) > 0.0))
      throw Error(ErrorContext{.parameter = data.names[static_cast<std::size_t>(j)]}, "load_hotspot_data: zero variance");
  return data;
}

double hotspot_chi2(const HotspotData& data, const Eigen::Ref<const RowVectorXd>& prediction) {
  const Index n = data.values.size();
  if (prediction.size() != n)
    throw Error("hotspot_chi2: " + std::to_string(prediction.size()) + " predictions for " + std::to_string(n) + " data");
  VectorXd r(n);
  for (Index j = 0; j < n; ++j) {
    if (!(prediction(j) > 0.0))
      throw Error(ErrorContext{.parameter = data.names[static_cast<std::size_t>(j)]}, "hotspot_chi2: prediction must be > 0");
    r(j) = std::log(prediction(j)) - std::log(data.values(j));
  }
  const Eigen::LLT<MatrixXd> llt(data.log_covariance);
  if (llt.info() != Eigen::Success) throw Error("hotspot_chi2: covariance not positive definite");
  return r.dot(llt.solve(r));
}

}  // namespace flowprior
