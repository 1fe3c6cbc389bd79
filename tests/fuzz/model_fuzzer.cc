// libFuzzer target: a model file from an untrusted source, through the whole public path.
//
// The bytes are parsed and imported (ParseOnnxModel), given to Session::Create with a memory
// budget of 256 MiB (so that a tiny file cannot ask for a huge constant or arena and make the
// fuzzer's RSS limit, not finch, the thing that stops it) and, when it loads and its inputs are
// small, run once on deterministic inputs of the declared shapes (symbolic dims = 1). Any
// crash, sanitizer report, leak or allocation beyond -malloc_limit_mb is a finding; an error
// Status is the expected outcome for almost every input.
//
// Built only with -DFINCH_FUZZ=ON and clang (tests/fuzz/CMakeLists.txt); tools/fuzz.sh builds
// it with -fsanitize=fuzzer,address,undefined, seeds a corpus and runs it.
#include <stdlib.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "graph/onnx/importer.h"
#include "runtime/session.h"

namespace {

constexpr size_t kMemoryLimitBytes = size_t{256} << 20;
constexpr int64_t kMaxInputBytes = int64_t{1} << 20;  // per input; larger inputs are not run

// An empty folder: external data may only resolve inside it, so the fuzzer reads no files.
std::string& BaseDir() {
  static std::string dir = [] {
    char tmpl[] = "/tmp/finch-fuzz-XXXXXX";
    const char* d = mkdtemp(tmpl);
    return std::string(d != nullptr ? d : "/nonexistent-finch-fuzz");
  }();
  return dir;
}

// Small mixed-sign floats, small non-negative integers, alternating booleans, zeros otherwise.
bool MakeInput(finch::DataType dtype, const finch::Shape& shape, finch::Tensor* out) {
  using finch::DataType;
  auto n = finch::CheckedNumElements(shape);
  if (!n.ok() || !finch::IsStorable(dtype)) return false;
  if (*n > kMaxInputBytes / static_cast<int64_t>(finch::DataTypeSize(dtype))) return false;
  auto t = finch::Tensor::Allocate(dtype, shape);
  if (!t.ok()) return false;
  for (int64_t i = 0; i < *n; ++i) {
    switch (dtype) {
      case DataType::kFloat32:
        t->mutable_data<float>()[i] = static_cast<float>((i * 7) % 11 - 5) * 0.5f;
        break;
      case DataType::kInt64: t->mutable_data<int64_t>()[i] = i % 3; break;
      case DataType::kInt32: t->mutable_data<int32_t>()[i] = static_cast<int32_t>(i % 3); break;
      case DataType::kBool: t->mutable_data<bool>()[i] = (i % 2) == 1; break;
      default: break;
    }
  }
  *out = std::move(t).value();
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  auto graph = finch::ParseOnnxModel(bytes, BaseDir());
  if (!graph.ok()) return 0;
  finch::SessionOptions options;
  options.threads = 1;
  options.memory_limit_bytes = kMemoryLimitBytes;
  auto session = finch::Session::Create(std::move(graph).value(), options);
  if (!session.ok()) return 0;
  const finch::Session& s = **session;
  std::vector<finch::Tensor> inputs(s.input_names().size());
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (!s.input_type(i).has_rank()) return 0;
    if (!MakeInput(s.input_type(i).dtype, s.DefaultInputShape(i), &inputs[i])) return 0;
  }
  auto outputs = s.Run(inputs);
  (void)outputs;
  return 0;
}
