// Mlp's products for staircase masks (include/flowprior/flow/staircase.hpp): one product per block of rows over
// the block's prefix of columns. Hidden units are kept in computed order; the last layer reads and writes the
// caller's layout through strided views, and the parameters and the gradient keep mlp.hpp's layout, so flow files
// and optimisers see no difference.
#include "flowprior/flow/mlp.hpp"

namespace flowprior {

namespace {

using Strided = Eigen::Map<MatrixXd, 0, Eigen::OuterStride<>>;
using ConstStrided = Eigen::Map<const MatrixXd, 0, Eigen::OuterStride<>>;

// The block's rows as columns of a layer's output (n rows of the batch).
Strided block_of(MatrixXd& m, const StaircaseLayer::Block& b) {
  return Strided(m.data() + b.first * m.rows(), m.rows(), b.rows, Eigen::OuterStride<>(b.stride * m.rows()));
}
ConstStrided block_of(const MatrixXd& m, const StaircaseLayer::Block& b) {
  return ConstStrided(m.data() + b.first * m.rows(), m.rows(), b.rows, Eigen::OuterStride<>(b.stride * m.rows()));
}

}  // namespace

void Mlp::sort_params() {
  if (stairs_.empty()) return;
  w_sorted_.resize(w_.size());
  b_sorted_.resize(b_.size());
  for (std::size_t l = 0; l < w_.size(); ++l) {
    const StaircaseLayer& s = stairs_[l];
    const Index rows = w_[l].rows(), cols = w_[l].cols();
    w_sorted_[l].resize(rows, cols);
    b_sorted_[l].resize(rows);
    for (Index c = 0; c < cols; ++c)
      for (Index r = 0; r < rows; ++r)
        w_sorted_[l](r, c) = w_[l](s.row_of[static_cast<std::size_t>(r)], s.col_of[static_cast<std::size_t>(c)]);
    for (Index r = 0; r < rows; ++r) b_sorted_[l](r) = b_[l](s.row_of[static_cast<std::size_t>(r)]);
  }
}

void Mlp::forward_staircase(const MatrixXd& x, MatrixXd& out, Cache& cache) const {
  const std::size_t n_layers = w_.size();
  const Index n = x.rows();
  cache.hidden.resize(n_layers - 1);
  cache.input.resize(n, x.cols());
  for (Index c = 0; c < x.cols(); ++c) cache.input.col(c) = x.col(stairs_[0].col_of[static_cast<std::size_t>(c)]);
  const MatrixXd* input = &cache.input;
  for (std::size_t l = 0; l < n_layers; ++l) {
    MatrixXd& dest = (l + 1 == n_layers) ? out : cache.hidden[l];
    const MatrixXd& w = w_sorted_[l];
    dest.resize(n, w.rows());
    for (const StaircaseLayer::Block& b : stairs_[l].blocks) {
      // Starting from the bias saves Eigen's zero fill of the destination and a second pass to add it.
      Strided d = block_of(dest, b);
      d = b_sorted_[l].segment(b.row0, b.rows).transpose().replicate(n, 1);
      if (b.cols > 0) d.noalias() += input->leftCols(b.cols) * w.block(b.row0, 0, b.rows, b.cols).transpose();
    }
    if (l + 1 < n_layers) activate(dest);
    input = &dest;
  }
}

// The input is not needed: the forward pass kept its columns in computed order (cache.input).
void Mlp::backward_staircase(const MatrixXd& dout, Cache& cache, MatrixXd* dx, double* grad) const {
  const std::size_t n_layers = w_.size();
  const Index n = dout.rows();
  const std::vector<Index> offset = param_offsets();
  MatrixXd g, g_in;
  MatrixXd& gw_block = cache.scratch;
  for (std::size_t li = n_layers; li-- > 0;) {
    const StaircaseLayer& s = stairs_[li];
    const MatrixXd& w = w_sorted_[li];
    const MatrixXd& input = li == 0 ? cache.input : cache.hidden[li - 1];
    const MatrixXd& g_out = li + 1 == n_layers ? dout : g;  // the last layer's gradient in the caller's layout
    double* gw = grad + offset[li];
    double* gb = gw + w_[li].size();
    const Index w_rows = w_[li].rows();
    for (const StaircaseLayer::Block& b : s.blocks) {
      const ConstStrided gblock = block_of(g_out, b);
      for (Index r = 0; r < b.rows; ++r) gb[s.row_of[static_cast<std::size_t>(b.row0 + r)]] += gblock.col(r).sum();
      if (b.cols == 0) continue;
      // Weight gradient over the block's prefix; entries beyond a row's own prefix are masked and dropped.
      gw_block.resize(b.rows, b.cols);
      gw_block.noalias() = gblock.transpose() * input.leftCols(b.cols);
      for (Index c = 0; c < b.cols; ++c) {
        double* gw_col = gw + s.col_of[static_cast<std::size_t>(c)] * w_rows;
        for (Index r = 0; r < b.rows; ++r) {
          const std::size_t row = static_cast<std::size_t>(b.row0 + r);
          if (s.prefix[row] > c) gw_col[s.row_of[row]] += gw_block(r, c);
        }
      }
    }
    if (li == 0 && dx == nullptr) break;
    g_in.setZero(n, w.cols());
    for (const StaircaseLayer::Block& b : s.blocks)
      if (b.cols > 0) g_in.leftCols(b.cols).noalias() += block_of(g_out, b) * w.block(b.row0, 0, b.rows, b.cols);
    if (li > 0) {
      activation_backward(cache.hidden[li - 1], g_in);
      g.swap(g_in);
    } else {
      dx->resize(n, w.cols());
      for (Index c = 0; c < w.cols(); ++c) dx->col(s.col_of[static_cast<std::size_t>(c)]) = g_in.col(c);
    }
  }
}

}  // namespace flowprior
