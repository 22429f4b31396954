#include <gtest/gtest.h>

#include <atomic>
#include <cmath>

#include "flowprior/core/error.hpp"
#include "flowprior/core/evaluator.hpp"
#include "flowprior/core/rng.hpp"
#include "flowprior/core/thread_pool.hpp"

using namespace flowprior;

TEST(Rng, SameSeedSameStreamGivesSameNumbers) {
  Rng a(42, 3), b(42, 3), c(42, 4);
  for (int i = 0; i < 10; ++i) {
    const auto va = a.next_u64();
    EXPECT_EQ(va, b.next_u64());
    EXPECT_NE(va, c.next_u64());
  }
}

TEST(Rng, NormalMomentsWithinStatisticalTolerance) {
  Rng rng(1);
  MatrixXd z(200000, 1);
  rng.fill_normal(z);
  const double n = static_cast<double>(z.size());
  const double mean = z.mean();
  const double var = (z.array() - mean).square().sum() / (n - 1);
  const double kurt = (z.array() - mean).pow(4).mean() / (var * var);
  EXPECT_LT(std::abs(mean), 5.0 / std::sqrt(n));             // 5 sigma
  EXPECT_LT(std::abs(var - 1.0), 5.0 * std::sqrt(2.0 / n));   // 5 sigma
  EXPECT_LT(std::abs(kurt - 3.0), 5.0 * std::sqrt(24.0 / n));
}

TEST(Rng, IndexIsUniform) {
  Rng rng(5);
  std::vector<int> counts(7, 0);
  const int n = 70000;
  for (int i = 0; i < n; ++i) ++counts[rng.index(7)];
  for (int c : counts) EXPECT_NEAR(c, n / 7.0, 5 * std::sqrt(n / 7.0));
}

TEST(ThreadPool, RunsEveryTaskOnceAndRethrowsLowestIndexError) {
  ThreadPool pool(2);
  std::vector<std::atomic<int>> hits(100);
  pool.parallel_for(100, [&](std::size_t i) { hits[i]++; });
  for (auto& h : hits) EXPECT_EQ(h.load(), 1);
  try {
    pool.parallel_for(10, [](std::size_t i) {
      if (i == 3 || i == 7) throw Error("task " + std::to_string(i));
    });
    FAIL();
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "task 3");
  }
}

namespace {
struct SumSquares : LogDensity {
  int dim() const override { return 3; }
  void log_prob(const MatrixXd& x, VectorXd& out) const override { out = -0.5 * x.rowwise().squaredNorm(); }
};
}  // namespace

TEST(ThreadEvaluator, BitwiseIdenticalForOneAndTwoThreads) {
  Rng rng(9);
  MatrixXd x(1001, 3);
  rng.fill_normal(x);
  SumSquares target;
  ThreadEvaluator one(1), two(2, 64);
  VectorXd a, b;
  one.evaluate(target, x, a);
  two.evaluate(target, x, b);
  ASSERT_EQ(a.size(), b.size());
  for (Index i = 0; i < a.size(); ++i) EXPECT_EQ(a[i], b[i]);
  EXPECT_EQ(two.calls(), 1001u);
}
