#pragma once
// Parameter boxes from TOML: a table [parameters] with entries `name = [low, high]`, kept in file order.
// Optional top-level key `map = "logit" | "probit"`.
#include <string>
#include <toml++/toml.h>

#include "flowprior/core/box.hpp"

namespace flowprior {

Box read_box_toml(const std::string& path);
Box parse_box_toml(const std::string& text, const std::string& source_name);
std::string box_to_toml(const Box& box);
// The [parameters] table of any flowprior TOML file (parameter files, analysis configurations): entries
// `name = [low, high]` in the order of their lines. Errors name `source`, the line and key_prefix + name.
Box box_from_parameters_table(const toml::table& params, BoxMap map, const std::string& source,
                              const std::string& key_prefix = "");

}  // namespace flowprior
