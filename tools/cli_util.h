// Small helpers for the finch CLI: argument parsing and deterministic inputs.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "graph/status.h"
#include "graph/tensor.h"
#include "runtime/session.h"

namespace finch::cli {

// Flags of the form --name VALUE / --name=VALUE / --flag, and positional arguments.
class Args {
 public:
  // `bare_flags` are the flags of this command that take no value.
  Args(int argc, char** argv, int first, const std::set<std::string>& bare_flags);
  // The value of --name, or `fallback`; every call marks the flag as known.
  std::string Get(const std::string& name, const std::string& fallback = "");
  std::vector<std::string> GetAll(const std::string& name);
  bool Has(const std::string& name);
  StatusOr<int64_t> GetInt(const std::string& name, int64_t fallback);
  StatusOr<double> GetDouble(const std::string& name, double fallback);
  const std::vector<std::string>& positional() const { return positional_; }
  // An error naming the first flag no Get/Has/GetAll asked about.
  Status CheckAllUsed() const;

 private:
  std::vector<std::pair<std::string, std::string>> flags_;  // name, value ("" for a bare flag)
  std::vector<std::string> positional_;
  std::vector<std::string> known_;
};

// Standard-normal values from a fixed seed: the same input every run.
Tensor RandomTensor(DataType dtype, const Shape& shape, uint64_t seed);

// The session's inputs: read from `files` (TensorProto .pb, in graph-input order), or, when
// there are none, deterministic random tensors of the declared shapes with batch 1 (printed).
StatusOr<std::vector<Tensor>> LoadOrMakeInputs(const Session& session,
                                               const std::vector<std::string>& files);

// "3xConv+2xClip+Add": each distinct op once, by name, with its count when above 1.
std::string OpCountSummary(const std::vector<std::string>& ops);

}  // namespace finch::cli
