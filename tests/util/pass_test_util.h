// Checks shared by the pass tests (tests/passes/): run a graph and its rewrite and compare the
// outputs, "the pass changed nothing", finding nodes, and the attributes the fusing passes leave.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "graph/ir.h"
#include "graph/passes/pass.h"
#include "graph/tensor.h"
#include "tests/util/graph_builder.h"

namespace finch::testing {

// One tensor per graph input (static shapes), uniform in [-1, 1), drawn in input order from one
// stream seeded with `seed`.
std::vector<Tensor> RandomInputs(const Graph& g, uint32_t seed);

// Runs `g` unoptimized (SessionOptions{1, false}); fails the test and returns {} on error.
std::vector<Tensor> RunUnoptimized(const Graph& g, const std::vector<Tensor>& inputs);

// Runs `original` and `rewritten` unoptimized on the same inputs; every output must agree within
// AllClose(rtol, atol).
void ExpectSameOutputs(const Graph& original, const Graph& rewritten,
                       const std::vector<Tensor>& inputs, double rtol, double atol);

// Everything a pass could change, as text: each node's domain, op, name, input and output values
// (id and name), attribute names and kinds; the graph's inputs and outputs; every value's name
// and whether it is a constant.
std::string Dump(const Graph& g);

// The pass succeeded with 0 rewrites and returned `before` unchanged: the same Dump and the same
// constant tensors (shared, not copies).
void ExpectUnchanged(const StatusOr<PassResult>& result, const Graph& before);

// Runs `pass`; fails the test on error and then returns {g, -1}.
PassResult ApplyPass(const PassFn& pass, const Graph& g, const PassContext& ctx = PassContext{});

const Node* FindNode(const Graph& g, const std::string& name);
// The first node of type `op`, or nullptr; all of them.
const Node* FindOp(const Graph& g, const std::string& op);
std::vector<const Node*> FindOps(const Graph& g, const std::string& op);
// The node's "fused_from" attribute (empty when absent).
std::vector<std::string> FusedFromOf(const Node& n);

// A builder for graphs of finch's fused ops (opset 13 + finch domain 1) whose weights are drawn
// from a stream seeded with `seed`.
GraphBuilder FusedGraphBuilder(uint32_t seed);
// A finch::FusedConv's attributes as the fusing passes leave them (dilations 1, square strides).
std::map<std::string, Attribute> FusedConvAttrs(int64_t kh, int64_t kw, int64_t stride,
                                                std::vector<int64_t> pads, int64_t group,
                                                const std::string& activation,
                                                std::vector<float> activation_params,
                                                std::vector<std::string> fused_from);

}  // namespace finch::testing
