#include "tools/cli_util.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <random>

namespace finch::cli {

// Flags that take no value.
static bool IsBareFlag(const std::string& name) {
  return name == "help" || name == "json" || name == "no-opt" || name == "fold-bn" ||
         name == "quiet";
}

Args::Args(int argc, char** argv, int first) {
  for (int i = first; i < argc; ++i) {
    std::string a = argv[i];
    if (a.rfind("--", 0) == 0 && a.size() > 2) {
      std::string name = a.substr(2), value;
      const size_t eq = name.find('=');
      if (eq != std::string::npos) {
        value = name.substr(eq + 1);
        name = name.substr(0, eq);
      } else if (!IsBareFlag(name) && i + 1 < argc) {
        value = argv[++i];
      }
      flags_.emplace_back(name, value);
    } else if (a == "-o" && i + 1 < argc) {
      flags_.emplace_back("output", argv[++i]);
    } else {
      positional_.push_back(a);
    }
  }
}

std::string Args::Get(const std::string& name, const std::string& fallback) {
  known_.push_back(name);
  for (auto it = flags_.rbegin(); it != flags_.rend(); ++it) {
    if (it->first == name) return it->second;
  }
  return fallback;
}

std::vector<std::string> Args::GetAll(const std::string& name) {
  known_.push_back(name);
  std::vector<std::string> out;
  for (const auto& f : flags_) {
    if (f.first == name) out.push_back(f.second);
  }
  return out;
}

bool Args::Has(const std::string& name) {
  known_.push_back(name);
  for (const auto& f : flags_) {
    if (f.first == name) return true;
  }
  return false;
}

StatusOr<int64_t> Args::GetInt(const std::string& name, int64_t fallback) {
  if (!Has(name)) return fallback;
  const std::string v = Get(name);
  char* end = nullptr;
  long long x = std::strtoll(v.c_str(), &end, 10);
  if (v.empty() || *end != '\0') return InvalidArgument("--", name, " needs an integer, got \"", v, "\"");
  return static_cast<int64_t>(x);
}

StatusOr<double> Args::GetDouble(const std::string& name, double fallback) {
  if (!Has(name)) return fallback;
  const std::string v = Get(name);
  char* end = nullptr;
  double x = std::strtod(v.c_str(), &end);
  if (v.empty() || *end != '\0') return InvalidArgument("--", name, " needs a number, got \"", v, "\"");
  return x;
}

Status Args::CheckAllUsed() const {
  for (const auto& f : flags_) {
    if (std::find(known_.begin(), known_.end(), f.first) == known_.end()) {
      return InvalidArgument("unknown option --", f.first);
    }
  }
  return Status::Ok();
}

Tensor RandomTensor(DataType dtype, const Shape& shape, uint64_t seed) {
  auto t = Tensor::Allocate(dtype, shape);
  if (!t.ok()) return Tensor();
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> normal(0.f, 1.f);
  Tensor out = std::move(t).value();
  for (int64_t i = 0; i < out.num_elements(); ++i) {
    const float x = normal(rng);
    switch (dtype) {
      case DataType::kFloat32: out.mutable_data<float>()[i] = x; break;
      case DataType::kInt64: out.mutable_data<int64_t>()[i] = static_cast<int64_t>(std::lround(x * 4)); break;
      case DataType::kInt32: out.mutable_data<int32_t>()[i] = static_cast<int32_t>(std::lround(x * 4)); break;
      case DataType::kUint8: out.mutable_data<uint8_t>()[i] = static_cast<uint8_t>(rng() & 255); break;
      case DataType::kInt8: out.mutable_data<int8_t>()[i] = static_cast<int8_t>(rng() & 255); break;
      case DataType::kBool: out.mutable_data<bool>()[i] = x > 0; break;
      default: break;
    }
  }
  return out;
}

}  // namespace finch::cli
