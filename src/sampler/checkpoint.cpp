#include "flowprior/sampler/checkpoint.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "flowprior/core/error.hpp"
#include "flowprior/core/output_file.hpp"

namespace flowprior {
namespace {

constexpr char kMagic[] = "FLOWPRIOR-SMC";

class Writer {
 public:
  explicit Writer(std::ofstream& out) : out_(out) {}
  template <class T>
  void pod(const T& v) {
    out_.write(reinterpret_cast<const char*>(&v), sizeof(T));
  }
  void doubles(const double* p, std::size_t n) {
    pod<std::uint64_t>(n);
    out_.write(reinterpret_cast<const char*>(p), static_cast<std::streamsize>(n * sizeof(double)));
  }
  void vector(const VectorXd& v) { doubles(v.data(), static_cast<std::size_t>(v.size())); }
  void matrix(const MatrixXd& m) {
    pod<std::int64_t>(m.rows());
    pod<std::int64_t>(m.cols());
    doubles(m.data(), static_cast<std::size_t>(m.size()));
  }

 private:
  std::ofstream& out_;
};

class Reader {
 public:
  Reader(std::ifstream& in, const std::string& path) : in_(in), path_(path) {}
  template <class T>
  T pod(const char* what) {
    T v{};
    in_.read(reinterpret_cast<char*>(&v), sizeof(T));
    if (!in_) fail(what);
    return v;
  }
  std::vector<double> doubles(const char* what) {
    const auto n = pod<std::uint64_t>(what);
    if (n > (std::uint64_t{1} << 40)) fail(what);
    std::vector<double> v(n);
    in_.read(reinterpret_cast<char*>(v.data()), static_cast<std::streamsize>(n * sizeof(double)));
    if (!in_) fail(what);
    return v;
  }
  VectorXd vector(const char* what) {
    const auto v = doubles(what);
    return Eigen::Map<const VectorXd>(v.data(), static_cast<Index>(v.size()));
  }
  MatrixXd matrix(const char* what) {
    const auto rows = pod<std::int64_t>(what), cols = pod<std::int64_t>(what);
    const auto v = doubles(what);
    if (rows < 0 || cols < 0 || static_cast<std::uint64_t>(rows * cols) != v.size()) fail(what);
    return Eigen::Map<const MatrixXd>(v.data(), rows, cols);
  }
  [[noreturn]] void fail(const char* what) {
    throw Error(ErrorContext{.file = path_, .parameter = what}, "checkpoint is truncated or corrupt");
  }

 private:
  std::ifstream& in_;
  std::string path_;
};

}  // namespace

void save_checkpoint(const std::string& path, const SmcState& s) {
  // Under a temporary name, then moved into place (core/output_file.hpp): a killed run keeps its last checkpoint.
  write_output_with(path, [&](const std::string& temp) {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    if (!out) throw Error(ErrorContext{.file = temp}, "cannot write checkpoint");
    Writer w(out);
    out.write(kMagic, sizeof(kMagic));
    w.pod(kCheckpointVersion);
    w.pod(s.seed);
    w.pod<std::int64_t>(s.dim);
    w.pod<std::int64_t>(s.n_active);
    w.pod<std::int64_t>(s.iteration);
    w.pod(s.beta);
    w.pod(s.n_effective);
    w.pod(s.scale);
    w.pod(s.likelihood_calls);
    w.pod(s.wall_seconds);
    w.matrix(s.u);
    w.matrix(s.x);
    w.vector(s.log_prior);
    w.doubles(s.weights.betas().data(), s.weights.betas().size());
    w.doubles(s.weights.block_log_z().data(), s.weights.block_log_z().size());
    std::vector<double> sizes(s.weights.block_sizes().begin(), s.weights.block_sizes().end());
    w.doubles(sizes.data(), sizes.size());
    w.vector(s.weights.log_likelihood());
    w.vector(s.weights.log_denominator());
    w.pod<std::uint64_t>(s.records.size());
    for (const SmcIteration& r : s.records) {
      w.pod<std::int64_t>(r.iteration);
      for (double v : {r.beta, r.ess, r.n_effective, r.log_z, r.acceptance, r.scale, r.correlation,
                       r.flow_validation_loss})
        w.pod(v);
      w.pod<std::int64_t>(r.steps);
      w.pod<std::int64_t>(r.flow_epochs);
      w.pod(r.likelihood_calls);
    }
    w.doubles(s.flow_state.data(), s.flow_state.size());
    out.flush();
    if (!out) throw Error(ErrorContext{.file = path}, "writing the checkpoint failed: " + os_reason(errno));
  });
}

SmcState load_checkpoint(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorContext{.file = path}, "cannot open checkpoint");
  char magic[sizeof(kMagic)] = {};
  in.read(magic, sizeof(kMagic));
  if (!in || std::memcmp(magic, kMagic, sizeof(kMagic)) != 0)
    throw Error(ErrorContext{.file = path}, "not a flowprior SMC checkpoint");
  Reader r(in, path);
  const auto version = r.pod<std::uint32_t>("version");
  if (version != kCheckpointVersion)
    throw Error(ErrorContext{.file = path, .parameter = "version"},
                "checkpoint version " + std::to_string(version) + " is not supported (expected " +
                    std::to_string(kCheckpointVersion) + ")");
  SmcState s;
  s.seed = r.pod<std::uint64_t>("seed");
  s.dim = static_cast<int>(r.pod<std::int64_t>("dim"));
  s.n_active = r.pod<std::int64_t>("n_active");
  s.iteration = static_cast<int>(r.pod<std::int64_t>("iteration"));
  s.beta = r.pod<double>("beta");
  s.n_effective = r.pod<double>("n_effective");
  s.scale = r.pod<double>("scale");
  s.likelihood_calls = r.pod<std::uint64_t>("likelihood_calls");
  s.wall_seconds = r.pod<double>("wall_seconds");
  s.u = r.matrix("u");
  s.x = r.matrix("x");
  s.log_prior = r.vector("log_prior");
  auto betas = r.doubles("betas");
  auto log_z = r.doubles("block_log_z");
  const auto sizes_d = r.doubles("block_sizes");
  std::vector<Index> sizes(sizes_d.begin(), sizes_d.end());
  VectorXd log_like = r.vector("log_likelihood");
  VectorXd log_d = r.vector("log_denominator");
  if (log_like.size() != s.u.rows() || log_d.size() != s.u.rows() || s.x.rows() != s.u.rows() ||
      s.log_prior.size() != s.u.rows() || betas.size() != log_z.size() || betas.size() != sizes.size())
    r.fail("shapes");
  s.weights.restore(std::move(betas), std::move(log_z), std::move(sizes), std::move(log_like), std::move(log_d));
  const auto n_records = r.pod<std::uint64_t>("records");
  if (n_records > 1000000) r.fail("records");
  for (std::uint64_t k = 0; k < n_records; ++k) {
    SmcIteration it;
    it.iteration = static_cast<int>(r.pod<std::int64_t>("records"));
    for (double* v : {&it.beta, &it.ess, &it.n_effective, &it.log_z, &it.acceptance, &it.scale, &it.correlation,
                      &it.flow_validation_loss})
      *v = r.pod<double>("records");
    it.steps = static_cast<int>(r.pod<std::int64_t>("records"));
    it.flow_epochs = static_cast<int>(r.pod<std::int64_t>("records"));
    it.likelihood_calls = r.pod<std::uint64_t>("records");
    s.records.push_back(it);
  }
  s.flow_state = r.doubles("flow_state");
  return s;
}

}  // namespace flowprior
