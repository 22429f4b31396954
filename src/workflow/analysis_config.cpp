#include "flowprior/workflow/analysis_config.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>
#include <toml++/toml.h>

#include "flowprior/core/error.hpp"
#include "flowprior/io/params_toml.hpp"
#include "flowprior/workflow/config_checks.hpp"

namespace flowprior {
namespace {

long line_of(const toml::node& node) { return static_cast<long>(node.source().begin.line); }

// Typed access to one TOML table that remembers which keys were read, so that everything left over is reported
// as unknown with its line.
class TableReader {
 public:
  TableReader(const toml::table& table, std::string source, std::string prefix)
      : table_(table), source_(std::move(source)), prefix_(std::move(prefix)) {}

  ErrorContext where(const std::string& key) const {
    const toml::node* node = table_.get(key);
    return ErrorContext{.file = source_, .line = node ? line_of(*node) : line_of(table_), .parameter = prefix_ + key};
  }
  const toml::node* node(const std::string& key) {
    used_.insert(key);
    return table_.get(key);
  }
  bool has(const std::string& key) const { return table_.contains(key); }

  template <class T>
  void get(const std::string& key, T& out, const char* type_name) {
    const toml::node* n = node(key);
    if (!n) return;
    if constexpr (std::is_same_v<T, double>) {
      auto v = n->value<double>();  // integers are accepted where a real is expected
      if (!v) throw Error(where(key), std::string("must be ") + type_name);
      out = *v;
    } else if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
      if (!n->is_integer()) throw Error(where(key), std::string("must be ") + type_name);
      const auto v = n->as_integer()->get();
      if (v < 0) throw Error(where(key), "must not be negative");
      if (static_cast<std::uint64_t>(v) > static_cast<std::uint64_t>(std::numeric_limits<T>::max()))
        throw Error(where(key), "is too large (at most " + std::to_string(std::numeric_limits<T>::max()) + ")");
      out = static_cast<T>(v);
    } else {
      auto v = n->value_exact<T>();
      if (!v) throw Error(where(key), std::string("must be ") + type_name);
      out = *v;
    }
  }
  void get_string(const std::string& key, std::string& out) { get(key, out, "a string"); }
  void get_bool(const std::string& key, bool& out) { get(key, out, "true or false"); }
  template <class T>
  void get_int(const std::string& key, T& out) { get(key, out, "a non-negative integer"); }
  void get_double(const std::string& key, double& out) { get(key, out, "a number"); }

  std::vector<std::string> get_strings(const std::string& key) {
    std::vector<std::string> out;
    const toml::node* n = node(key);
    if (!n) return out;
    if (auto s = n->value_exact<std::string>()) return {*s};
    const toml::array* arr = n->as_array();
    if (!arr) throw Error(where(key), "must be a string or an array of strings");
    for (const auto& item : *arr) {
      auto s = item.value_exact<std::string>();
      if (!s) throw Error(where(key), "must be an array of strings");
      out.push_back(*s);
    }
    return out;
  }
  VectorXd get_vector(const std::string& key) {
    const toml::node* n = node(key);
    const toml::array* arr = n ? n->as_array() : nullptr;
    if (!arr) throw Error(where(key), "must be an array of numbers");
    VectorXd out(static_cast<Index>(arr->size()));
    for (std::size_t i = 0; i < arr->size(); ++i) {
      auto v = (*arr)[i].value<double>();
      if (!v) throw Error(where(key), "must be an array of numbers");
      out[static_cast<Index>(i)] = *v;
    }
    return out;
  }
  MatrixXd get_matrix(const std::string& key) {
    const toml::node* n = node(key);
    const toml::array* arr = n ? n->as_array() : nullptr;
    if (!arr || arr->empty()) throw Error(where(key), "must be an array of rows (arrays of numbers)");
    MatrixXd out;
    for (std::size_t i = 0; i < arr->size(); ++i) {
      const toml::array* row = (*arr)[i].as_array();
      if (!row) throw Error(where(key), "must be an array of rows (arrays of numbers)");
      if (i == 0) out.resize(static_cast<Index>(arr->size()), static_cast<Index>(row->size()));
      if (static_cast<Index>(row->size()) != out.cols())
        throw Error(where(key), "row " + std::to_string(i) + " has " + std::to_string(row->size()) +
                                    " entries, row 0 has " + std::to_string(out.cols()));
      for (std::size_t j = 0; j < row->size(); ++j) {
        auto v = (*row)[j].value<double>();
        if (!v) throw Error(where(key), "must be an array of rows (arrays of numbers)");
        out(static_cast<Index>(i), static_cast<Index>(j)) = *v;
      }
    }
    return out;
  }
  const toml::table* sub_table(const std::string& key) {
    const toml::node* n = node(key);
    if (!n) return nullptr;
    if (!n->is_table()) throw Error(where(key), "must be a table");
    return n->as_table();
  }
  // Every key that no getter asked for is unknown.
  void finish() const {
    for (auto&& [key, n] : table_)
      if (!used_.count(std::string(key)))
        throw Error(ErrorContext{.file = source_, .line = line_of(n), .parameter = prefix_ + std::string(key)},
                    "unknown key");
  }
  const std::string& source() const { return source_; }

 private:
  const toml::table& table_;
  std::string source_;
  std::string prefix_;
  std::set<std::string> used_;
};

std::string resolve(const std::string& base_dir, const std::string& path) {
  if (path.empty() || std::filesystem::path(path).is_absolute() || base_dir.empty()) return path;
  return (std::filesystem::path(base_dir) / path).string();
}

void read_sampler(TableReader& r, SamplerConfig& s) {
  std::string kind = to_string(s.kind);
  r.get_string("sampler", kind);
  if (kind == "smc") s.kind = SamplerKind::smc;
  else if (kind == "ensemble") s.kind = SamplerKind::ensemble;
  else throw Error(r.where("sampler"), "must be \"smc\" or \"ensemble\", not \"" + kind + "\"");
  r.get_int("n_active", s.n_active);
  r.get_double("n_effective", s.n_effective);
  r.get_int("n_total", s.n_total);
  r.get_int("warmup_blocks", s.warmup_blocks);
  r.get_bool("precondition", s.precondition);
  r.get_int("max_iterations", s.max_iterations);
  r.get_bool("checkpoint", s.checkpoint);
  r.get_int("walkers", s.walkers);
  r.get_int("steps", s.steps);
  r.get_int("burn_in", s.burn_in);
  r.get_int("thin", s.thin);
  r.get_string("moves", s.moves);
  if (r.has("start")) s.start = r.get_vector("start");
  r.get_double("start_scale", s.start_scale);
  if (!(s.start_scale > 0)) throw Error(r.where("start_scale"), "must be > 0");
  if (s.n_active < 8) throw Error(r.where("n_active"), "must be at least 8");
  if (s.thin < 1) throw Error(r.where("thin"), "must be at least 1");
}

DatasetConfig read_dataset(const std::string& name, const toml::table& t, const std::string& source,
                           const std::string& base_dir) {
  TableReader r(t, source, "datasets." + name + ".");
  DatasetConfig d;
  d.name = name;
  d.line = line_of(t);
  r.get_string("data", d.data_file);
  if (d.data_file.empty()) throw Error(r.where("data"), "missing key: the data CSV file");
  d.data_file = resolve(base_dir, d.data_file);
  r.get_string("value_column", d.value_column);
  r.get_string("error_column", d.error_column);
  d.error_columns = r.get_strings("errors");
  if (!d.error_columns.empty() && r.has("error_column"))
    throw Error(r.where("errors"), "give either errors (added in quadrature) or error_column, not both");
  d.correlated_columns = r.get_strings("correlated");
  if (const toml::table* pseudo = r.sub_table("pseudo_data")) {
    for (auto&& [key, n] : *pseudo) {
      auto v = n.value<double>();
      if (!v)
        throw Error(ErrorContext{.file = source, .line = line_of(n),
                                 .parameter = "datasets." + name + ".pseudo_data." + std::string(key)},
                    "must be a number");
      d.pseudo_point[std::string(key)] = *v;
    }
  }
  r.get_int("pseudo_data_seed", d.pseudo_seed);
  d.observables = r.get_strings("observables");
  r.get_string("x_column", d.x_column);
  r.get_string("x_label", d.x_label);
  r.get_string("y_label", d.y_label);
  r.get_bool("x_log", d.x_log);
  r.get_bool("y_log", d.y_log);
  std::string scale = "linear";
  r.get_string("scale", scale);
  if (scale == "linear") d.scale = ObservableScale::linear;
  else if (scale == "log") d.scale = ObservableScale::log;
  else throw Error(r.where("scale"), "must be \"linear\" or \"log\"");
  std::string model;
  r.get_string("model", model);
  r.get_string("emulator", d.emulator_file);
  if (!model.empty() && !d.emulator_file.empty())
    throw Error(r.where("emulator"), "give either model or emulator, not both");
  if (!d.emulator_file.empty()) {
    d.model = ModelKind::emulator;
    d.emulator_file = resolve(base_dir, d.emulator_file);
  } else if (model == "linear" || model == "quadratic") {
    d.model = model == "linear" ? ModelKind::linear : ModelKind::quadratic;
    d.matrix = r.get_matrix("matrix");
    d.offset = r.has("offset") ? r.get_vector("offset") : VectorXd::Zero(d.matrix.rows());
    if (d.offset.size() != d.matrix.rows())
      throw Error(r.where("offset"), "has " + std::to_string(d.offset.size()) + " entries, matrix has " +
                                         std::to_string(d.matrix.rows()) + " rows");
  } else if (model == "hotspot") {
    d.model = ModelKind::hotspot;
  } else if (model.empty()) {
    throw Error(r.where("model"), "missing key: model = \"linear\" or emulator = \"file.json\"");
  } else {
    throw Error(r.where("model"),
                "unknown model \"" + model + "\" (built-in: \"linear\", \"quadratic\", \"hotspot\")");
  }
  r.finish();
  return d;
}

PhysicsModelConfig read_model(const toml::table& t, const std::string& source) {
  TableReader r(t, source, "model.");
  PhysicsModelConfig m;
  m.enabled = true;
  m.line = line_of(t);
  r.get_string("name", m.name);
  if (m.name != "hotspot") throw Error(r.where("name"), "must be \"hotspot\" (the built-in HotSpot-UPC model)");
  HotspotOptions& h = m.hotspot;
  r.get_bool("n_q_free", h.n_q_free);
  r.get_double("n_q", h.n_q);
  r.get_bool("k_free", h.k_free);
  r.get_double("k", h.k);
  r.get_bool("sigma_signed", h.sigma_signed);
  r.get_bool("sigma_b_signed", h.sigma_b_signed);
  if (const toml::table* fixed = r.sub_table("fixed")) {
    for (auto&& [key, n] : *fixed) {
      auto v = n.value<double>();
      if (!v)
        throw Error(ErrorContext{.file = source, .line = line_of(n), .parameter = "model.fixed." + std::string(key)},
                    "must be a number");
      h.fixed[std::string(key)] = *v;
    }
  }
  r.get_bool("emulate", m.emulate);
  r.get_int("design_points", m.design_points);
  r.get_int("validation_points", m.validation_points);
  r.get_int("components", m.components);
  r.get_double("variance_fraction", m.variance_fraction);
  if (m.design_points < 10) throw Error(r.where("design_points"), "must be at least 10");
  if (!(m.variance_fraction > 0 && m.variance_fraction <= 1)) throw Error(r.where("variance_fraction"), "must be in (0, 1]");
  r.finish();
  try {  // unknown fixed names, bad switches
    const HotspotModel model(h);
    m.prior_box = model.prior_box();
  } catch (const Error& e) {
    throw Error(ErrorContext{.file = source, .line = m.line, .parameter = "model"}, e.what());
  }
  return m;
}

}  // namespace

std::string to_string(SamplerKind kind) { return kind == SamplerKind::smc ? "smc" : "ensemble"; }
std::string to_string(PriorKind kind) {
  switch (kind) {
    case PriorKind::uniform: return "uniform";
    case PriorKind::flow: return "flow";
    case PriorKind::mixture: return "mixture";
  }
  return "?";
}

const DatasetConfig& AnalysisConfig::dataset(const std::string& name) const {
  for (const auto& d : datasets)
    if (d.name == name) return d;
  throw Error(ErrorContext{.file = source, .parameter = name}, "no dataset of this name");
}

AnalysisConfig parse_analysis_config(const std::string& text, const std::string& source,
                                     const std::string& base_dir) {
  toml::table root;
  try {
    root = toml::parse(text, source);
  } catch (const toml::parse_error& e) {
    throw Error(ErrorContext{.file = source, .line = static_cast<long>(e.source().begin.line)},
                std::string(e.description()));
  }
  AnalysisConfig c;
  c.source = source;
  TableReader r(root, source, "");
  r.get_int("seed", c.seed);
  r.get_string("output", c.output);
  c.output = resolve(base_dir, c.output);
  r.get_int("threads", c.threads);
  r.get_bool("plots", c.plots);

  // [parameters]: `name = [low, high]`, kept in the order of the lines (shared with parameter files).
  {
    BoxMap map = BoxMap::logit;
    std::string map_name = "logit";
    r.get_string("map", map_name);
    try {
      map = box_map_from_string(map_name);
    } catch (const Error& e) {
      throw Error(r.where("map"), e.what());
    }
    if (const toml::table* m = r.sub_table("model")) c.model = read_model(*m, source);
    const toml::table* params = r.sub_table("parameters");
    if (params) {
      c.box = box_from_parameters_table(*params, map, source, "parameters.");
    } else if (c.model.enabled) {  // the model's own prior box (physics.md §6)
      const Box& prior = c.model.prior_box;
      c.box = Box(prior.names(), prior.lower(), prior.upper(), map);
    } else {
      throw Error(ErrorContext{.file = source}, "missing table [parameters]");
    }
    if (c.model.enabled) {
      const std::vector<std::string>& names = c.model.prior_box.names();
      if (names != c.box.names()) {
        std::string list;
        for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
        throw Error(ErrorContext{.file = source, .line = params ? line_of(*params) : -1, .parameter = "parameters"},
                    "the model's free parameters are, in this order: " + list);
      }
    }
  }

  if (c.model.enabled)  // the model's own units; [units] may override them
    for (const auto& name : c.box.names()) c.units[name] = hotspot_parameter_unit(name);
  if (const toml::table* u = r.sub_table("units")) {
    for (auto&& [key, n] : *u) {
      const std::string name(key);
      auto v = n.value_exact<std::string>();
      if (!v) throw Error(ErrorContext{.file = source, .line = line_of(n), .parameter = "units." + name}, "must be a string");
      if (std::find(c.box.names().begin(), c.box.names().end(), name) == c.box.names().end())
        throw Error(ErrorContext{.file = source, .line = line_of(n), .parameter = "units." + name},
                    "not a parameter of [parameters]");
      c.units[name] = *v;
    }
  }
  if (const toml::table* ds = r.sub_table("datasets")) {
    struct Entry {
      long line;
      DatasetConfig d;
    };
    std::vector<Entry> entries;
    for (auto&& [key, n] : *ds) {
      if (!n.is_table())
        throw Error(ErrorContext{.file = source, .line = line_of(n), .parameter = "datasets." + std::string(key)},
                    "must be a table [datasets." + std::string(key) + "]");
      entries.push_back({line_of(n), read_dataset(std::string(key), *n.as_table(), source, base_dir)});
    }
    std::stable_sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) { return a.line < b.line; });
    for (auto& e : entries) c.datasets.push_back(std::move(e.d));
  }
  if (c.datasets.empty()) throw Error(ErrorContext{.file = source, .parameter = "datasets"}, "no [datasets.NAME]");

  if (const toml::node* st = r.node("stages")) {
    const toml::array* arr = st->as_array();
    if (!arr || !arr->is_array_of_tables())
      throw Error(ErrorContext{.file = source, .line = line_of(*st), .parameter = "stages"},
                  "must be an array of tables [[stages]]");
    for (std::size_t i = 0; i < arr->size(); ++i) {
      const toml::table& t = *(*arr)[i].as_table();
      StageConfig s;
      s.line = line_of(t);
      TableReader sr(t, source, "stages[" + std::to_string(i) + "].");
      sr.get_string("name", s.name);
      if (s.name.empty()) throw Error(sr.where("name"), "missing key: every stage needs a name");
      for (const auto& other : c.stages)
        if (other.name == s.name) throw Error(sr.where("name"), "duplicate stage name \"" + s.name + "\"");
      s.datasets = sr.get_strings("datasets");
      if (s.datasets.empty()) throw Error(sr.where("datasets"), "missing key: the stage's datasets");
      for (const auto& name : s.datasets) {
        bool found = false;
        for (const auto& d : c.datasets) found = found || d.name == name;
        if (!found) throw Error(sr.where("datasets"), "unknown dataset \"" + name + "\"");
      }
      std::string prior = i == 0 ? "uniform" : "flow";
      sr.get_string("prior", prior);
      if (prior == "uniform") s.prior = PriorKind::uniform;
      else if (prior == "flow") s.prior = PriorKind::flow;
      else if (prior == "mixture") s.prior = PriorKind::mixture;
      else throw Error(sr.where("prior"), "must be \"uniform\", \"flow\" or \"mixture\"");
      if (i == 0 && s.prior != PriorKind::uniform)
        throw Error(sr.where("prior"), "the first stage has no earlier stage to train a flow on: use \"uniform\"");
      sr.get_double("epsilon", s.epsilon);
      if (!(s.epsilon >= 0 && s.epsilon <= 1)) throw Error(sr.where("epsilon"), "must be in [0, 1]");
      read_sampler(sr, s.sampler);
      sr.finish();
      c.stages.push_back(std::move(s));
    }
  }
  if (c.stages.empty()) throw Error(ErrorContext{.file = source, .parameter = "stages"}, "no [[stages]]");

  // Hand-over defaults = `flowprior flow train`'s, chosen by examples/loss_study (RealNVP, 6 blocks, NLL, batch 256).
  c.flow.flow.arch = FlowArch::realnvp;
  c.flow.flow.layers = 6;
  c.flow.batch_size = 256;
  if (const toml::table* f = r.sub_table("flow")) {
    TableReader fr(*f, source, "flow.");
    std::string arch = to_string(c.flow.flow.arch), loss = to_string(c.flow.loss);
    fr.get_string("arch", arch);
    fr.get_string("loss", loss);
    try {
      c.flow.flow.arch = flow_arch_from_string(arch);
    } catch (const Error& e) {
      throw Error(fr.where("arch"), e.what());
    }
    try {
      c.flow.loss = loss_from_string(loss);
    } catch (const Error& e) {
      throw Error(fr.where("loss"), e.what());
    }
    if (c.flow.flow.arch != FlowArch::realnvp) c.flow.flow.layers = 5;  // as `flow train`: 6 only for RealNVP
    fr.get_int("layers", c.flow.flow.layers);
    fr.get_int("hidden", c.flow.flow.hidden);
    fr.get_int("hidden_layers", c.flow.flow.hidden_layers);
    fr.get_int("bins", c.flow.flow.bins);
    fr.get_int("epochs", c.flow.max_epochs);
    fr.get_int("patience", c.flow.patience);
    fr.get_int("batch_size", c.flow.batch_size);
    fr.get_double("learning_rate", c.flow.learning_rate);
    fr.get_double("validation_fraction", c.flow.validation_fraction);
    fr.get_int("ensemble", c.flow_ensemble);
    if (c.flow_ensemble < 1 || c.flow_ensemble > 64)
      throw Error(fr.where("ensemble"), "must lie in [1, 64] (flows per hand-over), got " +
                                            std::to_string(c.flow_ensemble));
    fr.finish();
  }
  if (const toml::table* j = r.sub_table("joint")) {
    TableReader jr(*j, source, "joint.");
    jr.get_bool("enabled", c.joint);
    read_sampler(jr, c.joint_sampler);
    jr.finish();
  }
  if (const toml::table* k = r.sub_table("checks")) {
    TableReader kr(*k, source, "checks.");
    kr.get_bool("tension", c.checks.tension);
    kr.get_bool("flow_prior", c.checks.flow_prior_check);
    kr.get_bool("lost_modes", c.checks.lost_modes);
    kr.get_double("lost_modes_epsilon", c.checks.lost_modes_epsilon);
    kr.get_int("c2st_neighbours", c.checks.c2st_neighbours);
    kr.get_int("kl_bins", c.checks.kl_bins);
    kr.get_int("max_per_class", c.checks.max_per_class);
    kr.get_bool("reverse_order", c.checks.reverse_order);
    kr.get_int("reverse_order_n_total", c.checks.reverse_order_n_total);
    kr.get_double("mean_tolerance", c.checks.mean_tolerance);
    kr.get_double("width_tolerance", c.checks.width_tolerance);
    kr.get_double("c2st_tolerance", c.checks.c2st_tolerance);
    kr.finish();
  }
  r.finish();
  for (auto& d : c.datasets) {
    if (d.model == ModelKind::hotspot) d.hotspot = c.model.hotspot;
    if (!d.pseudo_point.empty()) {
      for (const auto& name : c.box.names())
        if (!d.pseudo_point.count(name))
          throw Error(ErrorContext{.file = source, .line = d.line, .parameter = "datasets." + d.name + ".pseudo_data"},
                      "missing parameter '" + name + "'");
      for (const auto& [name, v] : d.pseudo_point)
        if (std::find(c.box.names().begin(), c.box.names().end(), name) == c.box.names().end())
          throw Error(ErrorContext{.file = source, .line = d.line,
                                   .parameter = "datasets." + d.name + ".pseudo_data." + name},
                      "not a parameter");
      if (d.model == ModelKind::emulator)
        throw Error(ErrorContext{.file = source, .line = d.line, .parameter = "datasets." + d.name + ".pseudo_data"},
                    "pseudo-data need a model (linear, quadratic or hotspot), not an emulator file");
    }
    if (d.model == ModelKind::hotspot && !c.model.enabled)
      throw Error(ErrorContext{.file = source, .line = d.line, .parameter = "datasets." + d.name + ".model"},
                  "model = \"hotspot\" needs a [model] table with name = \"hotspot\"");
    if (d.model == ModelKind::hotspot && d.scale != ObservableScale::log)
      throw Error(ErrorContext{.file = source, .line = d.line, .parameter = "datasets." + d.name + ".scale"},
                  "hotspot datasets are fitted in ln y: scale = \"log\"");
    if ((d.model == ModelKind::linear || d.model == ModelKind::quadratic) && d.matrix.cols() != c.box.dim())
      throw Error(ErrorContext{.file = source, .line = d.line, .parameter = "datasets." + d.name + ".matrix"},
                  "has " + std::to_string(d.matrix.cols()) + " columns, there are " + std::to_string(c.box.dim()) +
                      " parameters");
  }
  auto check_start = [&](const SamplerConfig& sampler, const std::string& key, long line) {
    if (sampler.start.size() == 0) return;
    if (sampler.start.size() != c.box.dim())
      throw Error(ErrorContext{.file = source, .line = line, .parameter = key},
                  "has " + std::to_string(sampler.start.size()) + " entries, there are " +
                      std::to_string(c.box.dim()) + " parameters");
    for (int j = 0; j < c.box.dim(); ++j)
      if (!(sampler.start[j] > c.box.lower()[j] && sampler.start[j] < c.box.upper()[j]))
        throw Error(ErrorContext{.file = source, .line = line, .parameter = key},
                    "entry " + std::to_string(j) + " (" + c.box.names()[static_cast<std::size_t>(j)] +
                        ") is not inside the box");
  };
  for (std::size_t i = 0; i < c.stages.size(); ++i)
    check_start(c.stages[i].sampler, "stages[" + std::to_string(i) + "].start", c.stages[i].line);
  check_start(c.joint_sampler, "joint.start", -1);
  if (c.checks.reverse_order && c.stages.size() < 2)
    throw Error(ErrorContext{.file = source, .parameter = "checks.reverse_order"}, "needs at least two stages");
  if (c.checks.reverse_order_n_total > 0 && c.stages.back().sampler.kind != SamplerKind::smc)
    throw Error(ErrorContext{.file = source, .parameter = "checks.reverse_order_n_total"},
                "sets the SMC sample size of the reverse order's first stage, but that stage (a repeat of stage '" +
                    c.stages.back().name + "') uses the ensemble sampler");
  check_analysis_config(c);  // checks across keys, before any work (workflow/config_checks.hpp)
  return c;
}

AnalysisConfig read_analysis_config(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw Error(ErrorContext{.file = path}, "cannot open file");
  std::stringstream ss;
  ss << in.rdbuf();
  return parse_analysis_config(ss.str(), path, std::filesystem::path(path).parent_path().string());
}

}  // namespace flowprior
