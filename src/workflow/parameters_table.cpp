#include "flowprior/workflow/parameters_table.hpp"

#include <algorithm>

#include "flowprior/core/error.hpp"
#include "flowprior/core/format.hpp"
#include "flowprior/workflow/config_table.hpp"

namespace flowprior {

ParametersTable read_parameters_table(const toml::table& params, BoxMap map, const std::string& source,
                                      const std::string& key_prefix) {
  struct Entry {
    long line;
    std::string name;
    double lo, hi;
    ParameterPrior prior;
  };
  std::vector<Entry> entries;
  for (auto&& [key, node] : params) {
    const std::string name(key);
    const long line = line_of(node);
    const ErrorContext where{.file = source, .line = line, .parameter = key_prefix + name};
    Entry e{line, name, 0, 0, {}};
    VectorXd range;
    if (const toml::table* t = node.as_table()) {
      ConfigTable r(*t, source, key_prefix + name + ".");
      std::string shape = "uniform";
      r.get_string("prior", shape);
      const std::optional<PriorShape> known = prior_shape_from_string(shape);
      if (!known)
        throw Error(r.where("prior"), "unknown prior \"" + shape + "\" (uniform, normal, truncnormal, loguniform or beta)");
      e.prior.shape = *known;
      if (r.has("range")) range = r.get_vector("range");
      if (e.prior.shape == PriorShape::normal) {
        double sd = 0;
        r.get_double("mean", e.prior.a);
        r.get_double("sd", sd);
        if (!r.has("mean") || !r.has("sd")) throw Error(r.where(r.has("mean") ? "sd" : "mean"), "missing key");
        e.prior.b = sd;
        if (!(sd > 0)) throw Error(r.where("sd"), "must be > 0, got " + format_g(sd));
        if (shape == "truncnormal" && !r.has("range"))
          throw Error(r.where("range"), "missing key: a truncated normal needs its bounds, range = [low, high]");
        if (!r.has("range") && sd > 0)
          range = (VectorXd(2) << e.prior.a - kNormalTailSd * sd, e.prior.a + kNormalTailSd * sd).finished();
      } else if (e.prior.shape == PriorShape::beta) {
        r.get_double("alpha", e.prior.a);
        r.get_double("beta", e.prior.b);
        if (!r.has("alpha") || !r.has("beta")) throw Error(r.where(r.has("alpha") ? "beta" : "alpha"), "missing key");
      }
      if (range.size() == 0) throw Error(r.where("range"), "missing key: the bounds, range = [low, high]");
      r.finish();
    } else if (const toml::array* arr = node.as_array()) {
      range.resize(static_cast<Index>(arr->size()));
      for (std::size_t i = 0; i < arr->size(); ++i) {
        const auto v = (*arr)[i].value<double>();
        if (!v) throw Error(where, "bounds must be numbers");
        range[static_cast<Index>(i)] = *v;
      }
    } else {
      throw Error(where, "expected [low, high] or {range = [low, high], prior = ...}");
    }
    if (range.size() != 2) throw Error(where, "expected [low, high]");
    e.lo = range[0];
    e.hi = range[1];
    if (!(e.lo < e.hi))
      throw Error(where, "lower bound " + format_g(e.lo) + " is not below upper bound " + format_g(e.hi));
    if (const std::string p = e.prior.problem(e.lo, e.hi); !p.empty()) throw Error(where, p);
    entries.push_back(e);
  }
  if (entries.empty()) throw Error(ErrorContext{.file = source}, "[parameters] is empty");
  // toml++ tables are ordered by key; the user's order is the order of the lines.
  std::stable_sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) { return a.line < b.line; });
  std::vector<std::string> names;
  VectorXd lo(static_cast<Index>(entries.size())), hi(static_cast<Index>(entries.size()));
  ParametersTable out;
  for (std::size_t k = 0; k < entries.size(); ++k) {
    names.push_back(entries[k].name);
    lo[static_cast<Index>(k)] = entries[k].lo;
    hi[static_cast<Index>(k)] = entries[k].hi;
    out.priors.push_back(entries[k].prior);
  }
  try {
    out.box = Box(names, lo, hi, map);
  } catch (const Error& err) {
    throw Error(ErrorContext{.file = source}, err.what());
  }
  return out;
}

}  // namespace flowprior
