#include "flowprior/sampler/persistent_flow.hpp"

#include <algorithm>

#include "flowprior/core/error.hpp"
#include "flowprior/flow/flow.hpp"
#include "flowprior/flow/train.hpp"
#include "flowprior/flow/train_settings.hpp"
#include "flowprior/sampler/persistent.hpp"

namespace flowprior {
namespace {

class FlowMap : public LatentMap {
 public:
  FlowMap(const PersistentOptions& o, int dim) : dim_(dim) {
    FlowTrainSettings s = preconditioner_flow_settings();
    s.arch = o.flow_arch;
    s.layers = o.flow_layers;
    s.hidden = o.flow_hidden;
    s.epochs = o.flow_epochs;
    s.patience = o.flow_patience;
    train_ = to_train_options(s);  // validates the flow configuration
    config_ = train_.flow;
    train_.interrupt = o.interrupt;
    train_.messages.status_sink = o.messages.status_sink;
    train_.messages.warning_sink = [](const std::string&) {};  // returned in TrainInfo; the sampler reports them
  }

  TrainInfo train(const MatrixXd& u, const VectorXd& weights, std::uint64_t seed) override {
    TrainOptions o = train_;
    o.seed = seed;
    o.batch_size = static_cast<int>(std::clamp<Index>(u.rows() / 4, 32, 512));
    const TrainSummary s = train_flow_unbounded(u, weights, VectorXd(), o, flow_, flow_.dim() > 0);
    return {s.best_validation_loss, s.epochs, s.warnings};
  }
  void to_latent(const MatrixXd& u, MatrixXd& theta, VectorXd& log_det) const override {
    flow_.to_latent(u, theta, log_det);
  }
  void to_data(const MatrixXd& theta, MatrixXd& u, VectorXd& log_det) const override {
    flow_.to_data(theta, u, log_det);
  }
  void sample(Index n, Rng& rng, MatrixXd& u, VectorXd& log_q) const override { flow_.sample(n, rng, u, log_q); }
  bool trained() const override { return flow_.dim() > 0; }

  std::vector<double> state() const override {
    if (flow_.dim() == 0) return {};
    std::vector<double> s;
    const VectorXd p = flow_.params();
    s.insert(s.end(), flow_.standardization_mean().data(), flow_.standardization_mean().data() + dim_);
    s.insert(s.end(), flow_.standardization_scale().data(), flow_.standardization_scale().data() + dim_);
    s.insert(s.end(), p.data(), p.data() + p.size());
    return s;
  }
  void restore(const std::vector<double>& s) override {
    if (s.empty()) {
      flow_ = Flow();
      return;
    }
    Rng rng(0);
    Flow f(dim_, config_, rng);
    const auto d = static_cast<std::size_t>(dim_);
    if (s.size() != 2 * d + static_cast<std::size_t>(f.num_params()))
      throw Error(ErrorContext{.parameter = "flow_state"}, "checkpoint flow does not match the flow options");
    f.set_standardization(Eigen::Map<const VectorXd>(s.data(), dim_), Eigen::Map<const VectorXd>(s.data() + d, dim_));
    f.set_params(Eigen::Map<const VectorXd>(s.data() + 2 * d, f.num_params()));
    flow_ = std::move(f);
  }

 private:
  int dim_;
  FlowConfig config_;
  TrainOptions train_;
  Flow flow_;
};

}  // namespace

std::unique_ptr<LatentMap> make_flow_map(const PersistentOptions& options, int dim) {
  return std::make_unique<FlowMap>(options, dim);
}

}  // namespace flowprior
