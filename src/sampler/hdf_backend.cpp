#include "flowprior/sampler/hdf_backend.hpp"

#include <H5Cpp.h>

#include <filesystem>

#include "flowprior/core/error.hpp"
#include "flowprior/core/output_file.hpp"
#include "flowprior/core/log.hpp"

namespace flowprior {
namespace {

constexpr const char* kFormat = "flowprior.chain";
constexpr const char* kFlowpriorVersion = "0.1.0";

[[noreturn]] void rethrow(const std::string& path, const std::string& doing, const H5::Exception& e) {
  throw Error(ErrorContext{.file = path}, doing + ": " + e.getDetailMsg());
}

void write_string_attr(H5::H5Object& obj, const std::string& name, const std::string& value) {
  H5::StrType type(H5::PredType::C_S1, H5T_VARIABLE);
  type.setCset(H5T_CSET_UTF8);
  H5::Attribute attr = obj.createAttribute(name, type, H5::DataSpace(H5S_SCALAR));
  attr.write(type, value);
}

template <class T>
void write_scalar_attr(H5::H5Object& obj, const std::string& name, const H5::PredType& type, T value) {
  H5::Attribute attr = obj.attrExists(name) ? obj.openAttribute(name)
                                            : obj.createAttribute(name, type, H5::DataSpace(H5S_SCALAR));
  attr.write(type, &value);
}

std::int64_t read_int_attr(const H5::H5Object& obj, const std::string& name, const std::string& path) {
  if (!obj.attrExists(name)) throw Error(ErrorContext{.file = path, .parameter = name}, "attribute missing");
  std::int64_t v = 0;
  H5::Attribute attr = obj.openAttribute(name);
  // read() fills every element: a damaged file's array attribute would write past v
  if (attr.getSpace().getSimpleExtentNpoints() != 1)
    throw Error(ErrorContext{.file = path, .parameter = name}, "attribute is not a single number");
  attr.read(H5::PredType::NATIVE_INT64, &v);
  return v;
}

std::string read_string_attr(const H5::H5Object& obj, const std::string& name) {
  if (!obj.attrExists(name)) return "";
  H5::Attribute attr = obj.openAttribute(name);
  std::string value;
  attr.read(attr.getStrType(), value);
  return value;
}

// Chunks allocated when a dataset is extended, not when first written: a flush then only writes raw data into
// existing chunks and rewrites the fixed-size `iteration` attribute, so a kill during a flush leaves the
// file's structure (chunk index, extents) as it was.
H5::DSetCreatPropList early_chunks(int rank, const hsize_t* chunk) {
  H5::DSetCreatPropList props;
  props.setChunk(rank, chunk);
  props.setAllocTime(H5D_ALLOC_TIME_EARLY);
  return props;
}

void extend_rows(H5::DataSet& ds, hsize_t rows) {
  H5::DataSpace space = ds.getSpace();
  const int rank = space.getSimpleExtentNdims();
  hsize_t dims[3] = {0, 0, 0};
  space.getSimpleExtentDims(dims);
  if (dims[0] >= rows) return;
  dims[0] = rows;
  (void)rank;
  ds.extend(dims);
}

template <class T>
void write_rows(H5::DataSet& ds, const H5::PredType& type, const std::vector<T>& data, hsize_t start, hsize_t n,
                int rank, hsize_t w, hsize_t d) {
  H5::DataSpace space = ds.getSpace();
  hsize_t offset[3] = {start, 0, 0}, count[3] = {n, w, d};
  space.selectHyperslab(H5S_SELECT_SET, count, offset);
  ds.write(data.data(), type, H5::DataSpace(rank, count), space);
}

}  // namespace

HdfChainWriter::HdfChainWriter(std::string path, HdfWriterOptions options, int walkers, int dim, Index written)
    : path_(std::move(path)), options_(std::move(options)), walkers_(walkers), dim_(dim), written_(written),
      last_flush_(std::chrono::steady_clock::now()) {}

std::unique_ptr<HdfChainWriter> HdfChainWriter::create(const std::string& path, int walkers, int dim,
                                                       const ChainFileMetadata& metadata, HdfWriterOptions options) {
  H5::Exception::dontPrint();
  // The chain grows in place (resumable), so no temporary file: but never a device, a folder or a read-only file;
  // a symlink is followed (core/output_file.hpp).
  const OutputTarget target = prepare_output(path, /*need_regular_file=*/true);
  try {
    H5::H5File file(target.path, H5F_ACC_TRUNC);
    H5::Group g = file.createGroup(options.group);
    write_string_attr(g, "version", std::string("flowprior-") + kFlowpriorVersion);
    write_scalar_attr(g, "nwalkers", H5::PredType::NATIVE_INT64, static_cast<std::int64_t>(walkers));
    write_scalar_attr(g, "ndim", H5::PredType::NATIVE_INT64, static_cast<std::int64_t>(dim));
    write_scalar_attr(g, "has_blobs", H5::PredType::NATIVE_INT8, static_cast<std::int8_t>(0));
    write_scalar_attr(g, "iteration", H5::PredType::NATIVE_INT64, static_cast<std::int64_t>(0));
    write_scalar_attr(g, "accepted_steps_rows", H5::PredType::NATIVE_INT64, static_cast<std::int64_t>(0));
    write_string_attr(g, "format", kFormat);
    write_string_attr(g, "flowprior_version", kFlowpriorVersion);
    write_scalar_attr(g, "seed", H5::PredType::NATIVE_UINT64, metadata.seed);
    write_string_attr(g, "moves", metadata.moves);
    write_string_attr(g, "target", metadata.target);
    write_scalar_attr(g, "burn_in", H5::PredType::NATIVE_INT64, static_cast<std::int64_t>(metadata.burn_in));

    const hsize_t chunk_steps = static_cast<hsize_t>(std::max<Index>(1, options.chunk_steps));
    const hsize_t w = static_cast<hsize_t>(walkers), d = static_cast<hsize_t>(dim);
    {
      hsize_t dims[3] = {0, w, d}, maxdims[3] = {H5S_UNLIMITED, w, d}, chunk[3] = {chunk_steps, w, d};
      H5::DSetCreatPropList props = early_chunks(3, chunk);
      g.createDataSet("chain", H5::PredType::NATIVE_DOUBLE, H5::DataSpace(3, dims, maxdims), props);
    }
    {
      hsize_t dims[2] = {0, w}, maxdims[2] = {H5S_UNLIMITED, w}, chunk[2] = {chunk_steps, w};
      H5::DSetCreatPropList props = early_chunks(2, chunk);
      g.createDataSet("log_prob", H5::PredType::NATIVE_DOUBLE, H5::DataSpace(2, dims, maxdims), props);
      // Per-step acceptance flags (emcee ignores them): the accepted totals at any stored `iteration` are their
      // column sums, so a run killed between writing rows and updating `iteration` resumes with exact totals.
      g.createDataSet("accepted_steps", H5::PredType::NATIVE_INT8, H5::DataSpace(2, dims, maxdims), props);
    }
    {
      hsize_t dims[1] = {w};
      std::vector<double> zeros(w, 0.0);
      H5::DataSet acc = g.createDataSet("accepted", H5::PredType::NATIVE_DOUBLE, H5::DataSpace(1, dims));
      acc.write(zeros.data(), H5::PredType::NATIVE_DOUBLE);
    }
  } catch (const H5::Exception& e) {
    rethrow(path, "cannot create the chain file", e);
  }
  auto writer = std::unique_ptr<HdfChainWriter>(new HdfChainWriter(path, std::move(options), walkers, dim, 0));
  writer->accepted_ = VectorXd::Zero(walkers);
  return writer;
}

std::unique_ptr<HdfChainWriter> HdfChainWriter::continue_file(const std::string& path, HdfWriterOptions options) {
  const ChainFile existing = read_chain_file(path, options.group);
  auto writer = std::unique_ptr<HdfChainWriter>(
      new HdfChainWriter(path, std::move(options), existing.chain.walkers, existing.chain.dim, existing.chain.steps));
  writer->accepted_ = existing.chain.accepted;
  writer->per_step_flags_ = existing.metadata.per_step_acceptance;
  return writer;
}

void HdfChainWriter::reserve(Index total_steps) {
  H5::Exception::dontPrint();
  try {
    H5::H5File file(path_, H5F_ACC_RDWR);
    H5::Group g = file.openGroup(options_.group);
    for (const char* name : {"chain", "log_prob", "accepted_steps"}) {
      if (!g.nameExists(name)) continue;  // emcee's files have no accepted_steps
      H5::DataSet ds = g.openDataSet(name);
      extend_rows(ds, static_cast<hsize_t>(total_steps));
    }
  } catch (const H5::Exception& e) {
    rethrow(path_, "cannot grow the chain file", e);
  }
}

HdfChainWriter::~HdfChainWriter() {
  try {
    flush();
  } catch (const std::exception& e) {
    warn(std::string("chain file not fully written: ") + e.what());
  }
}

void HdfChainWriter::add_step(const MatrixXd& positions, const VectorXd& log_prob, const VectorXd& accepted_total) {
  if (positions.rows() != walkers_ || positions.cols() != dim_ || log_prob.size() != walkers_)
    throw Error(ErrorContext{.file = path_}, "a step of the wrong shape for this chain file");
  for (int i = 0; i < walkers_; ++i) {
    const double step_count = accepted_total(i) - accepted_(i);
    if (step_count != 0.0 && step_count != 1.0)
      throw Error(ErrorContext{.file = path_}, "accepted counts must grow by 0 or 1 per walker and step");
  }
  // Written through raw pointers into buffers that only grow (their first pending_steps_ steps are the pending
  // ones; a flush keeps them): push_back per value, or resize's zero fill per step, cost ~20 ms per 50,000 steps of
  // 32 walkers x 10 parameters (issue 21). Positions are column-major (walker i, parameter j at j * walkers + i).
  const std::size_t w = static_cast<std::size_t>(walkers_), d = static_cast<std::size_t>(dim_);
  const std::size_t step = static_cast<std::size_t>(pending_steps_);
  if (pending_lp_.size() < (step + 1) * w) {
    const std::size_t steps = std::max<std::size_t>(step + 1, 2 * step);
    pending_x_.resize(steps * w * d);
    pending_lp_.resize(steps * w);
    pending_flags_.resize(steps * w);
  }
  const double* p = positions.data();
  const double* lp = log_prob.data();
  const double* total = accepted_total.data();
  const double* before = accepted_.data();
  double* x = pending_x_.data() + step * w * d;
  double* lp_out = pending_lp_.data() + step * w;
  std::int8_t* flags = pending_flags_.data() + step * w;
  for (std::size_t i = 0; i < w; ++i) {
    for (std::size_t j = 0; j < d; ++j) x[i * d + j] = p[j * w + i];
    lp_out[i] = lp[i];
    flags[i] = static_cast<std::int8_t>(total[i] - before[i]);
  }
  ++pending_steps_;
  accepted_ = accepted_total;
  const double since = std::chrono::duration<double>(std::chrono::steady_clock::now() - last_flush_).count();
  if (pending_steps_ >= options_.flush_steps || since >= options_.flush_seconds) flush();
}

void HdfChainWriter::flush() {
  if (pending_steps_ == 0) return;
  H5::Exception::dontPrint();
  const hsize_t n = static_cast<hsize_t>(pending_steps_), w = static_cast<hsize_t>(walkers_),
                d = static_cast<hsize_t>(dim_);
  const hsize_t start = static_cast<hsize_t>(written_);
  const std::vector<double>& x = pending_x_;  // row-major (step, walker, parameter), as HDF5 stores it
  const std::vector<double>& lp = pending_lp_;
  const std::vector<std::int8_t>& flags = pending_flags_;
  try {
    H5::H5File file(path_, H5F_ACC_RDWR);
    H5::Group g = file.openGroup(options_.group);
    H5::DataSet cs = g.openDataSet("chain"), ls = g.openDataSet("log_prob");
    // Grow by at least a quarter so that a run with no reserve() still extends (allocates) rarely.
    const hsize_t capacity = std::max<hsize_t>(start + n, start + start / 4);
    extend_rows(cs, capacity);
    extend_rows(ls, capacity);
    write_rows(cs, H5::PredType::NATIVE_DOUBLE, x, start, n, 3, w, d);
    write_rows(ls, H5::PredType::NATIVE_DOUBLE, lp, start, n, 2, w, 1);
    if (per_step_flags_) {
      H5::DataSet as = g.openDataSet("accepted_steps");
      extend_rows(as, capacity);
      write_rows(as, H5::PredType::NATIVE_INT8, flags, start, n, 2, w, 1);
    }
    g.openDataSet("accepted").write(accepted_.data(), H5::PredType::NATIVE_DOUBLE);
    // Only now do the new rows count: a reader never sees `iteration` ahead of the data (nor the flags' row
    // count behind it).
    file.flush(H5F_SCOPE_GLOBAL);
    if (per_step_flags_)
      write_scalar_attr(g, "accepted_steps_rows", H5::PredType::NATIVE_INT64, static_cast<std::int64_t>(start + n));
    write_scalar_attr(g, "iteration", H5::PredType::NATIVE_INT64, static_cast<std::int64_t>(start + n));
  } catch (const H5::Exception& e) {
    rethrow(path_, "cannot write the chain file", e);
  }
  written_ += static_cast<Index>(n);
  pending_steps_ = 0;
  last_flush_ = std::chrono::steady_clock::now();
}

ChainFile read_chain_file(const std::string& path, const std::string& group) {
  if (!std::filesystem::exists(path)) throw Error(ErrorContext{.file = path}, "no such chain file");
  H5::Exception::dontPrint();
  ChainFile out;
  try {
    H5::H5File file(path, H5F_ACC_RDONLY);
    if (!file.nameExists(group)) throw Error(ErrorContext{.file = path}, "no group '" + group + "' (not a chain file)");
    H5::Group g = file.openGroup(group);
    const std::int64_t walkers = read_int_attr(g, "nwalkers", path);
    const std::int64_t dim = read_int_attr(g, "ndim", path);
    const std::int64_t iteration = read_int_attr(g, "iteration", path);
    auto& meta = out.metadata;
    meta.version = read_string_attr(g, "version");
    meta.flowprior = read_string_attr(g, "format") == kFormat;
    if (walkers < 1 || dim < 1 || iteration < 0 || walkers > (1 << 24) || dim > (1 << 24))
      throw Error(ErrorContext{.file = path}, "nwalkers, ndim or iteration out of range");
    if (meta.flowprior) {
      if (!g.attrExists("seed") || g.openAttribute("seed").getSpace().getSimpleExtentNpoints() != 1)
        throw Error(ErrorContext{.file = path, .parameter = "seed"}, "attribute missing or not a single number");
      g.openAttribute("seed").read(H5::PredType::NATIVE_UINT64, &meta.seed);
      meta.moves = read_string_attr(g, "moves");
      meta.target = read_string_attr(g, "target");
      meta.burn_in = static_cast<Index>(read_int_attr(g, "burn_in", path));
    }
    Chain& chain = out.chain;
    chain.reset(static_cast<int>(walkers), static_cast<int>(dim));
    const hsize_t n = static_cast<hsize_t>(iteration), w = static_cast<hsize_t>(walkers),
                  d = static_cast<hsize_t>(dim);
    H5::DataSet cs = g.openDataSet("chain"), ls = g.openDataSet("log_prob");
    hsize_t cdims[3] = {0, 0, 0}, ldims[2] = {0, 0};
    if (cs.getSpace().getSimpleExtentNdims() != 3 || ls.getSpace().getSimpleExtentNdims() != 2)
      throw Error(ErrorContext{.file = path}, "chain or log_prob has the wrong rank");
    cs.getSpace().getSimpleExtentDims(cdims);
    ls.getSpace().getSimpleExtentDims(ldims);
    if (cdims[0] < n || cdims[1] != w || cdims[2] != d || ldims[0] < n || ldims[1] != w)
      throw Error(ErrorContext{.file = path}, "datasets are smaller than nwalkers/ndim/iteration say");
    if (static_cast<double>(n) * static_cast<double>(w) * static_cast<double>(d) > 2e9)
      throw Error(ErrorContext{.file = path}, "the chain is too large to read into memory");
    std::vector<double> x(n * w * d), lp(n * w);
    if (n > 0) {
      H5::DataSpace space = cs.getSpace();
      hsize_t offset[3] = {0, 0, 0}, count[3] = {n, w, d};
      space.selectHyperslab(H5S_SELECT_SET, count, offset);
      cs.read(x.data(), H5::PredType::NATIVE_DOUBLE, H5::DataSpace(3, count), space);
      H5::DataSpace lspace = ls.getSpace();
      hsize_t loffset[2] = {0, 0}, lcount[2] = {n, w};
      lspace.selectHyperslab(H5S_SELECT_SET, lcount, loffset);
      ls.read(lp.data(), H5::PredType::NATIVE_DOUBLE, H5::DataSpace(2, lcount), lspace);
    }
    VectorXd accepted(walkers);
    // The flags are trusted only for rows they were written for: `accepted_steps_rows` (older files of ours: no
    // such attribute, valid unless emcee, which leaves its random state in random_state_*, has continued them).
    bool flags_valid = g.nameExists("accepted_steps");
    if (flags_valid) {
      if (g.attrExists("accepted_steps_rows")) {
        flags_valid = read_int_attr(g, "accepted_steps_rows", path) >= iteration;
      } else {
        hsize_t adims[2] = {0, 0};
        g.openDataSet("accepted_steps").getSpace().getSimpleExtentDims(adims);
        flags_valid = !g.attrExists("random_state_0") && adims[0] >= static_cast<hsize_t>(iteration);
      }
    }
    meta.per_step_acceptance = flags_valid;
    if (flags_valid) {
      accepted.setZero();
      if (n > 0) {
        std::vector<std::int8_t> flags(n * w);
        H5::DataSet as = g.openDataSet("accepted_steps");
        H5::DataSpace aspace = as.getSpace();
        hsize_t aoffset[2] = {0, 0}, acount[2] = {n, w};
        aspace.selectHyperslab(H5S_SELECT_SET, acount, aoffset);
        as.read(flags.data(), H5::PredType::NATIVE_INT8, H5::DataSpace(2, acount), aspace);
        for (hsize_t k = 0; k < n * w; ++k) accepted(static_cast<Index>(k % w)) += flags[k];
      }
    } else {
      H5::DataSet ad = g.openDataSet("accepted");
      // read() fills the whole dataset: its size must be nwalkers, or a damaged file writes past the buffer
      if (ad.getSpace().getSimpleExtentNpoints() != static_cast<hssize_t>(walkers))
        throw Error(ErrorContext{.file = path, .parameter = "accepted"}, "has not nwalkers entries");
      ad.read(accepted.data(), H5::PredType::NATIVE_DOUBLE);
    }
    chain.reserve(static_cast<Index>(n));
    MatrixXd step_x(walkers, dim);
    VectorXd step_lp(walkers);
    for (hsize_t s = 0; s < n; ++s) {
      for (hsize_t i = 0; i < w; ++i) {
        step_lp(static_cast<Index>(i)) = lp[s * w + i];
        for (hsize_t j = 0; j < d; ++j) step_x(static_cast<Index>(i), static_cast<Index>(j)) = x[(s * w + i) * d + j];
      }
      chain.append(step_x, step_lp, accepted);
    }
    chain.accepted = accepted;
    chain.trim();
  } catch (const H5::Exception& e) {
    rethrow(path, "cannot read the chain file", e);
  }
  return out;
}

}  // namespace flowprior
