#pragma once
// The histogram <D_KL> of Roch & Shen (docs/reference/paper.md §6): 1-D KL per parameter and 2-D KL per lower-triangle pair on
// `bins` (75) equal bins over the box, each as scipy.stats.entropy(p + floor, q + floor) of density-normalised
// histograms (numpy density=True), <D_KL> = (mean_1D + mean_2D) / 2. Depends on bin count and sample size, so it
// is only meaningful next to its noise floor (the same number between two reference halves).
#include <utility>
#include <vector>

#include "flowprior/core/box.hpp"

namespace flowprior {

struct HistogramKLOptions {
  int bins = 75;
  double floor = 1e-10;  // added to each density value before renormalising, as in the paper's code
};

struct HistogramKL {
  std::vector<double> kl_1d;               // one per parameter
  std::vector<std::pair<int, int>> pairs;  // (i, j), i > j: the lower triangle, row by row
  std::vector<double> kl_2d;               // one per pair
  double mean_1d = 0;
  double mean_2d = 0;
  double mean = 0;  // (mean_1d + mean_2d) / 2; mean_1d when there is a single parameter
};

// scipy.stats.entropy(p, q): sum p_i log(p_i / q_i) after normalising p and q to sum 1. Terms with p_i = 0 add 0;
// q_i = 0 where p_i > 0 gives +inf. Error on different lengths, negative or all-zero entries.
double entropy_kl(const VectorXd& p, const VectorXd& q);

// numpy.histogram(x, bins, range=(low, high), weights, density=True): values outside [low, high] are dropped, the
// last bin is closed. Empty `weights` = 1 each.
VectorXd density_histogram_1d(const VectorXd& x, const VectorXd& weights, double low, double high, int bins);
// numpy.histogram2d(x, y, bins, range, weights, density=True), flattened row-major (x bin major).
VectorXd density_histogram_2d(const VectorXd& x, const VectorXd& y, const VectorXd& weights, double x_low,
                              double x_high, double y_low, double y_high, int bins);

// p: reference (the paper's P), q: model (Q). Weights may be empty.
HistogramKL histogram_kl(const MatrixXd& p, const VectorXd& p_weights, const MatrixXd& q, const VectorXd& q_weights,
                         const Box& box, const HistogramKLOptions& options = {});

}  // namespace flowprior
