#include <gtest/gtest.h>

#include <algorithm>

#include <cmath>
#include <set>

#include "analytic_model.hpp"
#include "flowprior/core/error.hpp"
#include "flowprior/emulator/design.hpp"
#include "flowprior/emulator/emulator.hpp"
#include "flowprior/emulator/validation.hpp"

using namespace flowprior;
using flowprior::testing::analytic_box;
using flowprior::testing::analytic_model;
using flowprior::testing::analytic_output_names;

namespace {

EmulatorOptions fast_options() {
  EmulatorOptions o;
  o.kernel = KernelType::matern52;
  o.variance_fraction = 0.999;
  o.gp.restarts = 3;
  o.threads = 2;
  return o;
}

// Trained once for the whole program: 200 design points, 5 parameters, 20 outputs.
struct Trained {
  MatrixXd design, outputs;
  Emulator emulator;
  EmulatorSummary summary;
};

const Trained& trained() {
  static const Trained t = [] {
    Trained r;
    r.design = maximin_latin_hypercube(analytic_box(), 200, {.seed = 1});
    r.outputs = analytic_model(r.design);
    r.emulator = Emulator::train(r.design, r.outputs, analytic_box().names(), analytic_output_names(),
                                 fast_options(), &r.summary);
    return r;
  }();
  return t;
}

}  // namespace

TEST(Design, LatinHypercubeHasOnePointPerStratumAndIsSeeded) {
  const Box box({"p", "q", "r"}, VectorXd::Constant(3, -2.0), VectorXd::Constant(3, 3.0));
  DesignSummary summary;
  const MatrixXd x = maximin_latin_hypercube(box, 40, {.seed = 3}, &summary);
  ASSERT_EQ(x.rows(), 40);
  for (int c = 0; c < 3; ++c) {
    std::set<int> strata;
    for (Index i = 0; i < 40; ++i) {
      const double u = (x(i, c) + 2.0) / 5.0;
      ASSERT_GE(u, 0.0);
      ASSERT_LT(u, 1.0);
      strata.insert(static_cast<int>(std::floor(u * 40)));
    }
    EXPECT_EQ(strata.size(), 40u) << "column " << c;
  }
  EXPECT_EQ(maximin_latin_hypercube(box, 40, {.seed = 3}), x);
  EXPECT_NE(maximin_latin_hypercube(box, 40, {.seed = 4}), x);
  // Maximin improves on a plain random Latin hypercube (candidates = 1, no swaps) with the same seed.
  DesignSummary plain;
  maximin_latin_hypercube(box, 40, {.seed = 3, .candidates = 1, .swap_iterations = 0}, &plain);
  EXPECT_GT(summary.min_distance, plain.min_distance);
  EXPECT_THROW(maximin_latin_hypercube(box, 1), Error);
}

TEST(Emulator, HeldOutResidualsAreCalibrated) {
  const Trained& t = trained();
  EXPECT_GE(t.summary.explained_variance, 0.999);
  EXPECT_GE(t.summary.components, 2);
  const MatrixXd held_design = maximin_latin_hypercube(analytic_box(), 100, {.seed = 2});
  const MatrixXd held_outputs = analytic_model(held_design);
  const ValidationReport report = validate_emulator(t.emulator, held_design, held_outputs);
  EXPECT_NEAR(report.pooled.mean, 0.0, 0.25);
  EXPECT_NEAR(report.pooled.sd, 1.0, 0.3);
  EXPECT_GE(report.pooled.coverage95, 0.90);
  EXPECT_LE(report.pooled.coverage95, 0.99);
  EXPECT_TRUE(report.trustworthy) << report.to_text();
  ASSERT_EQ(report.leave_one_out.size(), static_cast<std::size_t>(t.emulator.components()));
  for (const auto& loo : report.leave_one_out) EXPECT_GT(loo.coverage95, 0.8) << loo.name;
}

TEST(Emulator, ValidationFlagsAnOverconfidentEmulator) {
  const Trained& t = trained();
  const MatrixXd held_design = maximin_latin_hypercube(analytic_box(), 50, {.seed = 5});
  MatrixXd wrong = analytic_model(held_design);
  wrong.array() += 0.5;  // a model that moved: residuals far outside the emulator's uncertainty
  const ValidationReport report = validate_emulator(t.emulator, held_design, wrong);
  EXPECT_FALSE(report.trustworthy);
  EXPECT_FALSE(report.problems.empty());
}

TEST(Emulator, MarginalSdIsTheDiagonalOfTheFullCovariance) {
  const Trained& t = trained();
  const MatrixXd x = maximin_latin_hypercube(analytic_box(), 5, {.seed = 9});
  MatrixXd mean, var, mean2, sd;
  t.emulator.predict(x, mean, var);
  t.emulator.predict_marginal(x, mean2, sd);
  EXPECT_EQ(mean, mean2);
  for (Index i = 0; i < x.rows(); ++i) {
    const MatrixXd cov = t.emulator.covariance(var.row(i));
    EXPECT_LT((cov - cov.transpose()).cwiseAbs().maxCoeff(), 1e-14);
    for (int j = 0; j < t.emulator.outputs(); ++j) EXPECT_NEAR(std::sqrt(cov(j, j)), sd(i, j), 1e-12);
  }
  // The dropped components' covariance is a fixed term: the same matrix whatever is predicted.
  EXPECT_GT(t.emulator.truncation_covariance().trace(), 0.0);
}

TEST(Emulator, PredictionOfARowDoesNotDependOnTheBatch) {
  const Trained& t = trained();
  const MatrixXd x = maximin_latin_hypercube(analytic_box(), 333, {.seed = 10});
  MatrixXd mean, var, mean_sd, sd;
  t.emulator.predict(x, mean, var);
  t.emulator.predict_marginal(x, mean_sd, sd);
  // Bitwise: every row goes through the same operations whatever the batch size or its position in the batch.
  for (Index batch : {1, 7, 50}) {
    for (Index start = 0; start < x.rows(); start += batch) {
      const Index len = std::min(batch, x.rows() - start);
      MatrixXd m, v, ms, s;
      t.emulator.predict(x.middleRows(start, len), m, v);
      t.emulator.predict_marginal(x.middleRows(start, len), ms, s);
      for (Index i = 0; i < len; ++i) {
        ASSERT_EQ(m.row(i), mean.row(start + i)) << "batch " << batch << " row " << start + i;
        ASSERT_EQ(v.row(i), var.row(start + i)) << "batch " << batch << " row " << start + i;
        ASSERT_EQ(s.row(i), sd.row(start + i)) << "batch " << batch << " row " << start + i;
      }
    }
  }
}

TEST(Emulator, JsonRoundTripIsExact) {
  const Trained& t = trained();
  const std::string text = t.emulator.to_json();
  const Emulator loaded = Emulator::from_json(text, "memory");
  EXPECT_EQ(loaded.to_json(), text);
  const MatrixXd x = maximin_latin_hypercube(analytic_box(), 20, {.seed = 12});
  MatrixXd m1, v1, m2, v2;
  t.emulator.predict(x, m1, v1);
  loaded.predict(x, m2, v2);
  EXPECT_EQ(m1, m2);
  EXPECT_EQ(v1, v2);
  EXPECT_EQ(loaded.truncation_covariance(), t.emulator.truncation_covariance());
}

TEST(Emulator, BadFilesAreErrorsNamingTheProblem) {
  auto message = [](const std::string& text) {
    try {
      Emulator::from_json(text, "e.json");
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message("{").find("not valid JSON"), std::string::npos);
  EXPECT_NE(message(R"({"format":"other"})").find("not a flowprior emulator"), std::string::npos);
  EXPECT_NE(message(R"({"format":"flowprior.emulator","version":7})").find("unsupported version"), std::string::npos);
  std::string text = trained().emulator.to_json();
  const auto pos = text.find("\"input_width\"");
  ASSERT_NE(pos, std::string::npos);
  text.replace(pos, 13, "\"input_widthX\"");
  EXPECT_NE(message(text).find("input_width"), std::string::npos);
  EXPECT_NE(message(text).find("missing key"), std::string::npos);
}

TEST(Emulator, TrainingIsIdenticalForAnyThreadCount) {
  const MatrixXd design = maximin_latin_hypercube(analytic_box(), 40, {.seed = 6});
  const MatrixXd outputs = analytic_model(design, 6);
  EmulatorOptions o = fast_options();
  o.components = 2;
  o.gp.restarts = 2;
  o.threads = 1;
  const Emulator one = Emulator::train(design, outputs, analytic_box().names(), analytic_output_names(6), o);
  o.threads = 2;
  const Emulator two = Emulator::train(design, outputs, analytic_box().names(), analytic_output_names(6), o);
  EXPECT_EQ(one.to_json(), two.to_json());
  EXPECT_EQ(one.components(), 2);
}

TEST(Emulator, BadTrainingInputsAreClearErrors) {
  const MatrixXd design = maximin_latin_hypercube(analytic_box(), 20, {.seed = 7});
  const MatrixXd outputs = analytic_model(design, 4);
  const auto names = analytic_box().names();
  const auto outs = analytic_output_names(4);
  EmulatorOptions o = fast_options();
  o.gp.restarts = 1;
  auto message = [&](const MatrixXd& x, const MatrixXd& y) {
    try {
      Emulator::train(x, y, names, outs, o);
    } catch (const Error& e) {
      return e;
    }
    return Error("no error");
  };
  // Row counts differ.
  const Error rows = message(design, outputs.topRows(19));
  EXPECT_NE(std::string(rows.what()).find("20 rows but the outputs have 19"), std::string::npos) << rows.what();
  // NaN in outputs: names the output and the row.
  MatrixXd nan_outputs = outputs;
  nan_outputs(4, 2) = std::nan("");
  const Error nan = message(design, nan_outputs);
  EXPECT_EQ(nan.context().parameter, "y2");
  EXPECT_EQ(nan.context().row, 4);
  // Duplicated design point: names both rows.
  MatrixXd dup = design;
  dup.row(11) = dup.row(3);
  const Error dupe = message(dup, outputs);
  EXPECT_EQ(dupe.context().row, 11);
  EXPECT_NE(std::string(dupe.what()).find("duplicates row 3"), std::string::npos) << dupe.what();
  // A parameter constant over the design.
  MatrixXd flat = design;
  flat.col(2).setConstant(0.5);
  EXPECT_EQ(message(flat, outputs).context().parameter, "c");
  // Too many components.
  o.components = 50;
  EXPECT_EQ(message(design, outputs).context().parameter, "components");
}

// Found by fuzz_emulator_file: a number beyond double range made nlohmann's out_of_range escape the reader.
TEST(EmulatorFile, NumberOverflowIsAnErrorNamingTheSource) {
  try {
    (void)flowprior::Emulator::from_json("{\"format\": \"flowprior.emulator\", \"version\": 1.3e22140577}", "over.json");
    FAIL() << "no error";
  } catch (const flowprior::Error& e) {
    EXPECT_NE(std::string(e.what()).find("over.json"), std::string::npos) << e.what();
  }
}
