#include "flowprior/workflow/analysis_config.hpp"
#include "flowprior/workflow/parameters_table.hpp"
#include "flowprior/workflow/stage_parameters.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>
#include <toml++/toml.h>

#include "flowprior/core/error.hpp"
#include "flowprior/flow/train_settings.hpp"
#include "flowprior/io/params_toml.hpp"
#include "flowprior/workflow/config_checks.hpp"

namespace flowprior {
namespace {

using TableReader = ConfigTable;

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
                           const std::string& base_dir, const Box& box, const ModelRegistry& registry,
                           std::map<std::string, std::shared_ptr<ModelFamily>>& families) {
  TableReader r(t, source, "datasets." + name + ".", base_dir);
  DatasetConfig d;
  d.name = name;
  d.line = line_of(t);
  r.get_path("data", d.data_file);
  if (d.data_file.empty()) throw Error(r.where("data"), "missing key: the data CSV file");
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
  if (!model.empty() && r.has("emulator"))
    throw Error(r.where("emulator"), "give either model or emulator, not both");
  if (r.has("emulator")) model = "emulator";
  if (model.empty() && r.has("design")) model = "table";  // design and output tables: an emulator built by the run
  if (model.empty())
    throw Error(r.where("model"), "missing key: model = \"NAME\", emulator = \"file.json\" or design = \"design.csv\"");
  auto it = families.find(model);
  if (it == families.end()) it = families.emplace(model, registry.make(model, r.where("model"))).first;
  d.model_name = model;
  d.model = it->second->make(r, d, box);
  r.finish();
  return d;
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

const StageConfig* AnalysisConfig::stage_of(const std::string& name) const {
  for (const auto& s : stages)
    if (std::find(s.datasets.begin(), s.datasets.end(), name) != s.datasets.end()) return &s;
  return nullptr;
}

AnalysisConfig parse_analysis_config(const std::string& text, const std::string& source,
                                     const std::string& base_dir, const Extensions& extensions) {
  const ModelRegistry& models = extensions.models;
  toml::table root;
  try {
    root = toml::parse(text, source);
  } catch (const toml::parse_error& e) {
    throw Error(ErrorContext{.file = source, .line = static_cast<long>(e.source().begin.line)},
                std::string(e.description()));
  }
  AnalysisConfig c;
  c.source = source;
  TableReader r(root, source, "", base_dir);
  std::map<std::string, std::shared_ptr<ModelFamily>> families;  // the model kinds in use, by name
  r.get_int("seed", c.seed);
  r.get_string("output", c.output);
  c.output = resolve_path(base_dir, c.output);
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
    std::shared_ptr<ModelFamily> shared;  // [model] name = "NAME": that model's shared settings
    if (const toml::table* m = r.sub_table("model")) {
      TableReader mr(*m, source, "model.", base_dir);
      mr.get_string("name", c.shared_model);
      if (c.shared_model.empty()) throw Error(mr.where("name"), "missing key: the model's name");
      shared = models.make(c.shared_model, mr.where("name"));
      shared->read_shared(mr);
      mr.finish();
      families[c.shared_model] = shared;
    }
    // [models.NAME]: a model of the user's, of the registered kind `kind` (default "command": a simulator run as a
    // command), that datasets name with model = "NAME".
    if (const toml::table* user_models = r.sub_table("models")) {
      for (auto&& [key, n] : *user_models) {
        const std::string name(key);
        if (!n.is_table())
          throw Error(ErrorContext{.file = source, .line = line_of(n), .parameter = "models." + name},
                      "must be a table [models." + name + "]");
        TableReader ur(*n.as_table(), source, "models." + name + ".", base_dir);
        if (families.count(name) || models.has(name))
          throw Error(ur.where("kind"), "the model name \"" + name + "\" is taken (a built-in model or [model])");
        std::string kind = "command";
        ur.get_string("kind", kind);
        std::shared_ptr<ModelFamily> family = models.make(kind, ur.where("kind"));
        family->read_shared(ur);
        ur.finish();
        families[name] = family;
      }
    }
    const toml::table* params = r.sub_table("parameters");
    if (params) {
      ParametersTable p = read_parameters_table(*params, map, source, "parameters.");
      c.box = std::move(p.box);
      c.priors = std::move(p.priors);
    } else if (const std::optional<Box> prior = shared ? shared->default_box() : std::nullopt) {
      c.box = Box(prior->names(), prior->lower(), prior->upper(), map);  // the model's own prior box
      c.priors.assign(static_cast<std::size_t>(c.box.dim()), ParameterPrior{});
    } else {
      throw Error(ErrorContext{.file = source}, "missing table [parameters]");
    }
    if (const auto names = shared ? shared->required_parameters() : std::nullopt; names && *names != c.box.names()) {
      std::string list;
      for (const auto& n : *names) list += (list.empty() ? "" : ", ") + n;
      throw Error(ErrorContext{.file = source, .line = params ? line_of(*params) : -1, .parameter = "parameters"},
                  "the model's free parameters are, in this order: " + list);
    }
    if (shared)  // the model's own units; [units] may override them
      for (const auto& [name, unit] : shared->units()) c.units[name] = unit;
  }

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
      entries.push_back({line_of(n), read_dataset(std::string(key), *n.as_table(), source, base_dir, c.box, models, families)});
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
      TableReader sr(t, source, "stages[" + std::to_string(i) + "].", base_dir);
      sr.get_string("name", s.name);
      if (s.name.empty()) throw Error(sr.where("name"), "missing key: every stage needs a name");
      for (const auto& other : c.stages)
        if (other.name == s.name) throw Error(sr.where("name"), "duplicate stage name \"" + s.name + "\"");
      s.datasets = sr.get_strings("datasets");
      sr.get_path("posterior", s.posterior_file);
      sr.get_int("discard", s.discard);
      if (!s.posterior_file.empty() && i > 0)
        throw Error(sr.where("posterior"), "only the first stage can come from a file (an earlier posterior); later "
                                           "stages are sampled with the flow prior of the stage before");
      if (s.posterior_file.empty() && sr.has("discard"))
        throw Error(sr.where("discard"), "discard applies to a stage posterior from an emcee chain (posterior = ...)");
      if (s.datasets.empty() && s.posterior_file.empty())
        throw Error(sr.where("datasets"), "missing key: the stage's datasets");
      for (const auto& name : s.datasets) {
        bool found = false;
        for (const auto& d : c.datasets) found = found || d.name == name;
        if (!found) throw Error(sr.where("datasets"), "unknown dataset \"" + name + "\"");
        if (std::count(s.datasets.begin(), s.datasets.end(), name) > 1)
          throw Error(sr.where("datasets"), "dataset \"" + name + "\" is listed twice");
        for (const auto& other : c.stages)
          if (std::find(other.datasets.begin(), other.datasets.end(), name) != other.datasets.end())
            throw Error(sr.where("datasets"), "dataset \"" + name + "\" is already in stage \"" + other.name +
                                                  "\": each dataset enters the analysis once");
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
      read_stage_parameters(sr, c.box, s);
      sr.finish();
      c.stages.push_back(std::move(s));
    }
  }
  if (c.stages.empty()) throw Error(ErrorContext{.file = source, .parameter = "stages"}, "no [[stages]]");

  // Hand-over training: the defaults of FlowTrainSettings (flow/train_settings.hpp, shared with `flowprior flow
  // train` and Python's train_flow), each overridden by its [flow] key.
  {
    FlowTrainSettings f;
    f.progress = false;
    const toml::table* table = r.sub_table("flow");
    const toml::table empty;
    TableReader fr(table ? *table : empty, source, "flow.");
    fr.get_string("arch", f.arch);
    fr.get_string("loss", f.loss);
    fr.get_int("layers", f.layers);
    fr.get_int("hidden", f.hidden);
    fr.get_int("hidden_layers", f.hidden_layers);
    fr.get_int("bins", f.bins);
    fr.get_int("epochs", f.epochs);
    fr.get_int("patience", f.patience);
    fr.get_int("batch_size", f.batch);
    fr.get_double("learning_rate", f.lr);
    fr.get_double("validation_fraction", f.validation);
    fr.get_int("ensemble", c.flow_ensemble);
    if (c.flow_ensemble < 1 || c.flow_ensemble > 64)
      throw Error(fr.where("ensemble"), "must lie in [1, 64] (flows per hand-over), got " +
                                            std::to_string(c.flow_ensemble));
    fr.finish();
    try {
      flow_arch_from_string(f.arch);
    } catch (const Error& e) {
      throw Error(fr.where("arch"), e.what());
    }
    try {
      loss_from_string(f.loss);
    } catch (const Error& e) {
      throw Error(fr.where("loss"), e.what());
    }
    try {
      c.flow = to_train_options(f);
    } catch (const Error& e) {
      throw Error(ErrorContext{.file = source, .line = table ? line_of(*table) : -1, .parameter = "flow"}, e.what());
    }
  }
  if (const toml::table* j = r.sub_table("joint")) {
    TableReader jr(*j, source, "joint.");
    jr.get_bool("enabled", c.joint);
    read_sampler(jr, c.joint_sampler);
    jr.finish();
  }
  {
    const toml::table* k = r.sub_table("checks");
    const toml::table no_checks;
    TableReader kr(k ? *k : no_checks, source, "checks.", base_dir);
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
    for (const auto& check : extensions.checks.make_all()) {
      check->read_config(kr);  // its own keys
      c.check_list.push_back(check);
    }
    kr.finish();
  }
  r.finish();
  for (auto& d : c.datasets) {
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
      if (!d.model->has_direct())
        throw Error(ErrorContext{.file = source, .line = d.line, .parameter = "datasets." + d.name + ".pseudo_data"},
                    "pseudo-data need a model that can be evaluated itself (model = \"NAME\"), not an emulator file");
    }
  }
  for (auto& [name, family] : families) c.models[name] = family;
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
  check_stage_parameters(c);  // what the stages free and fix, against the datasets' models (stage_parameters.hpp)
  if (c.checks.reverse_order && c.stages.size() < 2)
    throw Error(ErrorContext{.file = source, .parameter = "checks.reverse_order"}, "needs at least two stages");
  if (c.checks.reverse_order && c.stages[0].datasets.empty())
    throw Error(ErrorContext{.file = source, .line = c.stages[0].line, .parameter = "checks.reverse_order"},
                "needs the datasets of stage '" + c.stages[0].name + "' (its posterior comes from a file): give them "
                "with datasets = [...] or switch the reverse order off");
  if (c.checks.reverse_order_n_total > 0 && c.stages.back().sampler.kind != SamplerKind::smc)
    throw Error(ErrorContext{.file = source, .parameter = "checks.reverse_order_n_total"},
                "sets the SMC sample size of the reverse order's first stage, but that stage (a repeat of stage '" +
                    c.stages.back().name + "') uses the ensemble sampler");
  check_analysis_config(c);  // checks across keys, before any work (workflow/config_checks.hpp)
  return c;
}

AnalysisConfig read_analysis_config(const std::string& path, const Extensions& extensions) {
  std::ifstream in(path);
  if (!in) throw Error(ErrorContext{.file = path}, "cannot open file");
  std::stringstream ss;
  ss << in.rdbuf();
  return parse_analysis_config(ss.str(), path, std::filesystem::path(path).parent_path().string(), extensions);
}

}  // namespace flowprior
