// MADE's masked products without the structural zeros (staircase.hpp, mlp_staircase.cpp) against a dense product
// of the same masked weights, and the staircase order itself.
#include <gtest/gtest.h>

#include "flow_test_util.hpp"
#include "flowprior/flow/made_affine.hpp"
#include "flowprior/flow/mlp.hpp"
#include "flowprior/flow/staircase.hpp"

using namespace flowprior;
using namespace flowprior::test;

namespace {

struct MadeCase {
  int dim;
  std::vector<int> hidden;
  int per_input;
  bool reverse;
};

std::vector<MatrixXd> masks_of(const MadeCase& c) {
  std::vector<int> degree(static_cast<std::size_t>(c.dim));
  for (int j = 0; j < c.dim; ++j) degree[static_cast<std::size_t>(j)] = c.reverse ? c.dim - j : j + 1;
  return made_masks(degree, c.hidden, c.per_input);
}

// Reference: dense products of the masked weights, ReLU hidden layers, as mlp.hpp defines the network.
struct DenseRun {
  MatrixXd out, dx;
  VectorXd grad;
};

DenseRun dense_run(const Mlp& net, const std::vector<MatrixXd>& masks, const MatrixXd& x, const MatrixXd& dout) {
  const auto& w = net.weights();
  VectorXd params(net.num_params());
  net.get_params(params.data());
  std::vector<VectorXd> b;
  Index off = 0;
  for (const MatrixXd& wl : w) {
    off += wl.size();
    b.push_back(params.segment(off, wl.rows()));
    off += wl.rows();
  }
  std::vector<MatrixXd> act{x};
  for (std::size_t l = 0; l < w.size(); ++l) {
    MatrixXd z = act.back() * w[l].transpose();
    z.rowwise() += b[l].transpose();
    act.push_back(l + 1 < w.size() ? MatrixXd(z.cwiseMax(0.0)) : z);
  }
  DenseRun r;
  r.out = act.back();
  r.grad = VectorXd::Zero(net.num_params());
  MatrixXd g = dout;
  off = net.num_params();
  for (std::size_t l = w.size(); l-- > 0;) {
    off -= w[l].size() + w[l].rows();
    Eigen::Map<MatrixXd>(r.grad.data() + off, w[l].rows(), w[l].cols()) =
        (g.transpose() * act[l]).cwiseProduct(masks[l]);
    r.grad.segment(off + w[l].size(), w[l].rows()) = g.colwise().sum().transpose();
    MatrixXd g_in = g * w[l];
    if (l > 0) g_in = (act[l].array() > 0.0).select(g_in, 0.0);
    g = g_in;
  }
  r.dx = g;
  return r;
}

class StaircaseTest : public ::testing::TestWithParam<MadeCase> {};

TEST_P(StaircaseTest, EveryRowsSupportIsItsPrefixAndTheBlocksCoverIt) {
  const MadeCase c = GetParam();
  const std::vector<MatrixXd> masks = masks_of(c);
  const std::vector<StaircaseLayer> stairs = staircase_layers(masks);
  ASSERT_EQ(stairs.size(), masks.size());
  for (std::size_t l = 0; l < masks.size(); ++l) {
    const StaircaseLayer& s = stairs[l];
    const MatrixXd& m = masks[l];
    std::vector<int> covered(static_cast<std::size_t>(m.rows()), 0);
    for (const auto& b : s.blocks)
      for (Index r = b.row0; r < b.row0 + b.rows; ++r) {
        ++covered[static_cast<std::size_t>(r)];
        EXPECT_LE(s.prefix[static_cast<std::size_t>(r)], b.cols) << "layer " << l << " row " << r;
        // Where the block stores the row is where the mask has it (hidden layers: computed order).
        const Index stored = b.first + (r - b.row0) * b.stride;
        EXPECT_EQ(stored, l + 1 == masks.size() ? s.row_of[static_cast<std::size_t>(r)] : r);
      }
    for (Index r = 0; r < m.rows(); ++r) {
      EXPECT_EQ(covered[static_cast<std::size_t>(r)], 1) << "layer " << l << " row " << r;
      for (Index cc = 0; cc < m.cols(); ++cc)
        EXPECT_EQ(m(s.row_of[static_cast<std::size_t>(r)], s.col_of[static_cast<std::size_t>(cc)]) != 0.0,
                  cc < s.prefix[static_cast<std::size_t>(r)])
            << "layer " << l << " row " << r << " column " << cc;
    }
    if (l > 0) {
      EXPECT_EQ(s.col_of, stairs[l - 1].row_of) << "layer " << l;
    }
  }
}

TEST_P(StaircaseTest, ProductsEqualTheDenseMaskedProducts) {
  const MadeCase c = GetParam();
  const std::vector<MatrixXd> masks = masks_of(c);
  Rng rng(17);
  std::vector<int> sizes{c.dim};
  sizes.insert(sizes.end(), c.hidden.begin(), c.hidden.end());
  sizes.push_back(c.per_input * c.dim);
  Mlp net(sizes, Activation::relu, rng, /*zero_last=*/false);
  net.set_masks(masks);
  const VectorXd params = random_params(net.num_params(), rng, 0.4);
  net.set_params(params.data());  // masked weights back to 0
  for (Index rows : {1, 7, 130}) {
    const MatrixXd x = random_matrix(rows, c.dim, rng);
    const MatrixXd dout = random_matrix(rows, net.out(), rng);
    const DenseRun ref = dense_run(net, masks, x, dout);
    Mlp::Cache cache;
    MatrixXd out, dx;
    net.forward(x, out, cache);
    VectorXd grad = VectorXd::Constant(net.num_params(), 0.25);  // backward adds to it
    net.backward(x, dout, cache, &dx, grad.data());
    grad.array() -= 0.25;
    const double scale = 1.0 + ref.grad.cwiseAbs().maxCoeff();
    EXPECT_LT((out - ref.out).cwiseAbs().maxCoeff(), 1e-12 * (1.0 + ref.out.cwiseAbs().maxCoeff())) << rows;
    EXPECT_LT((dx - ref.dx).cwiseAbs().maxCoeff(), 1e-12 * (1.0 + ref.dx.cwiseAbs().maxCoeff())) << rows;
    EXPECT_LT((grad - ref.grad).cwiseAbs().maxCoeff(), 1e-12 * scale) << rows;
    // Masked weights get exactly no gradient (Adam would otherwise move them).
    Index off = 0;
    for (std::size_t l = 0; l < masks.size(); ++l) {
      for (Index k = 0; k < masks[l].size(); ++k)
        if (masks[l].data()[k] == 0.0) {
          EXPECT_EQ(grad(off + k), 0.0) << "layer " << l << " weight " << k;
        }
      off += masks[l].size() + masks[l].rows();
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    MadeMasks, StaircaseTest,
    ::testing::Values(MadeCase{10, {64, 64}, 23, false}, MadeCase{10, {64, 64}, 23, true},
                      MadeCase{10, {64, 64, 64}, 2, true},  // MAF: short output runs, one output block
                      MadeCase{6, {3}, 2, false},           // fewer hidden units than degrees
                      MadeCase{5, {8, 8}, 11, false}, MadeCase{1, {4}, 2, false}, MadeCase{2, {5}, 3, true}),
    [](const auto& info) {
      const MadeCase& c = info.param;
      return "d" + std::to_string(c.dim) + "_h" + std::to_string(c.hidden.front()) + "x" +
             std::to_string(c.hidden.size()) + "_p" + std::to_string(c.per_input) + (c.reverse ? "_reversed" : "");
    });

TEST(Staircase, SkipsAboutHalfOfAMadesProducts) {
  // 10-D, 2 x 64 hidden, 8-bin spline outputs: the dense products multiply 23 552 weights per row.
  const std::vector<MatrixXd> masks = masks_of({10, {64, 64}, 23, false});
  const std::vector<StaircaseLayer> stairs = staircase_layers(masks);
  ASSERT_FALSE(stairs.empty());
  Index dense = 0, blocked = 0;
  for (std::size_t l = 0; l < masks.size(); ++l) {
    dense += masks[l].size();
    for (const auto& b : stairs[l].blocks) blocked += b.rows * b.cols;
  }
  EXPECT_EQ(dense, 640 + 64 * 64 + 64 * 230);
  EXPECT_LT(static_cast<double>(blocked), 0.6 * static_cast<double>(dense));
  EXPECT_GE(blocked, static_cast<Index>((masks[0].array() != 0).count() + (masks[1].array() != 0).count() +
                                        (masks[2].array() != 0).count()));
}

TEST(Staircase, MasksWithoutAnOrderStayDense) {
  // A mask whose rows' supports are not nested has no staircase order.
  MatrixXd m(2, 2);
  m << 1, 0, 0, 1;
  EXPECT_TRUE(staircase_layers({m, MatrixXd::Ones(1, 2)}).empty());
}

}  // namespace
