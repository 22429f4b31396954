#pragma once
// Eigen vocabulary: batches are MatrixXd with one sample per row; per-sample scalars are VectorXd.
#include <Eigen/Dense>

namespace flowprior {

using Eigen::Index;
using Eigen::MatrixXd;
using Eigen::RowVectorXd;
using Eigen::VectorXd;
using Eigen::VectorXi;

inline constexpr double kLog2Pi = 1.8378770664093454835606594728112;

}  // namespace flowprior
