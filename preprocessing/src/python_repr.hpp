// Numbers in messages as Python's repr prints them (nilearn's warnings quote them so).
#pragma once

#include <cstdlib>
#include <sstream>
#include <string>

namespace brainenc::preprocessing {

// Shortest decimal (15 to 17 significant digits) that reads back as the same double.
inline std::string python_repr(double v) {
  std::string text;
  for (int digits = 15; digits <= 17; ++digits) {
    std::ostringstream os;
    os.precision(digits);
    os << v;
    text = os.str();
    if (std::strtod(text.c_str(), nullptr) == v) break;
  }
  return text;
}

}  // namespace brainenc::preprocessing
