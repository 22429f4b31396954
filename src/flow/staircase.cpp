#include "flowprior/flow/staircase.hpp"

#include <algorithm>
#include <limits>
#include <numeric>

namespace flowprior {

namespace {

Index nonzeros_in_row(const MatrixXd& m, Index r) { return (m.row(r).array() != 0.0).count(); }
Index nonzeros_in_col(const MatrixXd& m, Index c) { return (m.col(c).array() != 0.0).count(); }

// Contiguous blocks of rows minimising the product's multiply count plus a per-product overhead. Eigen's kernel
// works on 4 columns of the result at a time (here: rows of the mask), so a block is charged for whole groups of
// 4; the overhead (packing, call) is counted as kOverhead multiply-adds per row of the batch.
std::vector<StaircaseLayer::Block> cheapest_blocks(const std::vector<Index>& prefix) {
  constexpr Index kOverhead = 96;
  const Index n = static_cast<Index>(prefix.size());
  std::vector<Index> best(static_cast<std::size_t>(n + 1), std::numeric_limits<Index>::max());
  std::vector<Index> start(static_cast<std::size_t>(n + 1), 0);
  best[0] = 0;
  for (Index end = 1; end <= n; ++end) {
    for (Index begin = 0; begin < end; ++begin) {
      const Index cols = prefix[static_cast<std::size_t>(end - 1)];  // prefixes ascend: the last row is widest
      const Index rows = (end - begin + 3) / 4 * 4;
      const Index cost = best[static_cast<std::size_t>(begin)] + (cols == 0 ? 0 : rows * cols + kOverhead);
      if (cost < best[static_cast<std::size_t>(end)]) {
        best[static_cast<std::size_t>(end)] = cost;
        start[static_cast<std::size_t>(end)] = begin;
      }
    }
  }
  std::vector<StaircaseLayer::Block> blocks;
  for (Index end = n; end > 0; end = start[static_cast<std::size_t>(end)]) {
    const Index begin = start[static_cast<std::size_t>(end)];
    blocks.push_back({begin, end - begin, prefix[static_cast<std::size_t>(end - 1)], begin, 1});
  }
  std::reverse(blocks.begin(), blocks.end());
  return blocks;
}

// One block per run of equal prefixes, stored at the mask's own rows; empty if a run's rows are not evenly spaced.
std::vector<StaircaseLayer::Block> blocks_in_mask_rows(const StaircaseLayer& s) {
  std::vector<StaircaseLayer::Block> blocks;
  const std::size_t n = s.prefix.size();
  for (std::size_t begin = 0, end = 0; begin < n; begin = end) {
    end = begin + 1;
    while (end < n && s.prefix[end] == s.prefix[begin]) ++end;
    const Index stride = end - begin > 1 ? s.row_of[begin + 1] - s.row_of[begin] : 1;
    if (stride < 1) return {};
    for (std::size_t r = begin; r < end; ++r)
      if (s.row_of[r] != s.row_of[begin] + static_cast<Index>(r - begin) * stride) return {};
    blocks.push_back({static_cast<Index>(begin), static_cast<Index>(end - begin), s.prefix[begin], s.row_of[begin],
                      stride});
  }
  return blocks;
}

}  // namespace

std::vector<StaircaseLayer> staircase_layers(const std::vector<MatrixXd>& masks) {
  std::vector<StaircaseLayer> layers(masks.size());
  for (std::size_t l = 0; l < masks.size(); ++l) {
    const MatrixXd& m = masks[l];
    StaircaseLayer& s = layers[l];
    if (l == 0) {
      // Inputs seen by more units have lower degrees and come first.
      s.col_of.resize(static_cast<std::size_t>(m.cols()));
      std::iota(s.col_of.begin(), s.col_of.end(), Index{0});
      std::stable_sort(s.col_of.begin(), s.col_of.end(),
                       [&](Index a, Index b) { return nonzeros_in_col(m, a) > nonzeros_in_col(m, b); });
    } else {
      if (masks[l - 1].rows() != m.cols()) return {};
      s.col_of = layers[l - 1].row_of;
    }
    // Units that see fewer inputs have lower degrees and come first; among hidden units of equal width, those seen
    // by more units of the next layer (lower degree) come first.
    s.row_of.resize(static_cast<std::size_t>(m.rows()));
    std::iota(s.row_of.begin(), s.row_of.end(), Index{0});
    const MatrixXd* next = l + 1 < masks.size() ? &masks[l + 1] : nullptr;
    std::stable_sort(s.row_of.begin(), s.row_of.end(), [&](Index a, Index b) {
      const Index wa = nonzeros_in_row(m, a), wb = nonzeros_in_row(m, b);
      if (wa != wb) return wa < wb;
      return next != nullptr && next->cols() == m.rows() && nonzeros_in_col(*next, a) > nonzeros_in_col(*next, b);
    });
    // The order must make every row's support exactly a prefix, ascending from row to row.
    s.prefix.resize(s.row_of.size());
    Index previous = 0;
    for (std::size_t r = 0; r < s.row_of.size(); ++r) {
      const Index row = s.row_of[r];
      const Index width = nonzeros_in_row(m, row);
      if (width < previous) return {};
      for (Index c = 0; c < m.cols(); ++c)
        if ((m(row, s.col_of[static_cast<std::size_t>(c)]) != 0.0) != (c < width)) return {};
      s.prefix[r] = previous = width;
    }
    if (l + 1 < masks.size()) {
      s.blocks = cheapest_blocks(s.prefix);
      continue;
    }
    // The last layer: one block per run of equal prefixes when the runs are long enough for an efficient product
    // (Eigen's kernel covers 4 columns of the result at a time), else a single block in the mask's row order.
    constexpr std::size_t kMinRowsPerBlock = 8;
    s.blocks = blocks_in_mask_rows(s);
    if (s.blocks.empty() || s.prefix.size() < kMinRowsPerBlock * s.blocks.size()) {
      std::iota(s.row_of.begin(), s.row_of.end(), Index{0});
      for (std::size_t r = 0; r < s.row_of.size(); ++r) s.prefix[r] = nonzeros_in_row(m, static_cast<Index>(r));
      const Index widest = s.prefix.empty() ? 0 : *std::max_element(s.prefix.begin(), s.prefix.end());
      s.blocks = {{0, m.rows(), widest, 0, 1}};
    }
  }
  return layers;
}

}  // namespace flowprior
