#include "flowprior/workflow/report_html.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace flowprior::report {
namespace {

namespace fs = std::filesystem;

std::string with_why(const std::string& reason, const std::string& why_needed) {
  return why_needed.empty() ? reason : reason + "; " + why_needed;
}

}  // namespace

std::string escape(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string base64(const std::string& bytes) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const unsigned v = (static_cast<unsigned char>(bytes[i]) << 16) | (static_cast<unsigned char>(bytes[i + 1]) << 8) |
                       static_cast<unsigned char>(bytes[i + 2]);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  const std::size_t rest = bytes.size() - i;
  if (rest > 0) {
    unsigned v = static_cast<unsigned char>(bytes[i]) << 16;
    if (rest == 2) v |= static_cast<unsigned char>(bytes[i + 1]) << 8;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += rest == 2 ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::string number(double value, int digits) {
  if (std::isnan(value)) return "n/a";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*g", digits, value);
  return buf;
}

std::string number(const nlohmann::json* value, int digits) {
  if (!value || !value->is_number()) return "n/a";
  return number(value->get<double>(), digits);
}

std::string text(const nlohmann::json* value) {
  if (!value || value->is_null()) return "n/a";
  if (value->is_string()) return value->get<std::string>();
  if (value->is_number()) return number(value);
  if (value->is_array()) {
    std::string out;
    for (const auto& item : *value) out += (out.empty() ? "" : ", ") + text(&item);
    return out;
  }
  return value->dump();
}

const nlohmann::json* find(const nlohmann::json& j, std::initializer_list<const char*> path) {
  const nlohmann::json* at = &j;
  for (const char* key : path) {
    if (!at->is_object()) return nullptr;
    const auto it = at->find(key);
    if (it == at->end()) return nullptr;
    at = &*it;
  }
  return at;
}

bool RunFolder::exists(const std::string& file) const {
  std::error_code ec;
  return fs::exists(fs::path(folder_) / file, ec);
}

void RunFolder::note_missing(const std::string& file, const std::string& reason) {
  if (note_for(file).empty()) missing_.push_back(file + " (" + reason + ")");
}

std::string RunFolder::note_for(const std::string& file) const {
  for (const auto& m : missing_)
    if (m.rfind(file + " (", 0) == 0) return m;
  return "";
}

std::optional<std::string> RunFolder::bytes(const std::string& file, const std::string& why_needed) {
  const fs::path path = fs::path(folder_) / file;
  std::error_code ec;
  if (!fs::exists(path, ec)) {
    note_missing(file, with_why("not in the run folder", why_needed));
    return std::nullopt;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    note_missing(file, with_why("cannot be opened", why_needed));
    return std::nullopt;
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  std::string data = ss.str();
  if (data.empty()) {
    note_missing(file, with_why("empty file", why_needed));
    return std::nullopt;
  }
  return data;
}

std::optional<nlohmann::json> RunFolder::json(const std::string& file, const std::string& why_needed) {
  auto data = bytes(file, why_needed);
  if (!data) return std::nullopt;
  try {
    nlohmann::json j = nlohmann::json::parse(*data);
    if (!j.is_object()) {
      note_missing(file, with_why("corrupt: not a JSON object", why_needed));
      return std::nullopt;
    }
    return j;
  } catch (const std::exception& e) {
    note_missing(file, with_why(std::string("corrupt: ") + e.what(), why_needed));
    return std::nullopt;
  }
}

std::optional<std::string> RunFolder::png(const std::string& file, const std::string& why_needed) {
  auto data = bytes(file, why_needed);
  if (!data) return std::nullopt;
  static const std::string kSignature = "\x89PNG\r\n\x1a\n";
  if (data->compare(0, kSignature.size(), kSignature) != 0) {
    note_missing(file, with_why("corrupt: not a PNG image", why_needed));
    return std::nullopt;
  }
  // A complete PNG ends with the IEND chunk (type + CRC are its last 8 bytes).
  if (data->size() < kSignature.size() + 12 || data->compare(data->size() - 8, 4, "IEND") != 0) {
    note_missing(file, with_why("corrupt: truncated PNG (no IEND chunk)", why_needed));
    return std::nullopt;
  }
  return "data:image/png;base64," + base64(*data);
}

std::optional<std::string> RunFolder::read_text(const std::string& file, const std::string& why_needed) {
  return bytes(file, why_needed);
}

std::vector<std::string> RunFolder::files_ending(const std::string& suffix) const {
  std::vector<std::string> out;
  std::error_code ec;
  for (fs::directory_iterator it(folder_, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.size() >= suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0)
      out.push_back(name);
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace flowprior::report
