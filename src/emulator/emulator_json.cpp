// Emulator files: one JSON document. The training inputs and whitened targets are stored, not the Cholesky
// factor: loading re-conditions the GPs with the same code as training, so predictions match bitwise.
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "flowprior/core/error.hpp"
#include "flowprior/emulator/emulator.hpp"
#include "flowprior/io/csv.hpp"

namespace flowprior {

namespace {

using nlohmann::json;

constexpr const char* kFormat = "flowprior.emulator";
constexpr int kVersion = 1;

json to_array(const Eigen::Ref<const MatrixXd>& m) {  // list of rows
  json rows = json::array();
  for (Index i = 0; i < m.rows(); ++i) {
    json row = json::array();
    for (Index j = 0; j < m.cols(); ++j) row.push_back(m(i, j));
    rows.push_back(std::move(row));
  }
  return rows;
}

json to_list(const Eigen::Ref<const VectorXd>& v) {
  json out = json::array();
  for (Index i = 0; i < v.size(); ++i) out.push_back(v[i]);
  return out;
}

class Reader {
 public:
  explicit Reader(std::string source) : source_(std::move(source)) {}
  [[noreturn]] void fail(const std::string& key, const std::string& what) const {
    throw Error(ErrorContext{.file = source_, .parameter = key}, what);
  }
  const json& at(const json& j, const std::string& key) const {
    if (!j.is_object() || !j.contains(key)) fail(key, "missing key");
    return j.at(key);
  }
  double number(const json& j, const std::string& key) const {
    const json& v = at(j, key);
    if (!v.is_number()) fail(key, "expected a number");
    return v.get<double>();
  }
  VectorXd vector(const json& j, const std::string& key, Index expected) const {
    const json& v = at(j, key);
    if (!v.is_array()) fail(key, "expected an array of numbers");
    if (expected >= 0 && static_cast<Index>(v.size()) != expected) {
      fail(key, "expected " + std::to_string(expected) + " values, found " + std::to_string(v.size()));
    }
    VectorXd out(static_cast<Index>(v.size()));
    for (std::size_t i = 0; i < v.size(); ++i) {
      if (!v[i].is_number()) fail(key, "entry " + std::to_string(i) + " is not a number");
      out[static_cast<Index>(i)] = v[i].get<double>();
    }
    return out;
  }
  MatrixXd matrix(const json& j, const std::string& key, Index rows, Index cols) const {
    const json& v = at(j, key);
    if (!v.is_array() || (rows >= 0 && static_cast<Index>(v.size()) != rows)) {
      fail(key, "expected an array of " + std::to_string(rows) + " rows");
    }
    MatrixXd out(static_cast<Index>(v.size()), cols);
    for (std::size_t i = 0; i < v.size(); ++i) {
      if (!v[i].is_array() || static_cast<Index>(v[i].size()) != cols) {
        fail(key, "row " + std::to_string(i) + " must hold " + std::to_string(cols) + " numbers");
      }
      for (std::size_t c = 0; c < v[i].size(); ++c) {
        if (!v[i][c].is_number()) fail(key, "row " + std::to_string(i) + " entry " + std::to_string(c) + " is not a number");
        out(static_cast<Index>(i), static_cast<Index>(c)) = v[i][c].get<double>();
      }
    }
    return out;
  }
  std::vector<std::string> names(const json& j, const std::string& key) const {
    const json& v = at(j, key);
    if (!v.is_array() || v.empty()) fail(key, "expected a non-empty array of names");
    std::vector<std::string> out;
    for (const json& s : v) {
      if (!s.is_string()) fail(key, "names must be strings");
      out.push_back(s.get<std::string>());
    }
    return out;
  }

 private:
  std::string source_;
};

}  // namespace

std::string Emulator::to_json() const {
  json j;
  j["format"] = kFormat;
  j["version"] = kVersion;
  j["parameters"] = parameter_names_;
  j["outputs"] = output_names_;
  j["kernel"] = to_string(kernel_);
  j["noise_in_prediction"] = noise_in_prediction_;
  j["explained_variance"] = explained_variance_;
  j["input_lower"] = to_list(input_lower_.transpose());
  j["input_width"] = to_list(input_width_.transpose());
  j["output_mean"] = to_list(output_mean_.transpose());
  j["loadings"] = to_array(loadings_);
  j["truncation_covariance"] = to_array(truncation_);
  j["training_inputs"] = gps_.empty() ? json::array() : to_array(gps_.front().inputs());
  json comps = json::array();
  for (const GaussianProcess& gp : gps_) {
    comps.push_back({{"log_amplitude", gp.hyper().log_amplitude},
                     {"log_length_scales", to_list(gp.hyper().log_length)},
                     {"log_noise", gp.hyper().log_noise},
                     {"targets", to_list(gp.targets())}});
  }
  j["components"] = std::move(comps);
  return j.dump(1);
}

Emulator Emulator::from_json(const std::string& text, const std::string& source) {
  json j;
  try {
    j = json::parse(text);
  } catch (const json::exception& e) {  // parse_error, and out_of_range for numbers like 1e99999
    throw Error(ErrorContext{.file = source}, std::string("not valid JSON: ") + e.what());
  }
  Reader r(source);
  if (!j.is_object() || !j.contains("format") || j["format"] != kFormat) {
    r.fail("format", std::string("not a flowprior emulator file (expected \"format\": \"") + kFormat + "\")");
  }
  if (!r.at(j, "version").is_number_integer() || j["version"].get<int>() != kVersion) {
    r.fail("version", "unsupported version " + j["version"].dump() + " (this build reads version " +
                          std::to_string(kVersion) + ")");
  }
  Emulator e;
  e.parameter_names_ = r.names(j, "parameters");
  e.output_names_ = r.names(j, "outputs");
  const Index d = e.dim(), m = e.outputs();
  const json& kernel = r.at(j, "kernel");
  if (!kernel.is_string()) r.fail("kernel", "expected a string");
  try {
    e.kernel_ = kernel_from_string(kernel.get<std::string>());
  } catch (const Error& err) {
    r.fail("kernel", err.what());
  }
  const json& noise = r.at(j, "noise_in_prediction");
  if (!noise.is_boolean()) r.fail("noise_in_prediction", "expected true or false");
  e.noise_in_prediction_ = noise.get<bool>();
  e.explained_variance_ = r.number(j, "explained_variance");
  e.input_lower_ = r.vector(j, "input_lower", d).transpose();
  e.input_width_ = r.vector(j, "input_width", d).transpose();
  if (!(e.input_width_.array() > 0.0).all()) r.fail("input_width", "widths must be positive");
  e.output_mean_ = r.vector(j, "output_mean", m).transpose();
  const json& comps = r.at(j, "components");
  if (!comps.is_array() || comps.empty()) r.fail("components", "expected a non-empty array");
  const Index q = static_cast<Index>(comps.size());
  e.loadings_ = r.matrix(j, "loadings", q, m);
  e.truncation_ = r.matrix(j, "truncation_covariance", m, m);
  const MatrixXd x = r.matrix(j, "training_inputs", -1, d);
  for (Index k = 0; k < q; ++k) {
    const json& c = comps[static_cast<std::size_t>(k)];
    Reader rk(source + " (component " + std::to_string(k) + ")");
    GpHyper h;
    h.log_amplitude = rk.number(c, "log_amplitude");
    h.log_length = rk.vector(c, "log_length_scales", d);
    h.log_noise = rk.number(c, "log_noise");
    const VectorXd z = rk.vector(c, "targets", x.rows());
    e.gps_.emplace_back(e.kernel_, h, x, z, source + " component " + std::to_string(k));
  }
  return e;
}

void Emulator::save(const std::string& path) const { write_file_atomically(path, to_json() + "\n"); }

Emulator Emulator::load(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw Error(ErrorContext{.file = path}, "cannot open emulator file");
  std::stringstream buffer;
  buffer << in.rdbuf();
  return from_json(buffer.str(), path);
}

}  // namespace flowprior
