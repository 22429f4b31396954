#pragma once
// Building blocks of the self-contained run report (workflow/report.hpp): HTML escaping, PNG files as base64 data
// URIs, and reading run files so that a missing or corrupt file becomes a note instead of an exception.
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace flowprior::report {

std::string escape(const std::string& text);
std::string base64(const std::string& bytes);

// "1.23" / "-4.5e-07"; an absent, null or non-numeric value gives "n/a".
std::string number(const nlohmann::json* value, int digits = 4);
std::string number(double value, int digits = 4);
// A json value shown as short text (strings unquoted, arrays comma-separated).
std::string text(const nlohmann::json* value);
// j[key1][key2]...: nullptr where any step is absent or not an object.
const nlohmann::json* find(const nlohmann::json& j, std::initializer_list<const char*> path);

// Reads the files of one run folder, remembering every file that is missing or corrupt with the reason.
class RunFolder {
 public:
  explicit RunFolder(std::string folder) : folder_(std::move(folder)) {}

  const std::string& folder() const { return folder_; }
  bool exists(const std::string& file) const;
  // Parsed JSON, or nullopt with a note (absent, empty, not JSON, not an object).
  std::optional<nlohmann::json> json(const std::string& file, const std::string& why_needed = "");
  // A PNG as a data URI, or nullopt with a note (absent, empty, no PNG signature, truncated before IEND).
  std::optional<std::string> png(const std::string& file, const std::string& why_needed = "");
  // The file's text, or nullopt with a note.
  std::optional<std::string> read_text(const std::string& file, const std::string& why_needed = "");
  // Files of the folder whose names end with `suffix`, sorted.
  std::vector<std::string> files_ending(const std::string& suffix) const;

  void note_missing(const std::string& file, const std::string& reason);
  // The note recorded for `file` ("FILE (reason)"), or "" if none.
  std::string note_for(const std::string& file) const;
  const std::vector<std::string>& missing() const { return missing_; }

 private:
  std::optional<std::string> bytes(const std::string& file, const std::string& why_needed);
  std::string folder_;
  std::vector<std::string> missing_;  // "FILE (reason)", each file once
};

}  // namespace flowprior::report
