#pragma once
// Classifier two-sample test (docs/reference/flows.md §12, after sbibm): both samples z-scored with the reference mean/std, a
// classifier asked to tell them apart, accuracy by k-fold cross-validation. 0.5 = indistinguishable, 1 =
// separable. The classifier is k-nearest-neighbour majority vote (odd k, ties in distance broken by index), which
// has no training noise and is deterministic; each class is subsampled to at most max_per_class points.
#include <cstdint>
#include <vector>

#include "flowprior/core/types.hpp"

namespace flowprior {

struct C2STOptions {
  int folds = 5;
  int neighbours = 25;            // odd, so that the vote has no ties
  Index max_per_class = 10000;    // sbibm's usual size; kNN cost grows as (2 * max_per_class)^2
  std::uint64_t seed = 1;
  int threads = 1;                // test points split in fixed chunks; result independent of threads
};

struct C2STResult {
  double accuracy = 0;                 // mean over folds
  std::vector<double> fold_accuracy;
  Index n_reference = 0;               // points used per class after subsampling
  Index n_model = 0;
  double standard_error = 0;           // binomial sqrt(a (1 - a) / N) over all test points
};

C2STResult c2st(const MatrixXd& reference, const MatrixXd& model, const C2STOptions& options = {});

}  // namespace flowprior
