// finch scale efficientnet [--phi 0..7] [--measure-up-to PHI] [common options]
// finch scale mobilenetv2 [--width 0.35,0.5,0.75,1.0,1.4] [--resolution 224] [common options]
// finch scale standard-vs-separable [--threads N] [--iters N] [--json FILE]
//   common options: [--threads N] [--iters N] [--svg FILE] [--json FILE]
//
// Builds each variant in memory (no files), then prints one row per variant: params, MACs, peak
// activation memory, predicted ms (the roofline on this CPU's machine model) and measured ms (the
// median of RunsFor(predicted, --iters) runs: about 2 s of predicted time per variant, at least
// 3, at most --iters, after ~200 ms of warm-up; runtime/scaling.h), and every column's ratio to the
// first variant. For EfficientNet, the MAC growth per step of φ against compound scaling's ideal
// α·β²·γ² = 1.92, taken apart into depth, width and resolution (runtime/scaling.h: GrowthStep).
// Variants above --measure-up-to are predicted, not timed. standard-vs-separable is
// tools/separable_command.cc.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "graph/zoo/efficientnet.h"
#include "graph/zoo/zoo_common.h"
#include "runtime/cpu_features.h"
#include "runtime/json.h"
#include "runtime/machine_model.h"
#include "runtime/scaling.h"
#include "tools/cli_util.h"
#include "tools/commands.h"
#include "tools/scale_svg.h"

namespace finch::cli {
namespace {

constexpr char kUsage[] =
    "usage: finch scale efficientnet [--phi 0..7 | --phi 0,2,4] [--measure-up-to PHI]\n"
    "                   [--threads N] [--iters N] [--svg FILE] [--json FILE]\n"
    "       finch scale mobilenetv2 [--width 0.35,0.5,0.75,1.0,1.4] [--resolution 224,...]\n"
    "                   [--threads N] [--iters N] [--svg FILE] [--json FILE]\n"
    "       finch scale standard-vs-separable [--threads N] [--iters N] [--json FILE]";
constexpr char kConvention[] =
    "params: conv/Gemm weights and biases + BN scale and shift (torchvision's count); MACs: "
    "multiply-adds of Conv and Gemm at batch 1 (FLOPs = 2 x MACs); peak act: the memory "
    "planner's arena at batch 1";

std::string Commas(int64_t v) {
  std::string digits = std::to_string(v < 0 ? -v : v), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return (v < 0 ? "-" : "") + out;
}

double Ratio(double a, double b) { return b > 0 ? a / b : 0; }

struct Options {
  ScaleFamily family = ScaleFamily::kEfficientNet;
  std::vector<ScaleVariant> variants;
  int64_t measure_up_to = zoo::kEfficientNetMaxPhi;  // EfficientNet: φ above are not timed
  int threads = 0;
  int iters = 10;
  std::string svg, json;
};

StatusOr<Options> ParseOptions(Args& args) {
  Options o;
  FINCH_ASSIGN_OR_RETURN(o.family, ParseFamily(args.positional()[0]));
  FINCH_ASSIGN_OR_RETURN(int64_t threads, args.GetInt("threads", 0));
  FINCH_ASSIGN_OR_RETURN(int64_t iters, args.GetInt("iters", o.iters));
  o.svg = args.Get("svg");
  o.json = args.Get("json");
  if (threads < 0 || threads > 1024) {
    return InvalidArgument("--threads must be 0..1024 (0 = physical cores), got ", threads);
  }
  if (iters < 1 || iters > 10000) return InvalidArgument("--iters must be 1..10000, got ", iters);
  o.threads = static_cast<int>(threads);
  o.iters = static_cast<int>(iters);
  if (o.family == ScaleFamily::kEfficientNet) {
    FINCH_ASSIGN_OR_RETURN(std::vector<int64_t> phis, ParseIntList(args.Get("phi", "0..7"), "--phi",
                                                                   0, zoo::kEfficientNetMaxPhi));
    FINCH_ASSIGN_OR_RETURN(o.measure_up_to, args.GetInt("measure-up-to", zoo::kEfficientNetMaxPhi));
    if (o.measure_up_to < -1 || o.measure_up_to > zoo::kEfficientNetMaxPhi) {
      return InvalidArgument("--measure-up-to must be -1..", zoo::kEfficientNetMaxPhi,
                             " (-1: predict only), got ", o.measure_up_to);
    }
    o.variants = EfficientNetVariants(phis);
  } else if (o.family == ScaleFamily::kMobileNetV2) {
    FINCH_ASSIGN_OR_RETURN(
        std::vector<double> widths,
        ParseNumberList(args.Get("width", "0.35,0.5,0.75,1.0,1.4"), "--width", zoo::kMaxWidth));
    FINCH_ASSIGN_OR_RETURN(std::vector<int64_t> resolutions,
                           ParseIntList(args.Get("resolution", "224"), "--resolution",
                                        zoo::kMinResolution, zoo::kMaxResolution));
    o.variants = MobileNetV2Variants(widths, resolutions);
  } else {
    return InvalidArgument(FamilyName(o.family),
                           " has no sweep here; finch scale takes "
                           "efficientnet, mobilenetv2 or standard-vs-separable");
  }
  FINCH_RETURN_IF_ERROR(args.CheckAllUsed());
  return o;
}

bool Measured(const Options& o, const ScaleVariant& v) {
  return v.family != ScaleFamily::kEfficientNet || v.phi <= o.measure_up_to;
}

void PrintHeader() {
  std::printf("%-11s %5s %5s %5s %12s %15s %9s %9s %9s %5s | %7s %7s %7s %7s\n", "variant", "width",
              "depth", "res", "params", "MACs", "peak MiB", "pred ms", "meas ms", "runs", "params",
              "MACs", "pred", "meas");
}

void PrintRow(const VariantReport& r, const VariantReport& base) {
  const ScaleVariant& v = r.variant;
  std::printf("%-11s %5.2f %5.2f %5lld %12s %15s %9.2f %9.2f ", v.Label().c_str(), v.width, v.depth,
              static_cast<long long>(v.resolution), Commas(r.params).c_str(),
              Commas(r.macs).c_str(), static_cast<double>(r.peak_activation_bytes) / 1048576.0,
              r.predicted_ms);
  if (r.runs > 0) {
    std::printf("%9.2f %5d", r.measured_ms, r.runs);
  } else {
    std::printf("%9s %5s", "-", "-");
  }
  std::printf(" | %6.2fx %6.2fx %6.2fx ",
              Ratio(static_cast<double>(r.params), static_cast<double>(base.params)),
              Ratio(static_cast<double>(r.macs), static_cast<double>(base.macs)),
              Ratio(r.predicted_ms, base.predicted_ms));
  if (r.runs > 0 && base.runs > 0) {
    std::printf("%6.2fx\n", Ratio(r.measured_ms, base.measured_ms));
  } else {
    std::printf("%7s\n", "-");
  }
  std::fflush(stdout);
}

void PrintGrowth(const std::vector<VariantReport>& rows, const std::vector<GrowthStep>& steps) {
  if (steps.empty()) return;
  const double ideal = zoo::kCompoundAlpha * zoo::kCompoundBeta * zoo::kCompoundBeta *
                       zoo::kCompoundGamma * zoo::kCompoundGamma;
  std::printf(
      "\nMAC growth per step of phi against compound scaling's ideal alpha*beta^2*gamma^2 = "
      "1.2*1.1^2*1.15^2 = %.3f per step.\n"
      "Each step's factor = depth x width x resolution (applied in that order, each the ratio "
      "of MACs with one multiplier changed);\nin parentheses what the published B0..B7 table's "
      "multipliers give (d'/d, (w'/w)^2, (r'/r)^2).\n",
      ideal);
  std::printf("%-8s %7s %7s %7s | %15s %9s | %15s | %15s | %8s %8s\n", "step", "MACs x", "ideal",
              "table", "depth x (table)", "blocks", "width x (table)", "res x (table)", "pred x",
              "meas x");
  for (const GrowthStep& s : steps) {
    const VariantReport* a = nullptr;
    const VariantReport* b = nullptr;
    for (const VariantReport& r : rows) {
      if (r.variant.phi == s.from) a = &r;
      if (r.variant.phi == s.to) b = &r;
    }
    std::printf(
        "B%d->B%d %8.3f %7.3f %7.3f | %6.3f (%6.3f) %4lld->%-4lld | %6.3f (%6.3f) | "
        "%6.3f (%6.3f) | %7.3fx ",
        s.from, s.to, s.macs_factor, s.ideal_factor, s.table_factor, s.depth_factor, s.depth_table,
        static_cast<long long>(s.blocks_from), static_cast<long long>(s.blocks_to), s.width_factor,
        s.width_table, s.resolution_factor, s.resolution_table,
        a && b ? Ratio(b->predicted_ms, a->predicted_ms) : 0.0);
    if (a && b && a->runs > 0 && b->runs > 0) {
      std::printf("%7.3fx\n", Ratio(b->measured_ms, a->measured_ms));
    } else {
      std::printf("%8s\n", "-");
    }
  }
  const VariantReport& first = rows.front();
  const VariantReport& last = rows.back();
  const int span = last.variant.phi - first.variant.phi;
  if (span > 0 && first.macs > 0) {
    const double per_step =
        std::pow(static_cast<double>(last.macs) / static_cast<double>(first.macs), 1.0 / span);
    std::printf("geometric mean per step of phi, B%d->B%d: %.3f MACs (ideal %.3f)",
                first.variant.phi, last.variant.phi, per_step, ideal);
    if (first.runs > 0 && last.runs > 0) {
      std::printf(", %.3f measured time, %.3f predicted",
                  std::pow(last.measured_ms / first.measured_ms, 1.0 / span),
                  std::pow(last.predicted_ms / first.predicted_ms, 1.0 / span));
    }
    std::printf("\n");
  }
  std::printf(
      "Why a step is not %.2fx: the released B1..B7 do not follow alpha^phi, beta^phi, "
      "gamma^phi (the table column: B7's depth is 3.1, not 1.2^7 = 3.58,\nits resolution 600, "
      "not 224*1.15^7 = 596), and the network rounds what the table asks for: repeats are "
      "rounded up, ceil(n*d) per stage (depth 1.1 turns\nB0's 16 blocks into 23, depth 1.2 "
      "leaves them at 23); channels go to multiples of 8 (_make_divisible: width 1.1 keeps 16 "
      "but makes 40 -> 48);\nand odd feature-map sizes round up through the stride-2 convs "
      "(240 -> 120, 60, 30, 15, 8, 4: 8x8 and 4x4 where 7.5 and 3.75 would be exact).\n",
      ideal);
}

Status WriteJson(const Options& o, const LoadedMachine& machine,
                 const std::vector<VariantReport>& rows, const std::vector<GrowthStep>& steps) {
  std::ofstream out(o.json);
  out << "{\"family\": " << JsonString(FamilyName(o.family))
      << ", \"cpu\": " << JsonString(machine.model.cpu)
      << ", \"threads\": " << (rows.empty() ? 0 : rows.front().threads)
      << ", \"max_iters\": " << o.iters << ", \"convention\": " << JsonString(kConvention)
      << ",\n \"variants\": [";
  for (size_t i = 0; i < rows.size(); ++i) {
    const VariantReport& r = rows[i];
    const ScaleVariant& v = r.variant;
    out << (i ? ",\n  " : "\n  ") << "{\"label\": " << JsonString(v.Label());
    if (v.family == ScaleFamily::kEfficientNet) out << ", \"phi\": " << v.phi;
    out << ", \"width\": " << JsonNumber(v.width) << ", \"depth\": " << JsonNumber(v.depth)
        << ", \"resolution\": " << v.resolution << ", \"params\": " << r.params
        << ", \"macs\": " << r.macs << ", \"peak_activation_bytes\": " << r.peak_activation_bytes
        << ", \"predicted_ms\": " << JsonNumber(r.predicted_ms)
        << ", \"measured_ms\": " << (r.runs > 0 ? JsonNumber(r.measured_ms) : "null")
        << ", \"runs\": " << r.runs << "}";
  }
  out << "],\n \"growth\": [";
  for (size_t i = 0; i < steps.size(); ++i) {
    const GrowthStep& s = steps[i];
    out << (i ? ",\n  " : "\n  ") << "{\"from\": " << s.from << ", \"to\": " << s.to
        << ", \"macs_factor\": " << JsonNumber(s.macs_factor)
        << ", \"ideal_factor\": " << JsonNumber(s.ideal_factor)
        << ", \"table_factor\": " << JsonNumber(s.table_factor)
        << ", \"depth_factor\": " << JsonNumber(s.depth_factor)
        << ", \"depth_table\": " << JsonNumber(s.depth_table)
        << ", \"width_factor\": " << JsonNumber(s.width_factor)
        << ", \"width_table\": " << JsonNumber(s.width_table)
        << ", \"resolution_factor\": " << JsonNumber(s.resolution_factor)
        << ", \"resolution_table\": " << JsonNumber(s.resolution_table)
        << ", \"blocks_from\": " << s.blocks_from << ", \"blocks_to\": " << s.blocks_to << "}";
  }
  out << "]}\n";
  if (!out) return IoError("cannot write \"", o.json, "\"");
  return Status::Ok();
}

Status WriteSvg(const Options& o, const LoadedMachine& machine,
                const std::vector<VariantReport>& rows) {
  ScalePlot plot;
  const bool efficientnet = o.family == ScaleFamily::kEfficientNet;
  const std::string range =
      rows.empty() ? "" : rows.front().variant.Label() + " .. " + rows.back().variant.Label();
  plot.title = StrCat("finch scale: ", efficientnet ? "EfficientNet " : "MobileNetV2 ", range,
                      ", latency and MACs");
  const int threads = rows.empty() ? 1 : rows.front().threads;
  plot.subtitle = StrCat(machine.model.cpu.empty() ? "unknown CPU" : machine.model.cpu, " | ",
                         threads, " thread", threads == 1 ? "" : "s",
                         " | batch 1 | measured: median wall time of Session::Run");
  plot.x_title = efficientnet ? "EfficientNet-B<phi>" : "MobileNetV2 width/resolution";
  for (const VariantReport& r : rows) {
    plot.points.push_back({r.variant.Label(), static_cast<double>(r.macs), r.predicted_ms,
                           r.runs > 0 ? r.measured_ms : 0.0});
  }
  plot.footnote =
      "MACs: multiply-adds of Conv and Gemm (FLOPs = 2 x MACs). Predicted: the roofline of "
      "finch machine's model, per node. Both y axes log.";
  std::ofstream out(o.svg);
  out << ScaleSvg(plot);
  if (!out) return IoError("cannot write \"", o.svg, "\"");
  return Status::Ok();
}

}  // namespace

Status ScaleCommand(Args& args) {
  if (args.Has("help")) {
    std::printf("%s\n", kUsage);
    return Status::Ok();
  }
  if (args.positional().size() != 1) return InvalidArgument(kUsage);
  if (args.positional()[0] == "standard-vs-separable") return StandardVsSeparableReport(args);
  FINCH_ASSIGN_OR_RETURN(const Options o, ParseOptions(args));

  const int threads = o.threads > 0 ? o.threads : GetCpuFeatures().physical_cores;
  const LoadedMachine machine = LoadOrMeasureMachine(false, threads);
  if (machine.measured) std::printf("machine model measured now (first use only)\n");
  if (!machine.note.empty()) std::printf("machine model: %s\n", machine.note.c_str());
  std::printf(
      "finch scale %s: %zu variants, %d thread%s, batch 1, built in memory; measured = "
      "median of runs after %.0f ms of warm-up (about %.0f ms of predicted time per variant, "
      "%d..%d runs)%s\n",
      FamilyName(o.family), o.variants.size(), threads, threads == 1 ? "" : "s", kWarmupMs,
      kMeasureBudgetMs, std::min(kMinRuns, o.iters), o.iters,
      o.family == ScaleFamily::kEfficientNet && o.measure_up_to < zoo::kEfficientNetMaxPhi
          ? StrCat("; B", o.measure_up_to + 1, " and up predicted only").c_str()
          : "");
  std::printf("%s\n\n", kConvention);
  PrintHeader();
  std::vector<VariantReport> rows;
  for (const ScaleVariant& v : o.variants) {
    // One session at a time: B7's weights and arena are ~0.5 GB.
    FINCH_ASSIGN_OR_RETURN(PreparedVariant p, PrepareVariant(v, machine.model, threads));
    if (Measured(o, v)) {
      FINCH_RETURN_IF_ERROR(MeasureVariant(p, RunsFor(p.report.predicted_ms, o.iters)));
    }
    rows.push_back(p.report);
    PrintRow(rows.back(), rows.front());
  }
  std::vector<GrowthStep> steps;
  if (o.family == ScaleFamily::kEfficientNet) {
    FINCH_ASSIGN_OR_RETURN(steps, EfficientNetGrowth(rows));
    PrintGrowth(rows, steps);
  }
  std::printf("\npredicted: %s\n",
              machine.model.efficiency.empty()
                  ? "roofline with uncalibrated first-estimate kernel efficiencies"
                  : "roofline with kernel efficiencies calibrated on this machine (finch machine)");
  if (!o.json.empty()) {
    FINCH_RETURN_IF_ERROR(WriteJson(o, machine, rows, steps));
    std::printf("wrote %s\n", o.json.c_str());
  }
  if (!o.svg.empty()) {
    FINCH_RETURN_IF_ERROR(WriteSvg(o, machine, rows));
    std::printf("wrote %s\n", o.svg.c_str());
  }
  return Status::Ok();
}

}  // namespace finch::cli
