#include "flowprior/sampler/smc_output.hpp"

#include <H5Cpp.h>

#include <cmath>
#include <filesystem>

#include "flowprior/core/error.hpp"
#include "flowprior/core/output_file.hpp"
#include "flowprior/io/csv.hpp"

namespace flowprior {
namespace {

nlohmann::json number_or_null(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); }

void write_matrix(H5::Group& group, const std::string& name, const MatrixXd& m) {
  const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> rows = m;
  const hsize_t dims[2] = {static_cast<hsize_t>(m.rows()), static_cast<hsize_t>(m.cols())};
  H5::DataSpace space(2, dims);
  group.createDataSet(name, H5::PredType::NATIVE_DOUBLE, space).write(rows.data(), H5::PredType::NATIVE_DOUBLE);
}

void write_vector(H5::Group& group, const std::string& name, const std::vector<double>& v) {
  const hsize_t dims[1] = {static_cast<hsize_t>(v.size())};
  H5::DataSpace space(1, dims);
  group.createDataSet(name, H5::PredType::NATIVE_DOUBLE, space).write(v.data(), H5::PredType::NATIVE_DOUBLE);
}

void write_vector(H5::Group& group, const std::string& name, const VectorXd& v) {
  write_vector(group, name, std::vector<double>(v.data(), v.data() + v.size()));
}

void write_string_attribute(H5::H5Object& obj, const std::string& name, const std::string& value) {
  H5::StrType type(H5::PredType::C_S1, H5T_VARIABLE);
  H5::Attribute attr = obj.createAttribute(name, type, H5::DataSpace(H5S_SCALAR));
  const char* p = value.c_str();
  attr.write(type, &p);
}

}  // namespace

nlohmann::json smc_summary_json(const SmcResult& r, const nlohmann::json& extra) {
  nlohmann::json j;
  j["sampler"] = "smc";
  // The reported evidence and which estimate it is; both estimates also under their own names.
  j["log_z"] = number_or_null(r.log_z);
  j["log_z_err"] = number_or_null(r.log_z_err);
  j["log_z_method"] = r.log_z_method.empty() ? "persistent" : r.log_z_method;
  j["log_z_ps"] = number_or_null(r.log_z_ps);
  j["log_z_ps_err"] = number_or_null(r.log_z_ps_err);
  j["log_z_is"] = number_or_null(r.log_z_is);
  j["log_z_is_err"] = number_or_null(r.log_z_is_err);
  j["log_z_is_ess"] = number_or_null(r.log_z_is_ess);
  j["log_z_is_khat"] = number_or_null(r.log_z_is_khat);
  j["log_z_is_rounds"] = r.log_z_is_rounds;
  j["log_z_is_draws"] = r.log_z_is_draws;
  j["log_z_is_batches"] = r.log_z_is_batches;
  j["likelihood_calls"] = r.likelihood_calls;
  j["wall_seconds"] = r.wall_seconds;
  j["iterations"] = r.iterations.size();
  j["ess"] = r.ess;
  j["converged"] = r.converged;
  j["stop_reason"] = r.stop_reason;
  j["names"] = r.names;
  j["particles"] = r.x.rows();
  std::vector<double> mean(static_cast<std::size_t>(r.x.cols()));
  for (Index k = 0; k < r.x.cols(); ++k) mean[static_cast<std::size_t>(k)] = r.weights.dot(r.x.col(k));
  j["posterior_mean"] = mean;
  j["posterior_size"] = r.posterior.rows();
  j["final_beta"] = r.iterations.empty() ? 0.0 : r.iterations.back().beta;
  for (auto it = extra.begin(); it != extra.end(); ++it) j[it.key()] = it.value();
  return j;
}

void write_smc_json(const std::string& path, const nlohmann::json& summary) {
  write_file_atomically(path, summary.dump(2) + "\n");
}

void write_smc_posterior_csv(const std::string& path, const SmcResult& result) {
  write_csv_table(path, result.names, result.posterior);
}

namespace {

void write_smc_hdf5_file(const std::string& temp, const std::string& path, const SmcResult& r,
                         const nlohmann::json& summary) {
  try {
    H5::H5File file(temp, H5F_ACC_TRUNC);
    write_string_attribute(file, "format", "flowprior.smc");
    write_string_attribute(file, "version", "1");
    write_string_attribute(file, "names", nlohmann::json(r.names).dump());
    write_string_attribute(file, "summary", summary.dump());
    H5::Group particles = file.createGroup("/particles");
    write_matrix(particles, "x", r.x);
    write_vector(particles, "weights", r.weights);
    write_vector(particles, "log_likelihood", r.log_likelihood);
    write_vector(particles, "log_prior", r.log_prior);
    H5::Group posterior = file.createGroup("/posterior");
    write_matrix(posterior, "x", r.posterior);
    H5::Group iterations = file.createGroup("/iterations");
    auto column = [&](const std::string& name, auto get) {
      std::vector<double> v;
      for (const SmcIteration& it : r.iterations) v.push_back(static_cast<double>(get(it)));
      write_vector(iterations, name, v);
    };
    column("iteration", [](const SmcIteration& i) { return i.iteration; });
    column("beta", [](const SmcIteration& i) { return i.beta; });
    column("ess", [](const SmcIteration& i) { return i.ess; });
    column("n_effective", [](const SmcIteration& i) { return i.n_effective; });
    column("log_z", [](const SmcIteration& i) { return i.log_z; });
    column("acceptance", [](const SmcIteration& i) { return i.acceptance; });
    column("steps", [](const SmcIteration& i) { return i.steps; });
    column("scale", [](const SmcIteration& i) { return i.scale; });
    column("correlation", [](const SmcIteration& i) { return i.correlation; });
    column("flow_validation_loss", [](const SmcIteration& i) { return i.flow_validation_loss; });
    column("likelihood_calls", [](const SmcIteration& i) { return i.likelihood_calls; });
  } catch (const H5::Exception& e) {
    throw Error(ErrorContext{.file = path}, "writing HDF5 failed: " + e.getDetailMsg());
  }
}

}  // namespace

void write_smc_hdf5(const std::string& path, const SmcResult& r, const nlohmann::json& summary) {
  // Whole file under a temporary name, then moved into place (core/output_file.hpp).
  write_output_with(path, [&](const std::string& temp) { write_smc_hdf5_file(temp, path, r, summary); });
}

}  // namespace flowprior
