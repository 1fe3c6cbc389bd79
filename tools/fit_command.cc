// finch fit --latency-ms X [--family efficientnet|mobilenetv2] [--threads N] [--iters N]
//           [--phi LIST] [--width LIST] [--resolution LIST]
//
// Hardware-aware choice of a network (issue 9): among the family's variants (EfficientNet
// B0..B7, or MobileNetV2's width × resolution grid; --phi / --width / --resolution narrow the
// search), the largest by MACs (a proxy for accuracy) whose PREDICTED latency on this CPU (the
// roofline on `finch machine`'s model, runtime/roofline.h) is within the budget
// (runtime/scaling.h: PickFit). Then measures it and its next-larger neighbour by MACs (median
// of runs after ~200 ms of warm-up) to confirm: the budget holds when the choice's measured time is
// within it, and the choice is the right one when the neighbour's measured time is not.
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "graph/zoo/efficientnet.h"
#include "graph/zoo/zoo_common.h"
#include "runtime/cpu_features.h"
#include "runtime/machine_model.h"
#include "runtime/scaling.h"
#include "tools/cli_util.h"
#include "tools/commands.h"

namespace finch::cli {
namespace {

constexpr char kUsage[] =
    "usage: finch fit --latency-ms X [--family efficientnet|mobilenetv2] [--threads N] "
    "[--iters N]\n"
    "                 [--phi 0..7] [--width 0.35,...,1.4] [--resolution 96,...,224]";

struct Options {
  double budget_ms = 0;
  ScaleFamily family = ScaleFamily::kEfficientNet;
  std::vector<ScaleVariant> variants;
  int threads = 0;
  int iters = 10;
};

StatusOr<Options> ParseOptions(Args& args) {
  Options o;
  if (!args.Has("latency-ms")) return InvalidArgument("no budget: add --latency-ms X\n", kUsage);
  FINCH_ASSIGN_OR_RETURN(o.budget_ms, args.GetDouble("latency-ms", 0));
  if (!std::isfinite(o.budget_ms) || o.budget_ms <= 0) {
    return InvalidArgument("--latency-ms ", o.budget_ms,
                           " must be a positive number of milliseconds");
  }
  FINCH_ASSIGN_OR_RETURN(o.family, ParseFamily(args.Get("family", "efficientnet")));
  FINCH_ASSIGN_OR_RETURN(int64_t threads, args.GetInt("threads", 0));
  FINCH_ASSIGN_OR_RETURN(int64_t iters, args.GetInt("iters", o.iters));
  if (threads < 0 || threads > 1024) {
    return InvalidArgument("--threads must be 0..1024 (0 = physical cores), got ", threads);
  }
  if (iters < 1 || iters > 10000) return InvalidArgument("--iters must be 1..10000, got ", iters);
  o.threads = static_cast<int>(threads);
  o.iters = static_cast<int>(iters);
  if (o.family == ScaleFamily::kEfficientNet) {
    FINCH_ASSIGN_OR_RETURN(std::vector<int64_t> phis, ParseIntList(args.Get("phi", "0..7"), "--phi",
                                                                   0, zoo::kEfficientNetMaxPhi));
    o.variants = EfficientNetVariants(phis);
  } else if (o.family == ScaleFamily::kMobileNetV2) {
    if (args.Has("width") || args.Has("resolution")) {
      FINCH_ASSIGN_OR_RETURN(std::vector<double> widths,
                             ParseNumberList(args.Get("width", "0.35,0.5,0.75,1.0,1.3,1.4"),
                                             "--width", zoo::kMaxWidth));
      FINCH_ASSIGN_OR_RETURN(
          std::vector<int64_t> resolutions,
          ParseIntList(args.Get("resolution", "96,128,160,192,224"), "--resolution",
                       zoo::kMinResolution, zoo::kMaxResolution));
      o.variants = MobileNetV2Variants(widths, resolutions);
    } else {
      o.variants = FamilyGrid(o.family);
    }
  } else {
    return InvalidArgument("--family takes efficientnet or mobilenetv2, not ",
                           FamilyName(o.family));
  }
  FINCH_RETURN_IF_ERROR(args.CheckAllUsed());
  if (!args.positional().empty()) {
    return InvalidArgument("unexpected argument \"", args.positional()[0], "\"\n", kUsage);
  }
  return o;
}

// Measures `v` again from scratch (the prediction pass kept no sessions: B7's is ~0.5 GB).
StatusOr<VariantReport> Confirm(const ScaleVariant& v, const MachineModel& m, int threads,
                                int iters) {
  FINCH_ASSIGN_OR_RETURN(PreparedVariant p, PrepareVariant(v, m, threads));
  FINCH_RETURN_IF_ERROR(MeasureVariant(p, RunsFor(p.report.predicted_ms, iters)));
  return p.report;
}

std::string Describe(const VariantReport& r) {
  char buf[160];
  std::snprintf(buf, sizeof buf, "%s (%.1f M MACs, %.2f M params)", r.variant.Label().c_str(),
                static_cast<double>(r.macs) / 1e6, static_cast<double>(r.params) / 1e6);
  return buf;
}

}  // namespace

Status FitCommand(Args& args) {
  if (args.Has("help")) {
    std::printf("%s\n", kUsage);
    return Status::Ok();
  }
  FINCH_ASSIGN_OR_RETURN(const Options o, ParseOptions(args));
  const int threads = o.threads > 0 ? o.threads : GetCpuFeatures().physical_cores;
  const LoadedMachine machine = LoadOrMeasureMachine(false, threads);
  if (!machine.note.empty()) std::printf("machine model: %s\n", machine.note.c_str());
  std::printf(
      "finch fit: the largest %s variant by MACs predicted within %g ms, %d thread%s, "
      "batch 1 (%zu variants)\n",
      FamilyName(o.family), o.budget_ms, threads, threads == 1 ? "" : "s", o.variants.size());
  std::printf("%-12s %15s %12s %9s  %s\n", "variant", "MACs", "params", "pred ms", "fits");
  std::vector<VariantReport> rows;
  for (const ScaleVariant& v : o.variants) {
    FINCH_ASSIGN_OR_RETURN(PreparedVariant p, PrepareVariant(v, machine.model, threads));
    rows.push_back(p.report);
    const VariantReport& r = rows.back();
    std::printf("%-12s %15lld %12lld %9.2f  %s\n", v.Label().c_str(),
                static_cast<long long>(r.macs), static_cast<long long>(r.params), r.predicted_ms,
                r.predicted_ms <= o.budget_ms ? "yes" : "no");
    std::fflush(stdout);
  }
  FINCH_ASSIGN_OR_RETURN(const FitChoice choice, PickFit(rows, o.budget_ms));
  if (choice.chosen < 0) {
    const VariantReport& smallest = rows[choice.next_larger];
    return InvalidArgument("no ", FamilyName(o.family), " variant is predicted within ",
                           o.budget_ms, " ms: the smallest, ", Describe(smallest),
                           ", is predicted at ", smallest.predicted_ms, " ms");
  }
  std::printf("\nchosen by prediction: %s, predicted %.2f ms\n",
              Describe(rows[choice.chosen]).c_str(), rows[choice.chosen].predicted_ms);
  std::printf("measuring it%s (median of runs after ~200 ms of warm-up)...\n",
              choice.next_larger >= 0 ? " and its next-larger neighbour" : "");
  std::fflush(stdout);
  FINCH_ASSIGN_OR_RETURN(const VariantReport chosen,
                         Confirm(rows[choice.chosen].variant, machine.model, threads, o.iters));
  const bool holds = chosen.measured_ms <= o.budget_ms;
  std::printf("  %-12s predicted %9.2f ms, measured %9.2f ms (prediction %+.1f%%, %d runs): %s\n",
              chosen.variant.Label().c_str(), chosen.predicted_ms, chosen.measured_ms,
              (chosen.predicted_ms - chosen.measured_ms) / chosen.measured_ms * 100, chosen.runs,
              holds ? "within the budget" : "OVER the budget");
  if (choice.next_larger < 0) {
    std::printf("budget %g ms %s; %s is the family's largest variant\n", o.budget_ms,
                holds ? "holds" : "does NOT hold", chosen.variant.Label().c_str());
    return Status::Ok();
  }
  FINCH_ASSIGN_OR_RETURN(const VariantReport next, Confirm(rows[choice.next_larger].variant,
                                                           machine.model, threads, o.iters));
  const bool next_fits = next.measured_ms <= o.budget_ms;
  std::printf("  %-12s predicted %9.2f ms, measured %9.2f ms (prediction %+.1f%%, %d runs): %s\n",
              next.variant.Label().c_str(), next.predicted_ms, next.measured_ms,
              (next.predicted_ms - next.measured_ms) / next.measured_ms * 100, next.runs,
              next_fits ? "within the budget" : "over the budget");
  if (holds && !next_fits) {
    std::printf("budget %g ms holds: %s is the largest that fits, measured as predicted\n",
                o.budget_ms, chosen.variant.Label().c_str());
  } else if (holds) {
    std::printf(
        "budget %g ms holds, but the prediction was pessimistic: %s also fits when "
        "measured\n",
        o.budget_ms, next.variant.Label().c_str());
  } else {
    std::printf(
        "budget %g ms does NOT hold: the prediction was optimistic for %s (measured "
        "%.2f ms)\n",
        o.budget_ms, chosen.variant.Label().c_str(), chosen.measured_ms);
  }
  return Status::Ok();
}

}  // namespace finch::cli
