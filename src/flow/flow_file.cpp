#include "flowprior/flow/flow_file.hpp"

#include <fstream>
#include <sstream>

#include "flowprior/core/error.hpp"
#include "flowprior/io/csv.hpp"

namespace flowprior {

using nlohmann::json;

namespace {

json vector_json(const VectorXd& v) {
  json a = json::array();
  for (Index i = 0; i < v.size(); ++i) a.push_back(v(i));
  return a;
}

[[noreturn]] void fail(const std::string& source, const std::string& key, const std::string& what) {
  throw Error(ErrorContext{.file = source, .parameter = key}, what);
}

const json& member(const json& obj, const std::string& key, const std::string& source, const std::string& path) {
  if (!obj.is_object() || !obj.contains(key)) fail(source, path + key, "missing key '" + path + key + "'");
  return obj.at(key);
}

double number(const json& v, const std::string& source, const std::string& key) {
  if (!v.is_number()) fail(source, key, "'" + key + "' must be a number");
  return v.get<double>();
}

int integer(const json& v, const std::string& source, const std::string& key) {
  if (!v.is_number_integer()) fail(source, key, "'" + key + "' must be an integer");
  return v.get<int>();
}

std::string text(const json& v, const std::string& source, const std::string& key) {
  if (!v.is_string()) fail(source, key, "'" + key + "' must be a string");
  return v.get<std::string>();
}

VectorXd vector_of(const json& v, Index expected, const std::string& source, const std::string& key) {
  if (!v.is_array()) fail(source, key, "'" + key + "' must be an array");
  if (static_cast<Index>(v.size()) != expected)
    fail(source, key, "'" + key + "' has " + std::to_string(v.size()) + " entries, expected " +
                          std::to_string(expected));
  VectorXd out(expected);
  for (Index i = 0; i < expected; ++i) {
    const json& e = v[static_cast<std::size_t>(i)];
    if (!e.is_number()) fail(source, key, "'" + key + "' entry " + std::to_string(i) + " is not a number");
    out(i) = e.get<double>();
  }
  return out;
}

}  // namespace

json flow_to_json(const FlowOnBox& f) {
  const FlowConfig& c = f.flow.config();
  json names = json::array();
  for (const auto& n : f.box.names()) names.push_back(n);
  return {{"format", kFlowFileFormat},
          {"version", kFlowFileVersion},
          {"architecture", to_string(c.arch)},
          {"hyperparameters",
           {{"layers", c.layers},
            {"hidden", c.hidden},
            {"hidden_layers", c.hidden_layers},
            {"bins", c.bins},
            {"tail_bound", c.tail_bound}}},
          {"dim", f.flow.dim()},
          {"parameters", names},
          {"lower", vector_json(f.box.lower())},
          {"upper", vector_json(f.box.upper())},
          {"box_map", to_string(f.box.map())},
          {"standardization",
           {{"mean", vector_json(f.flow.standardization_mean())},
            {"scale", vector_json(f.flow.standardization_scale())}}},
          {"weights", vector_json(f.flow.params())},
          {"training", f.training.is_null() ? json::object() : f.training}};
}

FlowOnBox flow_from_json(const json& doc, const std::string& source) {
  if (!doc.is_object()) fail(source, "", "a flow file must hold one JSON object");
  const std::string format = text(member(doc, "format", source, ""), source, "format");
  if (format != kFlowFileFormat)
    fail(source, "format", "not a flow file: format '" + format + "', expected '" + kFlowFileFormat + "'");
  const int version = integer(member(doc, "version", source, ""), source, "version");
  if (version != kFlowFileVersion && version != 1)
    fail(source, "version", "unsupported flow file version " + std::to_string(version) + " (this build reads 1 and " +
                                std::to_string(kFlowFileVersion) + ")");
  FlowConfig c;
  try {
    c.arch = flow_arch_from_string(text(member(doc, "architecture", source, ""), source, "architecture"));
  } catch (const Error& e) {
    fail(source, "architecture", e.what());
  }
  if (version == 1 && c.arch == FlowArch::nsf) c.arch = FlowArch::nsf_coupling;  // "nsf" was the coupling flow
  const json& hp = member(doc, "hyperparameters", source, "");
  c.layers = integer(member(hp, "layers", source, "hyperparameters."), source, "hyperparameters.layers");
  c.hidden = integer(member(hp, "hidden", source, "hyperparameters."), source, "hyperparameters.hidden");
  c.hidden_layers =
      integer(member(hp, "hidden_layers", source, "hyperparameters."), source, "hyperparameters.hidden_layers");
  c.bins = integer(member(hp, "bins", source, "hyperparameters."), source, "hyperparameters.bins");
  c.tail_bound =
      number(member(hp, "tail_bound", source, "hyperparameters."), source, "hyperparameters.tail_bound");
  try {
    validate(c);
  } catch (const Error& e) {
    fail(source, "hyperparameters." + e.context().parameter, e.what());
  }
  const int dim = integer(member(doc, "dim", source, ""), source, "dim");
  if (dim < 1) fail(source, "dim", "'dim' must be >= 1");
  const json& jn = member(doc, "parameters", source, "");
  if (!jn.is_array() || static_cast<int>(jn.size()) != dim)
    fail(source, "parameters", "'parameters' must be an array of " + std::to_string(dim) + " names");
  std::vector<std::string> names;
  for (const auto& n : jn) names.push_back(text(n, source, "parameters"));
  const VectorXd lower = vector_of(member(doc, "lower", source, ""), dim, source, "lower");
  const VectorXd upper = vector_of(member(doc, "upper", source, ""), dim, source, "upper");
  FlowOnBox f;
  try {
    f.box = Box(names, lower, upper, box_map_from_string(text(member(doc, "box_map", source, ""), source, "box_map")));
  } catch (const Error& e) {
    fail(source, e.context().parameter.empty() ? "box_map" : e.context().parameter, e.what());
  }
  const json& st = member(doc, "standardization", source, "");
  const VectorXd mean =
      vector_of(member(st, "mean", source, "standardization."), dim, source, "standardization.mean");
  const VectorXd scale =
      vector_of(member(st, "scale", source, "standardization."), dim, source, "standardization.scale");
  Rng rng(0);
  f.flow = Flow(dim, c, rng);
  try {
    f.flow.set_standardization(mean, scale);
  } catch (const Error& e) {
    fail(source, "standardization", e.what());
  }
  f.flow.set_params(vector_of(member(doc, "weights", source, ""), f.flow.num_params(), source, "weights"));
  const json& training = member(doc, "training", source, "");
  if (!training.is_object()) fail(source, "training", "'training' must be an object");
  f.training = training;
  return f;
}

void save_flow_file(const std::string& path, const FlowOnBox& flow) {
  // nlohmann writes doubles with the shortest representation that reads back to the same value.
  write_file_atomically(path, flow_to_json(flow).dump(1) + "\n");
}

namespace {

json read_flow_document(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorContext{.file = path}, "cannot open flow file");
  std::stringstream buffer;
  buffer << in.rdbuf();
  try {
    return json::parse(buffer.str());
  } catch (const json::exception& e) {  // parse_error, and out_of_range for numbers like 1e99999
    throw Error(ErrorContext{.file = path}, std::string("corrupt or truncated flow file (JSON): ") + e.what());
  }
}

bool is_ensemble_document(const json& doc) {
  return doc.is_object() && doc.contains("format") && doc.at("format") == kFlowEnsembleFormat;
}

}  // namespace

FlowOnBox load_flow_file(const std::string& path) {
  const json doc = read_flow_document(path);
  if (is_ensemble_document(doc))
    fail(path, "format", std::string("a flow ensemble (format '") + kFlowEnsembleFormat +
                             "'), where one flow is expected (the flow commands and `flowprior run` read both; in C++ "
                             "load_flow_members_file)");
  return flow_from_json(doc, path);
}

nlohmann::json flow_members_to_json(const std::vector<FlowOnBox>& members) {
  if (members.size() == 1) return flow_to_json(members.front());
  json list = json::array();
  for (const auto& m : members) list.push_back(flow_to_json(m));
  return {{"format", kFlowEnsembleFormat}, {"version", kFlowEnsembleVersion}, {"members", list}};
}

void save_flow_members_file(const std::string& path, const std::vector<FlowOnBox>& members) {
  if (members.empty()) throw Error(ErrorContext{.file = path}, "no flow to write");
  write_file_atomically(path, flow_members_to_json(members).dump(1) + "\n");
}

std::vector<FlowOnBox> flow_members_from_json(const json& doc, const std::string& source) {
  if (!is_ensemble_document(doc)) return {flow_from_json(doc, source)};
  const int version = integer(member(doc, "version", source, ""), source, "version");
  if (version != kFlowEnsembleVersion)
    fail(source, "version",
         "flow ensemble version " + std::to_string(version) + " is not supported (this build reads " +
             std::to_string(kFlowEnsembleVersion) + ")");
  const json& list = member(doc, "members", source, "");
  if (!list.is_array() || list.empty()) fail(source, "members", "'members' must be a non-empty array of flows");
  std::vector<FlowOnBox> out;
  for (std::size_t k = 0; k < list.size(); ++k)
    out.push_back(flow_from_json(list[k], source + " (member " + std::to_string(k + 1) + ")"));
  for (std::size_t k = 1; k < out.size(); ++k)
    if (!same_box(out[k].box, out[0].box))
      fail(source, "members",
           "member " + std::to_string(k + 1) + " has another box (names, bounds or map) than member 1");
  return out;
}

std::vector<FlowOnBox> load_flow_members_file(const std::string& path) {
  return flow_members_from_json(read_flow_document(path), path);
}

void check_flow_names(const FlowOnBox& flow, const std::vector<std::string>& names, const std::string& source) {
  const auto& mine = flow.box.names();
  if (mine == names) return;
  std::string detail;
  auto join = [](const std::vector<std::string>& v) {
    std::string s;
    for (std::size_t i = 0; i < v.size(); ++i) s += (i ? "," : "") + v[i];
    return s;
  };
  for (std::size_t i = 0; i < std::max(mine.size(), names.size()); ++i) {
    const std::string a = i < mine.size() ? mine[i] : "(none)";
    const std::string b = i < names.size() ? names[i] : "(none)";
    if (a != b) {
      detail = "position " + std::to_string(i + 1) + ": flow has '" + a + "', expected '" + b + "'";
      break;
    }
  }
  throw Error(ErrorContext{.file = source, .parameter = "parameters"},
              "flow parameter names [" + join(mine) + "] differ from [" + join(names) + "] (" + detail + ")");
}

}  // namespace flowprior
