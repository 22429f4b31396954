// The `interrupt` hooks of the options (issue 20: the Python module raises KeyboardInterrupt from them on Ctrl-C):
// a throwing hook stops the ensemble, the SMC and flow training, every ensemble step completed before it reached
// the observer, and the chain continued from there is bitwise the uninterrupted one; the SMC checkpoint of the
// last completed iteration resumes bitwise.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>

#include "flowprior/core/evaluator.hpp"
#include "flowprior/density/targets.hpp"
#include "flowprior/density/uniform_box.hpp"
#include "flowprior/flow/train.hpp"
#include "flowprior/sampler/ensemble.hpp"
#include "flowprior/sampler/persistent.hpp"

namespace flowprior {
namespace {

struct InterruptTestStop {};  // what the hook throws (the Python module throws pybind11::error_already_set)

MatrixXd interrupt_test_ball(Index walkers, int dim) {
  Rng rng(9);
  MatrixXd x(walkers, dim);
  rng.fill_normal(x);
  return 0.1 * x;
}

TEST(InterruptHook, StopsTheEnsembleAndKeepsEveryCompletedStep) {
  const Target t = make_target("gaussian", 3);
  EnsembleOptions o;
  o.seed = 4;
  int calls = 0;
  o.interrupt = [&calls] {
    if (++calls > 37) throw InterruptTestStop{};
  };
  EnsembleSampler sampler(o);
  EnsembleState state = sampler.start(*t.likelihood, interrupt_test_ball(8, 3));
  Chain kept;
  kept.reset(8, 3);
  auto keep = [&](Index, const MatrixXd& x, const VectorXd& lp, const VectorXd& acc) { kept.append(x, lp, acc); };
  EXPECT_THROW(sampler.advance(*t.likelihood, state, 100, keep), InterruptTestStop);
  ASSERT_EQ(kept.steps, 37);
  ASSERT_EQ(state.step, 37);
  EnsembleOptions plain = o;
  plain.interrupt = nullptr;
  EnsembleSampler again(plain);
  again.advance(*t.likelihood, state, 100, keep);  // continue from where the hook stopped it
  kept.trim();
  const Chain whole = EnsembleSampler(plain).run(*t.likelihood, interrupt_test_ball(8, 3), 100);
  EXPECT_EQ(kept.positions, whole.positions);
  EXPECT_EQ(kept.log_prob, whole.log_prob);
  EXPECT_EQ(kept.accepted, whole.accepted);
}

TEST(InterruptHook, StopsFlowTraining) {
  Rng rng(1);
  MatrixXd u(2000, 2);
  rng.fill_normal(u);
  TrainOptions o;
  o.max_epochs = 1000;
  o.patience = 1000;
  o.batch_size = 100;
  int calls = 0;
  o.interrupt = [&calls] {
    if (++calls > 45) throw InterruptTestStop{};
  };
  Flow flow;
  EXPECT_THROW(train_flow_unbounded(u, VectorXd(), VectorXd(), o, flow), InterruptTestStop);
  EXPECT_EQ(calls, 46);  // once per minibatch: 18 per epoch here, so it stopped inside the third epoch
}

TEST(InterruptHook, StopsTheSmcAndItsCheckpointResumesBitwise) {
  const Target t = make_target("gaussian", 2);
  const UniformBox prior(t.prior_box);
  const PriorModel model{prior, t.prior_box, [&prior](Index n, Rng& rng) { return prior.sample(n, rng); }};
  const std::string checkpoint =
      (std::filesystem::temp_directory_path() / ("fp_interrupt_" + std::to_string(::getpid()) + ".ckpt")).string();
  std::filesystem::remove(checkpoint);
  PersistentOptions o;
  o.n_active = 64;
  o.n_effective = 128;
  o.n_total = 256;
  o.seed = 3;
  o.progress = false;
  o.checkpoint = checkpoint;
  o.resume = true;
  int iterations = 0;
  o.interrupt = [&iterations] {
    if (++iterations > 4) throw InterruptTestStop{};
  };
  ThreadEvaluator evaluator(1);
  EXPECT_THROW(PersistentSampler(o).run(model, *t.likelihood, evaluator), InterruptTestStop);
  ASSERT_TRUE(std::filesystem::exists(checkpoint));
  o.interrupt = nullptr;
  ThreadEvaluator evaluator2(1);
  const SmcResult resumed = PersistentSampler(o).run(model, *t.likelihood, evaluator2);
  std::filesystem::remove(checkpoint);
  o.checkpoint.clear();
  ThreadEvaluator evaluator3(1);
  const SmcResult whole = PersistentSampler(o).run(model, *t.likelihood, evaluator3);
  EXPECT_TRUE(whole.converged);
  EXPECT_EQ(resumed.x, whole.x);
  EXPECT_EQ(resumed.log_z, whole.log_z);
}

}  // namespace
}  // namespace flowprior
