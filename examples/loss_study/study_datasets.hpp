#pragma once
// The three inputs of the loss study: the paper's 2-D banana (exact draws with their log-density), the 7-D
// posterior of the 2022 IP-Glasma proton analysis (draws only), and a 4-D importance-weighted sample of a Gaussian
// mixture (broad Gaussian proposal, weights = target / proposal, exact log-density). Every dataset carries a held-out
// reference sample for the metrics and, where it is known, the exact normalised log-density on its box.
#include <cstdint>
#include <functional>
#include <string>

#include "flowprior/core/box.hpp"
#include "flowprior/core/samples.hpp"

namespace loss_study {

using flowprior::Box;
using flowprior::Index;
using flowprior::MatrixXd;
using flowprior::Samples;
using flowprior::VectorXd;

struct Dataset {
  std::string name;
  std::string description;
  std::uint64_t seed = 1;  // of its draws or split; the runs on it train and measure with the same seed
  Box box;
  Samples train;      // what the flow sees: values, plus weight and log_density columns where the input has them
  Samples reference;  // held out, equal-weight draws of the distribution the flow should learn
  // Exact log-density normalised on the box (empty function when unknown): gives the exact KL(p || q).
  std::function<VectorXd(const MatrixXd&)> exact_log_density;
};

// n_train exact draws for training and n_reference independent ones as the reference.
Dataset make_banana(Index n_train, Index n_reference, std::uint64_t seed);
// The 1000 draws of `csv` shuffled with `seed` and split in two halves: training / held-out reference. Named
// "ipglasma7d-<seed>": with 500 training draws one split is not enough to rank architectures, so the study repeats it.
Dataset make_ipglasma(const std::string& csv, const std::string& box_toml, std::uint64_t seed);
// n_train weighted proposal draws for training and n_reference exact (unweighted) target draws as the reference.
Dataset make_weighted_mixture(Index n_train, Index n_reference, std::uint64_t seed);

}  // namespace loss_study
