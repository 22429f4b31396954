// The exact test models: linear, y = A x + b, and quadratic, y = A (x * x) + b with x * x elementwise (a
// sign-symmetric, hence bimodal, problem). Keys of the dataset: matrix = [[...], ...] (one row per output, one
// column per parameter of [parameters]) and offset = [...] (default 0).
#include <memory>

#include "flowprior/workflow/analysis_config.hpp"
#include "flowprior/workflow/model_registry.hpp"

namespace flowprior {
namespace {

nlohmann::json matrix_json(const MatrixXd& m) {
  nlohmann::json rows = nlohmann::json::array();
  for (Index i = 0; i < m.rows(); ++i) {
    nlohmann::json row = nlohmann::json::array();
    for (Index j = 0; j < m.cols(); ++j) row.push_back(m(i, j));
    rows.push_back(row);
  }
  return rows;
}

class MatrixModel final : public DatasetModel {
 public:
  MatrixModel(MatrixXd a, VectorXd b, bool square) : a_(std::move(a)), b_(std::move(b)), square_(square) {}
  std::string kind() const override { return square_ ? "quadratic" : "linear"; }
  std::vector<std::string> observables(const DatasetConfig& dataset, const GaussianDataset& data) const override {
    if (a_.rows() != data.values.size())
      throw Error(ErrorContext{.file = dataset.data_file},
                  "dataset '" + dataset.name + "': the built-in model has " + std::to_string(a_.rows()) +
                      " outputs, the data " + std::to_string(data.values.size()) + " rows");
    return data.observables;
  }
  std::shared_ptr<const GaussianLikelihood> likelihood(GaussianDataset data, const Box& box, bool) const override {
    const MatrixXd a = a_;
    const VectorXd b = b_;
    const bool square = square_;
    DirectModel model = [a, b, square](const MatrixXd& x, MatrixXd& y) {
      y = square ? MatrixXd(x.array().square().matrix() * a.transpose()) : MatrixXd(x * a.transpose());
      y.rowwise() += b.transpose();
    };
    std::vector<std::string> outputs;
    for (Index i = 0; i < a.rows(); ++i) outputs.push_back("y" + std::to_string(i));
    return std::make_shared<GaussianLikelihood>(std::move(data), model, box.names(), outputs);
  }
  bool has_direct() const override { return true; }
  // A parameter whose column of the matrix is zero does not enter the predictions.
  std::optional<std::vector<std::string>> parameters_used(const Box& box) const override {
    std::vector<std::string> used;
    for (int j = 0; j < box.dim() && j < a_.cols(); ++j)
      if (a_.col(j).cwiseAbs().maxCoeff() > 0) used.push_back(box.names()[static_cast<std::size_t>(j)]);
    return used;
  }
  nlohmann::json identity() const override {
    return {{"model", kind()}, {"emulator", ""}, {"matrix", matrix_json(a_)}, {"offset", matrix_json(b_)}};
  }
  const MatrixXd& matrix() const { return a_; }

 private:
  MatrixXd a_;
  VectorXd b_;
  bool square_;
};

class MatrixFamily final : public ModelFamily {
 public:
  explicit MatrixFamily(bool square) : square_(square) {}
  std::shared_ptr<const DatasetModel> make(ConfigTable& t, const DatasetConfig&, const Box& box) const override {
    const MatrixXd a = t.get_matrix("matrix");
    const VectorXd b = t.has("offset") ? t.get_vector("offset") : VectorXd::Zero(a.rows());
    if (b.size() != a.rows())
      throw Error(t.where("offset"), "has " + std::to_string(b.size()) + " entries, matrix has " +
                                         std::to_string(a.rows()) + " rows");
    if (a.cols() != box.dim())
      throw Error(t.where("matrix"), "has " + std::to_string(a.cols()) + " columns, there are " +
                                         std::to_string(box.dim()) + " parameters");
    return std::make_shared<MatrixModel>(a, b, square_);
  }

 private:
  bool square_;
};

}  // namespace

std::shared_ptr<ModelFamily> make_linear_family() { return std::make_shared<MatrixFamily>(false); }
std::shared_ptr<ModelFamily> make_quadratic_family() { return std::make_shared<MatrixFamily>(true); }

}  // namespace flowprior
