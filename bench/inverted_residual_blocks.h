// The inverted-residual blocks the benchmarks time (bench/inverted_residual_bench.cc,
// bench/inverted_residual_stages_bench.cc): the real block shapes of MobileNetV2 and
// EfficientNet-B0 at 224², seeded weights, and each block as a graph of one fused
// finch::InvertedResidual node or of the separate NHWC nodes, both with layout NHWC.
#pragma once

#include <cmath>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "graph/ir.h"
#include "graph/ops/fused.h"
#include "graph/ops/layout.h"
#include "graph/tensor.h"

namespace finch::bench {

// One block: in → hidden (1×1 expand) → depthwise k×k, stride → [SE reduced] → out (1×1).
struct BlockSpec {
  const char* name;
  int64_t in, hidden, out, h, w, k, stride;
  int64_t se_reduced;  // 0: no squeeze-excite
  bool residual;
  bool silu;  // EfficientNet: SiLU everywhere (SE gate Sigmoid); else MobileNetV2's ReLU6
  int64_t out_h() const { return (h + 2 * (k / 2) - k) / stride + 1; }
  int64_t out_w() const { return (w + 2 * (k / 2) - k) / stride + 1; }
};

inline const std::vector<BlockSpec> kBlocks = {
    // MobileNetV2 224² (t = 6 stages; the first repeat of a stage has stride s, no residual).
    {"mnv2_16-96-24_112_s2", 16, 96, 24, 112, 112, 3, 2, 0, false, false},
    {"mnv2_24-144-24_56_s1_res", 24, 144, 24, 56, 56, 3, 1, 0, true, false},
    {"mnv2_24-144-32_56_s2", 24, 144, 32, 56, 56, 3, 2, 0, false, false},
    {"mnv2_32-192-32_28_s1_res", 32, 192, 32, 28, 28, 3, 1, 0, true, false},
    {"mnv2_64-384-64_14_s1_res", 64, 384, 64, 14, 14, 3, 1, 0, true, false},
    {"mnv2_96-576-96_14_s1_res", 96, 576, 96, 14, 14, 3, 1, 0, true, false},
    {"mnv2_160-960-160_7_s1_res", 160, 960, 160, 7, 7, 3, 1, 0, true, false},
    // EfficientNet-B0 224², MBConv6 with SE (reduced = in / 4) and SiLU.
    {"effb0_24-144-24_56_k3_se6_res", 24, 144, 24, 56, 56, 3, 1, 6, true, true},
    {"effb0_40-240-40_28_k5_se10_res", 40, 240, 40, 28, 28, 5, 1, 10, true, true},
};

inline Attribute Ints(std::vector<int64_t> v) {
  Attribute a;
  a.kind = Attribute::Kind::kInts;
  a.ints = std::move(v);
  return a;
}
inline Attribute Int(int64_t v) {
  Attribute a;
  a.kind = Attribute::Kind::kInt;
  a.i = v;
  return a;
}
inline Attribute Str(std::string v) {
  Attribute a;
  a.kind = Attribute::Kind::kString;
  a.s = std::move(v);
  return a;
}
inline Attribute Floats(std::vector<float> v) {
  Attribute a;
  a.kind = Attribute::Kind::kFloats;
  a.floats = std::move(v);
  return a;
}

// `<prefix>activation` (and its params) for the block's activation family.
inline void SetAct(Node& n, const std::string& prefix, const std::string& act) {
  if (act.empty()) return;
  n.attributes[prefix + "activation"] = Str(act);
  if (act == "Clip") n.attributes[prefix + "activation_params"] = Floats({0.f, 6.f});
}

// The block's weights, drawn once and shared (as constants) by both graphs: uniform with
// variance 2 / fan_in (Kaiming), so activations stay of order 1 through the block.
struct Weights {
  std::shared_ptr<const Tensor> we, be, wd, bd, ws1, bs1, ws2, bs2, wp, bp;
  Tensor x;  // the block input, NHWC
};

inline std::shared_ptr<const Tensor> Random(const Shape& shape, double fan_in, std::mt19937& rng) {
  const float a = static_cast<float>(std::sqrt(6.0 / fan_in));
  std::uniform_real_distribution<float> d(-a, a);
  std::vector<float> v(NumElements(shape));
  for (float& f : v) f = d(rng);
  return std::make_shared<const Tensor>(Tensor::FromVector<float>(shape, v));
}

inline Weights MakeWeights(const BlockSpec& s) {
  std::mt19937 rng(7);
  Weights w;
  w.we = Random({s.hidden, s.in, 1, 1}, s.in, rng);
  w.be = Random({s.hidden}, 12, rng);
  w.wd = Random({s.hidden, 1, s.k, s.k}, s.k * s.k, rng);
  w.bd = Random({s.hidden}, 12, rng);
  if (s.se_reduced) {
    w.ws1 = Random({s.se_reduced, s.hidden, 1, 1}, s.hidden, rng);
    w.bs1 = Random({s.se_reduced}, 12, rng);
    w.ws2 = Random({s.hidden, s.se_reduced, 1, 1}, s.se_reduced, rng);
    w.bs2 = Random({s.hidden}, 12, rng);
  }
  w.wp = Random({s.out, s.hidden, 1, 1}, s.hidden, rng);
  w.bp = Random({s.out}, 12, rng);
  w.x = *Random({1, s.h, s.w, s.in}, 3, rng);  // uniform [-1, 1)
  return w;
}

inline Graph NewGraph(const BlockSpec& s, ValueId* x) {
  Graph g;
  g.opset_imports[""] = 13;
  g.opset_imports[kFinchDomain] = 1;
  *x = g.AddValue("x", TensorType::Static(DataType::kFloat32, {1, s.h, s.w, s.in}));
  g.inputs.push_back(*x);
  return g;
}

inline Node& AddNode(Graph& g, const std::string& op, const std::string& name,
                     std::vector<ValueId> inputs) {
  Node n;
  n.name = name;
  n.op_type = op;
  n.domain = kFinchDomain;
  n.inputs = std::move(inputs);
  n.outputs.push_back(g.AddValue(name + "_out"));
  n.attributes[kLayoutAttribute] = Str(kNhwc);
  g.nodes.push_back(std::move(n));
  return g.nodes.back();
}

inline std::string ExpandAct(const BlockSpec& s) { return s.silu ? "SiLU" : "Clip"; }

inline Graph FusedGraph(const BlockSpec& s, const Weights& w) {
  ValueId x;
  Graph g = NewGraph(s, &x);
  std::vector<ValueId> in(kIrNumInputs, kNoValue);
  in[kIrX] = x;
  in[kIrExpandW] = g.AddConstant("we", w.we);
  in[kIrExpandB] = g.AddConstant("be", w.be);
  in[kIrDepthwiseW] = g.AddConstant("wd", w.wd);
  in[kIrDepthwiseB] = g.AddConstant("bd", w.bd);
  if (s.se_reduced) {
    in[kIrSeReduceW] = g.AddConstant("ws1", w.ws1);
    in[kIrSeReduceB] = g.AddConstant("bs1", w.bs1);
    in[kIrSeExpandW] = g.AddConstant("ws2", w.ws2);
    in[kIrSeExpandB] = g.AddConstant("bs2", w.bs2);
  }
  in[kIrProjectW] = g.AddConstant("wp", w.wp);
  in[kIrProjectB] = g.AddConstant("bp", w.bp);
  Node& n = AddNode(g, "InvertedResidual", "block", in);
  SetAct(n, "expand_", ExpandAct(s));
  SetAct(n, "dw_", ExpandAct(s));
  if (s.se_reduced) {
    SetAct(n, "se_", "SiLU");
    SetAct(n, "se_gate_", "Sigmoid");
  }
  const int64_t p = s.k / 2;
  n.attributes["dw_strides"] = Ints({s.stride, s.stride});
  n.attributes["dw_pads"] = Ints({p, p, p, p});
  n.attributes["dw_dilations"] = Ints({1, 1});
  n.attributes["residual"] = Int(s.residual ? 1 : 0);
  g.outputs.push_back(n.outputs[0]);
  return g;
}

inline void SetConvAttrs(Node& n, int64_t k, int64_t stride, int64_t group,
                         const std::string& act) {
  const int64_t p = k / 2;
  n.attributes["kernel_shape"] = Ints({k, k});
  n.attributes["strides"] = Ints({stride, stride});
  n.attributes["pads"] = Ints({p, p, p, p});
  n.attributes["dilations"] = Ints({1, 1});
  n.attributes["group"] = Int(group);
  SetAct(n, "", act);
}

inline Graph UnfusedGraph(const BlockSpec& s, const Weights& w) {
  ValueId x;
  Graph g = NewGraph(s, &x);
  const ValueId we = g.AddConstant("we", w.we), be = g.AddConstant("be", w.be);
  const ValueId wd = g.AddConstant("wd", w.wd), bd = g.AddConstant("bd", w.bd);
  const ValueId wp = g.AddConstant("wp", w.wp), bp = g.AddConstant("bp", w.bp);
  ValueId t;
  {
    Node& n = AddNode(g, "FusedConv", "expand", {x, we, be});
    SetConvAttrs(n, 1, 1, 1, ExpandAct(s));
    t = n.outputs[0];
  }
  {
    Node& n = AddNode(g, "FusedConv", "dw", {t, wd, bd});
    SetConvAttrs(n, s.k, s.stride, s.hidden, ExpandAct(s));
    t = n.outputs[0];
  }
  if (s.se_reduced) {
    Node& n = AddNode(g, "SqueezeExcite", "se",
                      {t, g.AddConstant("ws1", w.ws1), g.AddConstant("bs1", w.bs1),
                       g.AddConstant("ws2", w.ws2), g.AddConstant("bs2", w.bs2)});
    SetAct(n, "", "SiLU");
    SetAct(n, "gate_", "Sigmoid");
    t = n.outputs[0];
  }
  std::vector<ValueId> in = {t, wp, bp};
  if (s.residual) in.push_back(x);
  Node& n = AddNode(g, "FusedConv", "project", in);
  SetConvAttrs(n, 1, 1, 1, "");
  g.outputs.push_back(n.outputs[0]);
  return g;
}

}  // namespace finch::bench
