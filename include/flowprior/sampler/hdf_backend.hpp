#pragma once
// Ensemble chains in HDF5, in emcee's HDFBackend layout, so emcee.backends.HDFBackend reads our files and we read
// emcee's: group "mcmc" with datasets chain (N, W, D), log_prob (N, W), accepted (W) and attributes version,
// nwalkers, ndim, has_blobs, iteration. Our own metadata (seed, moves, target, ...) are extra attributes emcee
// ignores. Rows beyond `iteration` are not part of the chain (emcee reads [:iteration] too).
//
// Writes are buffered: rows are appended in memory and written every `flush_steps` steps or `flush_seconds`
// seconds, each flush opening the file, writing the rows, then updating `iteration`, then closing it. A run
// killed between flushes therefore leaves a closed, readable file with every step up to the last flush (the
// steps after it are recomputed identically on resume, since a step's randomness depends only on (seed, step)).
// Chunks are allocated early (reserve()), so a flush rewrites only raw data past `iteration` and the fixed-size
// `iteration` attribute; HDF5 has no journal, so this narrows, not closes, the window in which a kill during the
// flush itself could leave a damaged object header.
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "flowprior/sampler/ensemble.hpp"

namespace flowprior {

struct ChainFileMetadata {
  bool flowprior = false;  // written by flowprior (format attribute "flowprior.chain")
  std::string version;     // the "version" attribute (emcee's version for emcee files)
  std::uint64_t seed = 0;
  std::string moves;       // to_string(moves)
  std::string target;      // built-in target name, if any
  Index burn_in = 0;
  // The per-step acceptance flags (dataset accepted_steps) cover every stored step. False for emcee's files and
  // for ours once emcee has continued them (emcee keeps only the totals in `accepted`): the totals are used then.
  bool per_step_acceptance = false;
};

struct HdfWriterOptions {
  std::string group = "mcmc";
  Index flush_steps = 1000;
  double flush_seconds = 2.0;
  Index chunk_steps = 64;
};

class HdfChainWriter {
 public:
  // A new file (an existing one is replaced) holding an empty chain.
  static std::unique_ptr<HdfChainWriter> create(const std::string& path, int walkers, int dim,
                                                const ChainFileMetadata& metadata, HdfWriterOptions options = {});
  // An existing chain to continue: rows past `iteration` (from an interrupted flush) are dropped.
  static std::unique_ptr<HdfChainWriter> continue_file(const std::string& path, HdfWriterOptions options = {});

  ~HdfChainWriter();  // flushes (a failure there is reported as a warning)
  HdfChainWriter(const HdfChainWriter&) = delete;
  HdfChainWriter& operator=(const HdfChainWriter&) = delete;

  void add_step(const MatrixXd& positions, const VectorXd& log_prob, const VectorXd& accepted_total);
  void flush();
  // Allocates room for `total_steps` rows now, so later flushes never change the file's structure.
  void reserve(Index total_steps);
  Index iteration() const { return written_ + pending_steps_; }

 private:
  HdfChainWriter(std::string path, HdfWriterOptions options, int walkers, int dim, Index written);
  std::string path_;
  HdfWriterOptions options_;
  int walkers_, dim_;
  Index written_;
  // Buffered steps, already in the file's row-major (step, walker, parameter) order: appending to flat buffers
  // costs no allocation per step (the per-step matrices and flag vectors did, issue 21).
  Index pending_steps_ = 0;
  std::vector<double> pending_x_;
  std::vector<double> pending_lp_;
  std::vector<std::int8_t> pending_flags_;
  bool per_step_flags_ = true;  // write accepted_steps (see ChainFileMetadata::per_step_acceptance)
  VectorXd accepted_;
  std::chrono::steady_clock::time_point last_flush_;
};

struct ChainFile {
  Chain chain;
  ChainFileMetadata metadata;
};

// Reads the first `iteration` rows of a chain file (ours or emcee's). Error names the file and what is missing.
ChainFile read_chain_file(const std::string& path, const std::string& group = "mcmc");

}  // namespace flowprior
