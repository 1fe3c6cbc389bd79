#include "tools/cli_util.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstdio>
#include <map>
#include <random>

#include "graph/onnx/tensor_proto.h"

namespace finch::cli {

Args::Args(int argc, char** argv, int first, const std::set<std::string>& bare_flags) {
  for (int i = first; i < argc; ++i) {
    std::string a = argv[i];
    if (a.rfind("--", 0) == 0 && a.size() > 2) {
      std::string name = a.substr(2), value;
      const size_t eq = name.find('=');
      if (eq != std::string::npos) {
        value = name.substr(eq + 1);
        name = name.substr(0, eq);
      } else if (!bare_flags.count(name) && i + 1 < argc) {
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

StatusOr<std::vector<Tensor>> LoadOrMakeInputs(const Session& session,
                                               const std::vector<std::string>& files) {
  std::vector<Tensor> inputs;
  const size_t n_inputs = session.input_names().size();
  if (!files.empty()) {
    if (files.size() != n_inputs) {
      return InvalidArgument("the model has ", n_inputs, " inputs, ", files.size(),
                             " --input files were given");
    }
    for (const std::string& f : files) {
      FINCH_ASSIGN_OR_RETURN(Tensor t, ReadTensorFile(f));
      inputs.push_back(std::move(t));
    }
    return inputs;
  }
  for (size_t i = 0; i < n_inputs; ++i) {
    inputs.push_back(
        RandomTensor(session.input_type(i).dtype, session.DefaultInputShape(i), 1234 + i));
    std::printf("input \"%s\": random %s%s (seed %zu)\n", session.input_names()[i].c_str(),
                DataTypeName(inputs.back().dtype()), ShapeToString(inputs.back().shape()).c_str(),
                1234 + i);
  }
  return inputs;
}

std::string OpCountSummary(const std::vector<std::string>& ops) {
  std::map<std::string, int> counts;
  for (const std::string& op : ops) ++counts[op];
  std::string out;
  for (const auto& [op, c] : counts) {
    out += StrCat(out.empty() ? "" : "+", c > 1 ? StrCat(c, "x") : "", op);
  }
  return out;
}

}  // namespace finch::cli
