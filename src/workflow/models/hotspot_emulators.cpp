#include "workflow/models/hotspot_emulators.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "flowprior/core/digest.hpp"
#include "flowprior/core/error.hpp"
#include "flowprior/core/stream_purpose.hpp"
#include "flowprior/core/log.hpp"
#include "flowprior/core/rng.hpp"
#include "flowprior/core/thread_pool.hpp"
#include "flowprior/emulator/design.hpp"
#include "flowprior/emulator/emulator.hpp"
#include "flowprior/emulator/validation.hpp"
#include "flowprior/io/csv.hpp"
#include "workflow/models/hotspot_datasets.hpp"
#include "workflow/file_helpers.hpp"

namespace flowprior {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

using workflow_detail::path_in;

std::string read_text_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

json options_json(const HotspotOptions& o) {
  json fixed = json::object();
  for (const auto& [k, v] : o.fixed) fixed[k] = v;
  json j{{"system", to_string(o.system)}, {"n_q_free", o.n_q_free},       {"n_q", o.n_q},
         {"k_free", o.k_free},            {"k", o.k},                     {"sigma_signed", o.sigma_signed},
         {"sigma_b_signed", o.sigma_b_signed}, {"fixed", fixed},         {"g_nodes", o.g_nodes},
         {"b_nodes", o.b_nodes},          {"bin_nodes", o.bin_nodes}};
  // Only when asked for, so the emulators of folders made before sigma(W) could be used stay valid.
  if (o.include_sigma_w) j["sigma_w"] = true;
  return j;
}

// ln(model) at every design row, in fixed chunks (each row depends only on itself: any thread count gives the same).
MatrixXd log_model_outputs(const HotspotModel& model, const MatrixXd& design, int threads, const std::string& what) {
  MatrixXd y(design.rows(), model.n_observables());
  const auto chunks = fixed_chunks(static_cast<std::size_t>(design.rows()), 8);
  ThreadPool pool(threads);
  pool.parallel_for(chunks.size(), [&](std::size_t k) {
    const auto [b, e] = chunks[k];
    const Index rows = static_cast<Index>(e - b);
    MatrixXd part;
    model.predict(design.middleRows(static_cast<Index>(b), rows), part);
    y.middleRows(static_cast<Index>(b), rows) = part;
  });
  for (Index i = 0; i < y.rows(); ++i)
    for (Index j = 0; j < y.cols(); ++j)
      if (!(y(i, j) > 0.0) || !std::isfinite(y(i, j)))
        throw Error(ErrorContext{.parameter = model.observable_names()[static_cast<std::size_t>(j)],
                                 .row = static_cast<long>(i)},
                    what + ": the model gives " + std::to_string(y(i, j)) + ", ln y needs a positive value");
  return y.array().log().matrix();
}

}  // namespace

EmulatorRecord prepare_hotspot_emulator(HotspotSystem system, const HotspotOptions& options,
                                       const HotspotEmulatorSettings& es_settings, const Box& box,
                                       const PrepareContext& context, std::string& file_out,
                                       const MatrixXd* second_wave) {
  const bool pilot = second_wave == nullptr && es_settings.second_wave_points > 0;
  const std::string name = "emulator_" + to_string(system) + (pilot ? "_wave1" : "");
  const std::string file = path_in(context.folder, name + ".json");
  const std::string validation_file = path_in(context.folder, name + "_validation.json");
  EmulatorRecord entry;
  entry.file = name + ".json";
  entry.validation = name + "_validation.json";
  entry.design_points = es_settings.design_points;
  entry.validation_points = es_settings.validation_points;
  entry.second_wave_points = second_wave ? static_cast<long>(second_wave->rows()) : 0;
  if (context.load_only) {  // MPI worker ranks: rank 0 built it before sending any likelihood
    if (fs::exists(file)) file_out = file;
    return entry;
  }
  const std::uint64_t design_seed = stream_id({context.seed, purpose_id(StreamPurpose::emulator_design), static_cast<std::uint64_t>(system)});
  json box_json = json::array();
  for (int j = 0; j < box.dim(); ++j)
    box_json.push_back({box.names()[static_cast<std::size_t>(j)], box.lower()[j], box.upper()[j]});
  json settings = {{"model", options_json(hotspot_options_for(options, system))},
                         {"box", box_json},
                         {"design_points", es_settings.design_points},
                         {"validation_points", es_settings.validation_points},
                         {"components", es_settings.components},
                         {"variance_fraction", es_settings.variance_fraction},
                         {"seed", design_seed}};
  // Only with a second wave, so the emulators of folders made before it stay valid: its size and the digest of its
  // points (bitwise), so another pilot posterior never reuses this emulator.
  if (es_settings.exact_k) settings["exact_factor"] = "K";  // only when asked: older folders' emulators stay valid
  if (second_wave) {
    settings["second_wave_points"] = second_wave->rows();
    settings["hyper_from_first_wave"] = true;  // EmulatorOptions::hyper_rows
    settings["second_wave_fnv1a"] =
        to_hex(fnv1a(second_wave->data(), static_cast<std::size_t>(second_wave->size()) * sizeof(double)));
  }
  const std::string settings_file = path_in(context.folder, name + ".settings.json");
  if (fs::exists(settings_file)) {
    json old;
    try {
      old = json::parse(read_text_file(settings_file));
    } catch (const json::exception& e) {
      throw Error(ErrorContext{.file = settings_file}, std::string("corrupt settings: ") + e.what());
    }
    if (old != settings)
      throw Error(ErrorContext{.file = settings_file},
                  "this run folder holds an emulator built with other settings; use another --out or remove " +
                      name + ".*");
  }
  if (fs::exists(file) && fs::exists(validation_file)) {
    const json v = json::parse(read_text_file(validation_file));
    entry.trustworthy = v.value("trustworthy", false);
    entry.problems = v.value("problems", std::vector<std::string>{});
    entry.loaded = true;
    context.messages.status(name + ": loaded (built by an earlier run)");
  } else {
    const int threads = context.threads;
    write_file_atomically(settings_file, settings.dump(2) + "\n");
    const auto t0 = std::chrono::steady_clock::now();
    const HotspotModel model(hotspot_options_for(options, system));
    DesignOptions d_train, d_valid;
    d_train.seed = design_seed;
    d_valid.seed = stream_id({design_seed, 1});
    MatrixXd x_train = maximin_latin_hypercube(box, es_settings.design_points, d_train);
    if (second_wave) {  // first wave, then the second (emulator_SYSTEM_design.csv holds both, in that order)
      x_train.conservativeResize(x_train.rows() + second_wave->rows(), Eigen::NoChange);
      x_train.bottomRows(second_wave->rows()) = *second_wave;
    }
    const MatrixXd x_valid = maximin_latin_hypercube(box, es_settings.validation_points, d_valid);
    context.messages.status(name + ": running the model at " +
           std::to_string(x_train.rows() + es_settings.validation_points) + " design points on " +
           std::to_string(threads) + " thread(s)");
    const MatrixXd y_train = log_model_outputs(model, x_train, threads, name + " design");
    const MatrixXd y_valid = log_model_outputs(model, x_valid, threads, name + " validation design");
    const double model_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::vector<std::string> log_names;
    for (const auto& n : model.observable_names()) log_names.push_back("ln_" + n);
    write_csv_table(path_in(context.folder, name + "_design.csv"), box.names(), x_train);
    write_csv_table(path_in(context.folder, name + "_outputs.csv"), log_names, y_train);
    write_csv_table(path_in(context.folder, name + "_validation_design.csv"), box.names(), x_valid);
    write_csv_table(path_in(context.folder, name + "_validation_outputs.csv"), log_names, y_valid);
    // With exact_k the emulator sees every parameter but K and learns ln y - ln K (the design stays over the box).
    std::vector<std::string> inputs = box.names();
    MatrixXd x_fit = x_train, y_fit = y_train, x_check = x_valid, y_check = y_valid;
    if (es_settings.exact_k) {
      const auto k_it = std::find(inputs.begin(), inputs.end(), "K");
      if (k_it == inputs.end())
        throw Error(ErrorContext{.parameter = "model.exact_k"}, "needs K among the parameters (k_free = true)");
      const Index k = static_cast<Index>(k_it - inputs.begin());
      inputs.erase(k_it);
      auto drop_k = [&](const MatrixXd& x, const MatrixXd& y, MatrixXd& x_out, MatrixXd& y_out) {
        x_out.resize(x.rows(), x.cols() - 1);
        for (Index j = 0, c = 0; j < x.cols(); ++j)
          if (j != k) x_out.col(c++) = x.col(j);
        y_out = y.colwise() - x.col(k).array().log().matrix();
      };
      drop_k(x_train, y_train, x_fit, y_fit);
      drop_k(x_valid, y_valid, x_check, y_check);
    }
    EmulatorOptions eo;
    eo.components = es_settings.components;
    eo.variance_fraction = es_settings.variance_fraction;
    eo.threads = threads;
    if (second_wave) eo.hyper_rows = es_settings.design_points;  // calibrated over the box (emulator.hpp)
    eo.messages = context.messages;
    eo.gp.seed = stream_id({design_seed, 2});
    EmulatorSummary es;
    context.messages.status(name + ": training the PCA + GP emulator of ln(observables)");
    const Emulator emulator = Emulator::train(x_fit, y_fit, inputs, model.observable_names(), eo, &es);
    const ValidationReport report = validate_emulator(emulator, x_check, y_check);
    json v = report.to_json();
    v["components"] = es.components;
    v["explained_variance"] = es.explained_variance;
    v["model_seconds"] = model_seconds;
    v["total_seconds"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    write_file_atomically(validation_file, v.dump(2) + "\n");
    emulator.save(file);  // atomic (core/output_file.hpp)
    entry.trustworthy = report.trustworthy;
    entry.problems = report.problems;
    entry.components = es.components;
    context.messages.status(name + ": " + std::to_string(es.components) + " components; held-out coverage 68%: " +
           std::to_string(report.pooled.coverage68) + ", 95%: " + std::to_string(report.pooled.coverage95) +
           (report.trustworthy ? "" : " — NOT trustworthy, see " + name + "_validation.json"));
    if (!report.trustworthy) context.messages.warn(name + " failed its validation: " + report.to_text());
  }
  file_out = file;
  return entry;
}

}  // namespace flowprior
