// Post-training static quantization: float model + sample inputs -> QDQ model, with the
// per-layer record of what int8 costs (error) and buys (time) on this CPU.
//
//   1. prepare: eliminate-identity, fold-constants, fold-batchnorm (a Conv's BN must be in its
//      weights before they are quantized), then the opset raised to 13 for per-channel weights;
//   2. calibrate the tensors every int8 candidate reads and writes (calibration.h);
//   3. build the QDQ graph (graph/quantize/qdq_builder.h) and run it in finch on int8 kernels;
//   4. per layer: the error of the int8 model's tensor against the float model's (SQNR and
//      cosine, on held-out inputs; errors of earlier layers included), the fraction of float
//      values the chosen range clips, and each layer's kernel time int8 vs fp32;
//   5. the mixed-precision plan: a layer stays FP32 when the user excludes it, when its int8
//      kernel is slower (by 10% and 5 us, beyond timing noise) than its fp32 kernel plus the
//      Quantize/Dequantize its fp32 island would add (their cost measured per element on this
//      CPU), or when it alone costs more than `max_sqnr_drop_db` of SQNR; then the QDQ graph is
//      rebuilt with that plan.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "graph/ir.h"
#include "graph/quantize/qdq_builder.h"
#include "graph/status.h"
#include "runtime/quantize/calibration.h"

namespace finch {

struct QuantizeOptions {
  CalibrationOptions calibration;
  bool per_channel = true;
  std::set<std::string> exclude;  // node names that stay FP32
  bool auto_precision = true;     // apply the speed and error rules (else only `exclude`)
  double max_sqnr_drop_db = 15.0;
  int timing_iters = 15;          // runs per model when timing layers
};

struct LayerQuantReport {
  std::string node, op_type, output;
  ActivationQuant quant;      // of `output`
  float range_lo = 0, range_hi = 0;
  double clip_rate = 0;       // share of the float output's values outside the range
  double sqnr_db = 0;         // int8 model vs float model at `output` (cumulative)
  double sqnr_drop_db = 0;    // min SQNR of its inputs − sqnr_db: what this layer adds
  double cosine = 0;
  double fp32_ms = 0, int8_ms = 0;  // median kernel time of the layer (0: not measured)
  double convert_ms = 0;      // the Q + DQ an fp32 island here would add
  std::string decision;       // "int8", or "fp32: <reason>"
};

struct QuantizeResult {
  Graph qdq;                  // the model to save
  std::vector<LayerQuantReport> layers;
  int int8_layers = 0;
  double fp32_model_ms = 0, int8_model_ms = 0;  // whole model, median, finch
};

// `calibration` samples shape the statistics; `evaluation` samples (may be the same, better
// held out) the per-layer errors and timings.
StatusOr<QuantizeResult> QuantizeModel(const Graph& float_graph,
                                       const std::vector<std::vector<Tensor>>& calibration,
                                       const std::vector<std::vector<Tensor>>& evaluation,
                                       const QuantizeOptions& options);

// The float graph quantization starts from (step 1), also the FP32 reference of the report.
StatusOr<Graph> PrepareForQuantization(const Graph& graph, bool per_channel);

}  // namespace finch
