#pragma once
// The masked products of a MADE (arXiv:1502.03509 §4) without its structural zeros. With every layer's units
// sorted by degree, each unit's inputs are a prefix of the previous layer's units (a staircase mask), so the
// product of a block of rows needs only the prefix of its widest row. About half of a MADE's masked weights are
// zero; the dense product multiplies them all.
#include <vector>

#include "flowprior/core/types.hpp"

namespace flowprior {

struct StaircaseLayer {
  struct Block {
    Index row0 = 0;  // first computed row
    Index rows = 0;
    Index cols = 0;  // prefix of computed columns used by the block (that of its widest row)
    // Where the block's rows are stored in the layer's output: column first + k stride for row k. A hidden layer
    // stores its units in computed order (first = row0, stride 1); the last layer writes the caller's layout.
    Index first = 0;
    Index stride = 1;
  };
  std::vector<Index> row_of;  // computed row -> row of the mask (unit of this layer)
  std::vector<Index> col_of;  // computed column -> column of the mask (the previous layer's row_of, or the input)
  std::vector<Index> prefix;  // nonzero computed columns of each computed row: exactly [0, prefix); ascending
                              // except in a last layer computed as one block
  std::vector<Block> blocks;  // contiguous, covering every computed row; blocks with cols = 0 do no product
};

// One StaircaseLayer per mask (layer l's columns are layer l-1's rows), or an empty vector when the masks have no
// such order (for example fewer hidden units than degrees); the products then stay dense. The last layer has one
// block per set of rows with the same prefix, which must be evenly spaced in the mask's rows (MADE's outputs for
// one coordinate are: made_affine.hpp's block layout).
std::vector<StaircaseLayer> staircase_layers(const std::vector<MatrixXd>& masks);

}  // namespace flowprior
