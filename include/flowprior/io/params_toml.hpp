#pragma once
// Parameter boxes from TOML: a table [parameters] with entries `name = [low, high]`, kept in file order.
// Optional top-level key `map = "logit" | "probit"`.
#include <string>

#include "flowprior/core/box.hpp"

namespace flowprior {

Box read_box_toml(const std::string& path);
Box parse_box_toml(const std::string& text, const std::string& source_name);
std::string box_to_toml(const Box& box);

}  // namespace flowprior
