// finch: the command-line front end. Each subcommand lives in its own file; this one dispatches
// and turns a Status into a message and an exit code.
#include <cstdio>
#include <cstring>
#include <string>

#include "tools/commands.h"

namespace {

const char kUsage[] =
    "usage: finch COMMAND [options]\n"
    "\n"
    "commands:\n"
    "  run MODEL [--input FILE.pb ...] [--output-dir DIR] [--threads N] [--iters N]\n"
    "            [--labels FILE] [--no-opt] [--disable-pass NAME ...]\n"
    "      run an ONNX model; without --input, a deterministic random input of batch 1.\n"
    "      Prints output shapes, the top-5 of 2-D outputs and the latency.\n"
    "  zoo mobilenetv2 [--width W] [--resolution R] [--standard] [--fold-bn] [--classes K]\n"
    "                  [--seed S] [--opset N] -o FILE.onnx\n"
    "  zoo mobilenetv1 [--width A] [--resolution R] [--standard] [--fold-bn] ... -o FILE.onnx\n"
    "  zoo efficientnet [--phi 0..7] [--width W] [--depth D] [--resolution R] [--standard]\n"
    "                   [--fold-bn] ... -o FILE.onnx\n"
    "      write a network from its paper's layer table with seeded random weights (BN kept\n"
    "      unless --fold-bn; --standard: every depthwise conv replaced by a full conv); print\n"
    "      its params and MACs.\n"
    "  optimize MODEL -o OUT.onnx [--disable-pass NAME ...] [--dump-after NAME]\n"
    "           [--list-passes]\n"
    "      run the pass pipeline; print each pass's rewrites and the op counts before/after.\n"
    "  compare MODEL [--input FILE.pb ...] [--threads N] [--iters N] [--json FILE]\n"
    "          [--disable-pass NAME ...]\n"
    "      run the unfused and the fused graph on the same input: per fused node, what it\n"
    "      replaced, its numerical error and time both ways; then the total speedup.\n"
    "  bench MODEL [--threads N] [--warmup N] [--iters N] [--no-opt] [--disable-pass NAME ...]\n"
    "        [--input FILE.pb ...] [--json]\n"
    "      time --iters runs after --warmup untimed ones: min/median/p90/mean/stddev, the CPU\n"
    "      and the kernels; --json prints one JSON object on stdout. FINCH_DISABLE_ISA=avx2,fma\n"
    "      switches CPU features off (forces the scalar path).\n"
    "  profile MODEL [--threads N] [--no-opt] [--iters N] [--input FILE.pb ...]\n"
    "          [--json FILE] [--csv FILE] [--trace FILE.json] [--svg FILE.svg]\n"
    "      per executed node: output shape, params, MACs, bytes, intensity, measured time,\n"
    "      achieved GFLOP/s and GB/s, the roofline's predicted time; totals (FLOPs = 2 x MACs),\n"
    "      peak activation memory, prediction errors, the MACs the kernels executed.\n"
    "      --trace: Chrome trace events; --svg: this machine's roofline with every layer.\n"
    "  machine [--json] [--refresh] [--threads N]\n"
    "      this CPU's roofs: FP32 FMA peak per thread count, int8 peak, DRAM and L2 bandwidth,\n"
    "      caches and ISA, and the fraction of the peak finch's kernels reach per class;\n"
    "      measured once (~5 s) and cached (FINCH_MACHINE_CACHE=path).\n"
    "  quantize MODEL -o OUT.onnx --calib SOURCE [--calib-limit N]\n"
    "           [--method mse|percentile|minmax|entropy] [--per-channel | --per-tensor]\n"
    "           [--exclude NODE ...] [--no-auto] [--preprocess imagenet|caffe-bgr] [--json FILE]\n"
    "      post-training static quantization to a QDQ model (SOURCE: an image folder, a folder\n"
    "      of input .pb tensors, or random:N); prints per layer the range, clipping, SQNR\n"
    "      against FP32, int8 vs fp32 time and the precision chosen.\n"
    "  scale efficientnet [--phi 0..7] [--measure-up-to PHI] [--threads N] [--iters N]\n"
    "        [--svg FILE] [--json FILE]\n"
    "  scale mobilenetv2 [--width 0.35,0.5,0.75,1.0,1.4] [--resolution 224,...] ...\n"
    "      build each variant in memory: params, MACs, peak activation memory, predicted\n"
    "      (roofline) and measured ms, ratios to the first; EfficientNet's MAC growth per\n"
    "      step of phi against compound scaling's 1.92; --svg: latency and MACs plotted.\n"
    "  scale standard-vs-separable [--threads N] [--iters N] [--json FILE]\n"
    "      standard vs depthwise-separable convs per layer shape and per network (MobileNetV1,\n"
    "      V2 and their --standard baselines): MACs, predicted and measured time, and why.\n"
    "  fit --latency-ms X [--family efficientnet|mobilenetv2] [--threads N] [--iters N]\n"
    "      [--phi LIST] [--width LIST] [--resolution LIST]\n"
    "      the largest variant by MACs whose predicted latency fits X; then measured.\n"
    "  validate MODEL [--memory-limit BYTES]\n"
    "      the load-time checks one per line (ok / FAILED and the first problem); exit 0 or 1.\n"
    "  eval MODEL --images DIR --labels FILE [--preprocess imagenet|caffe-bgr] [--skip N]\n"
    "       [--limit N] [--threads N] [--no-opt] [--json]\n"
    "      top-1/top-5 accuracy on a labelled image folder (lines `file<TAB>class-index`):\n"
    "      images resized and center-cropped to the model's input, normalised as\n"
    "      --preprocess says (imagenet: RGB, torchvision's mean/std; caffe-bgr: BGR 0..255\n"
    "      minus 104/117/123). --json prints {\"top1\": x, \"top5\": x, \"n\": N, ...}.\n";

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || !std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "-h") ||
      !std::strcmp(argv[1], "help")) {
    std::fputs(kUsage, argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  const std::string command = argv[1];
  using finch::cli::Args;
  finch::Status status;
  if (command == "run") {
    Args args(argc, argv, 2, {"no-opt"});
    status = finch::cli::RunCommand(args);
  } else if (command == "zoo") {
    Args args(argc, argv, 2, {"standard", "fold-bn"});
    status = finch::cli::ZooCommand(args);
  } else if (command == "optimize") {
    Args args(argc, argv, 2, {"list-passes"});
    status = finch::cli::OptimizeCommand(args);
  } else if (command == "compare") {
    Args args(argc, argv, 2, {});
    status = finch::cli::CompareCommand(args);
  } else if (command == "bench") {
    Args args(argc, argv, 2, {"no-opt", "json"});
    status = finch::cli::BenchCommand(args);
  } else if (command == "validate") {
    Args args(argc, argv, 2, {});
    status = finch::cli::ValidateCommand(args);
  } else if (command == "profile") {
    Args args(argc, argv, 2, {"no-opt"});
    status = finch::cli::ProfileCommand(args);
  } else if (command == "quantize") {
    Args args(argc, argv, 2, {"per-channel", "per-tensor", "no-auto"});
    status = finch::cli::QuantizeCommand(args);
  } else if (command == "eval") {
    Args args(argc, argv, 2, {"no-opt", "json"});
    status = finch::cli::EvalCommand(args);
  } else if (command == "scale") {
    Args args(argc, argv, 2, {});
    status = finch::cli::ScaleCommand(args);
  } else if (command == "fit") {
    Args args(argc, argv, 2, {});
    status = finch::cli::FitCommand(args);
  } else if (command == "machine") {
    Args args(argc, argv, 2, {"json", "refresh"});
    status = finch::cli::MachineCommand(args);
  } else {
    std::fprintf(stderr, "finch: unknown command \"%s\"\n\n%s", command.c_str(), kUsage);
    return 2;
  }
  if (!status.ok()) {
    std::fprintf(stderr, "finch %s: %s\n", command.c_str(), status.ToString().c_str());
    return 1;
  }
  return 0;
}
