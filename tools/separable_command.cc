// finch scale standard-vs-separable [--threads N] [--iters N] [--json FILE]
//
// What the depthwise-separable factorisation saves, in MACs and in time on this CPU:
//  1. per layer shape (runtime/separable_compare.h: the textbook 3x3 256->256 at 56², MobileNetV1
//     and V2 layers): the standard k×k conv against depthwise k×k + pointwise 1x1, MACs, params,
//     predicted and measured ms, and the depthwise conv's arithmetic intensity, roofline bound
//     and the share of the time it takes against its share of the FLOPs;
//  2. whole networks (runtime/scaling.h): MobileNetV1 and V2 at 1.0/224 against their --standard
//     baselines, each as the pass pipeline runs it.
// What is compared is timed in rounds (each graph once per round), so that load from other
// processes on the shared 2-core machine hits both sides alike; the medians over the rounds.
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "runtime/cpu_features.h"
#include "runtime/json.h"
#include "runtime/machine_model.h"
#include "runtime/scaling.h"
#include "runtime/separable_compare.h"
#include "tools/cli_util.h"
#include "tools/commands.h"

namespace finch::cli {
namespace {

double Ratio(double a, double b) { return b > 0 ? a / b : 0; }
double Gflops(const ConvMeasure& c, double ms) { return ms > 0 ? c.cost.flops() / (ms * 1e6) : 0; }
double Mmacs(int64_t macs) { return static_cast<double>(macs) / 1e6; }

std::string ShapeText(const LayerShape& s) {
  return StrCat(s.kernel, "x", s.kernel, " ", s.cin, "->", s.cout, " @", s.hw,
                s.stride > 1 ? StrCat(" s", s.stride) : "");
}

void PrintLayers(const std::vector<LayerComparison>& layers) {
  std::printf("%-40s %-20s %8s %8s %6s | %8s %8s %6s | %8s %7s %7s %8s %6s | %8s %6s\n", "layer",
              "shape", "std MMAC", "sep MMAC", "FLOP x", "pred std", "pred sep", "pred x",
              "meas std", "dw", "pw", "dw+pw", "time x", "fused", "x");
  for (const LayerComparison& l : layers) {
    const double sep_macs = static_cast<double>(l.depthwise.cost.macs + l.pointwise.cost.macs);
    const double pred_sep = l.depthwise.pred.predicted_ms + l.pointwise.pred.predicted_ms;
    const double meas_sep = l.depthwise.ms + l.pointwise.ms;
    std::printf(
        "%-40s %-20s %8.1f %8.1f %5.2fx | %8.3f %8.3f %5.2fx | %8.3f %7.3f %7.3f %8.3f "
        "%5.2fx | ",
        l.shape.name.c_str(), ShapeText(l.shape).c_str(), Mmacs(l.standard.cost.macs),
        sep_macs / 1e6, Ratio(static_cast<double>(l.standard.cost.macs), sep_macs),
        l.standard.pred.predicted_ms, pred_sep, Ratio(l.standard.pred.predicted_ms, pred_sep),
        l.standard.ms, l.depthwise.ms, l.pointwise.ms, meas_sep, Ratio(l.standard.ms, meas_sep));
    if (l.has_fused) {
      std::printf("%8.3f %5.2fx\n", l.fused.ms, Ratio(l.standard.ms, l.fused.ms));
    } else {
      std::printf("%8s %6s\n", "-", "-");
    }
  }
}

void PrintDepthwise(const std::vector<LayerComparison>& layers, const MachineModel& m,
                    int threads) {
  const double peak =
      m.fma_gflops.empty() ? 0 : m.fma_gflops[std::min<size_t>(threads, m.fma_gflops.size()) - 1];
  std::printf(
      "\nWhy less survives as time: the depthwise conv does k^2 MACs per output element (the "
      "pointwise does Cin): about 2 FLOP per byte moved.\n"
      "Roofs on this machine (%d thread%s): FMA peak %.1f GFLOP/s; DRAM %.1f GB/s (ridge %.1f "
      "FLOP/B); L2 %.1f GB/s x %d (ridge %.1f FLOP/B). 'roof' = the\nroofline's attainable "
      "GFLOP/s for the layer (FLOPs / predicted ms: the memory roof where bound M, the kernel "
      "class's calibrated share of the peak where C).\n",
      threads, threads == 1 ? "" : "s", peak, m.dram_gbps, Ratio(peak, m.dram_gbps), m.l2_gbps,
      threads, Ratio(peak, m.l2_gbps * threads));
  std::printf("%-40s | %7s %5s %9s %9s | %7s %5s %9s %9s | %9s %9s\n", "layer", "dw FLOP/B",
              "bound", "dw roof", "dw GF/s", "pw FLOP/B", "bound", "pw roof", "pw GF/s",
              "dw %FLOPs", "dw %time");
  for (const LayerComparison& l : layers) {
    const ConvMeasure& d = l.depthwise;
    const ConvMeasure& p = l.pointwise;
    const double flops = d.cost.flops() + p.cost.flops();
    std::printf("%-40s | %9.2f %5s %9.1f %9.1f | %9.1f %5s %9.1f %9.1f | %8.1f%% %8.1f%%\n",
                l.shape.name.c_str(), d.cost.intensity(), d.pred.compute_bound ? "C" : "M",
                Gflops(d, d.pred.predicted_ms), Gflops(d, d.ms), p.cost.intensity(),
                p.pred.compute_bound ? "C" : "M", Gflops(p, p.pred.predicted_ms), Gflops(p, p.ms),
                100 * Ratio(d.cost.flops(), flops), 100 * Ratio(d.ms, d.ms + p.ms));
  }
  // The ranges over the layers, for the summary.
  struct Range {
    double lo = 1e300, hi = -1e300;
    void Add(double v) {
      lo = std::min(lo, v);
      hi = std::max(hi, v);
    }
  } flop_share, time_share, dw_gflops, pw_gflops, flop_saving, time_saving, dw_intensity,
      pw_intensity;
  for (const LayerComparison& l : layers) {
    const ConvMeasure& d = l.depthwise;
    const ConvMeasure& p = l.pointwise;
    flop_share.Add(100 * Ratio(d.cost.flops(), d.cost.flops() + p.cost.flops()));
    time_share.Add(100 * Ratio(d.ms, d.ms + p.ms));
    dw_gflops.Add(Gflops(d, d.ms));
    pw_gflops.Add(Gflops(p, p.ms));
    flop_saving.Add(Ratio(l.standard.cost.flops(), d.cost.flops() + p.cost.flops()));
    time_saving.Add(Ratio(l.standard.ms, d.ms + p.ms));
    dw_intensity.Add(d.cost.intensity());
    pw_intensity.Add(p.cost.intensity());
  }
  if (layers.empty()) return;
  std::printf(
      "Summary: the separable pair saves %.1f-%.1fx the FLOPs and %.1f-%.1fx the measured time. "
      "The depthwise conv is %.1f-%.1f%% of the pair's FLOPs but %.1f-%.1f%%\nof its time: it "
      "reaches %.0f-%.0f GFLOP/s, the pointwise GEMM %.0f-%.0f (FMA peak %.0f). At %.1f-%.1f "
      "FLOP/B the DRAM roof caps the depthwise at %.0f-%.0f GFLOP/s\n(%.0f-%.0f%% of the peak) "
      "before any kernel inefficiency; the pointwise, at %.0f-%.0f FLOP/B, is capped by the "
      "peak alone.\n",
      flop_saving.lo, flop_saving.hi, time_saving.lo, time_saving.hi, flop_share.lo, flop_share.hi,
      time_share.lo, time_share.hi, dw_gflops.lo, dw_gflops.hi, pw_gflops.lo, pw_gflops.hi, peak,
      dw_intensity.lo, dw_intensity.hi, dw_intensity.lo * m.dram_gbps,
      dw_intensity.hi * m.dram_gbps, 100 * Ratio(dw_intensity.lo * m.dram_gbps, peak),
      100 * Ratio(dw_intensity.hi * m.dram_gbps, peak), pw_intensity.lo, pw_intensity.hi);
}

void PrintNetworks(const std::vector<VariantReport>& nets) {
  std::printf(
      "\nWhole networks (as the pass pipeline runs them: BN folded, the separable pairs "
      "fused into blocks; standard: every depthwise conv a full conv)\n");
  std::printf("%-24s %12s %15s %9s %9s %5s\n", "network", "params", "MACs", "pred ms", "meas ms",
              "runs");
  for (size_t i = 0; i < nets.size(); ++i) {
    const VariantReport& r = nets[i];
    const std::string name = StrCat(FamilyName(r.variant.family), " ", r.variant.width, "/",
                                    r.variant.resolution, r.variant.standard ? " std" : "");
    std::printf("%-24s %12lld %15lld %9.2f %9.2f %5d\n", name.c_str(),
                static_cast<long long>(r.params), static_cast<long long>(r.macs), r.predicted_ms,
                r.measured_ms, r.runs);
    if (i % 2 == 1) {
      const VariantReport& s = nets[i - 1];
      std::printf(
          "  standard / separable: params %.2fx, MACs %.2fx, predicted %.2fx, measured "
          "%.2fx\n",
          Ratio(static_cast<double>(r.params), static_cast<double>(s.params)),
          Ratio(static_cast<double>(r.macs), static_cast<double>(s.macs)),
          Ratio(r.predicted_ms, s.predicted_ms), Ratio(r.measured_ms, s.measured_ms));
    }
  }
}

void JsonConv(std::ofstream& out, const char* name, const ConvMeasure& c) {
  out << "\"" << name << "\": {\"macs\": " << c.cost.macs << ", \"params\": " << c.cost.params
      << ", \"bytes\": " << c.cost.bytes() << ", \"intensity\": " << JsonNumber(c.cost.intensity())
      << ", \"predicted_ms\": " << JsonNumber(c.pred.predicted_ms)
      << ", \"bound\": " << JsonString(c.pred.compute_bound ? "compute" : "memory")
      << ", \"measured_ms\": " << JsonNumber(c.ms) << ", \"kernel\": " << JsonString(c.kernel)
      << "}";
}

Status WriteJson(const std::string& path, int threads, const std::vector<LayerComparison>& layers,
                 const std::vector<VariantReport>& nets) {
  std::ofstream out(path);
  out << "{\"threads\": " << threads << ",\n \"layers\": [";
  for (size_t i = 0; i < layers.size(); ++i) {
    const LayerComparison& l = layers[i];
    out << (i ? ",\n  " : "\n  ") << "{\"name\": " << JsonString(l.shape.name)
        << ", \"cin\": " << l.shape.cin << ", \"cout\": " << l.shape.cout
        << ", \"hw\": " << l.shape.hw << ", \"kernel\": " << l.shape.kernel
        << ", \"stride\": " << l.shape.stride << ", ";
    JsonConv(out, "standard", l.standard);
    out << ", ";
    JsonConv(out, "depthwise", l.depthwise);
    out << ", ";
    JsonConv(out, "pointwise", l.pointwise);
    if (l.has_fused) {
      out << ", ";
      JsonConv(out, "fused", l.fused);
    }
    out << "}";
  }
  out << "],\n \"networks\": [";
  for (size_t i = 0; i < nets.size(); ++i) {
    const VariantReport& r = nets[i];
    out << (i ? ",\n  " : "\n  ") << "{\"label\": " << JsonString(r.variant.Label())
        << ", \"standard\": " << (r.variant.standard ? "true" : "false")
        << ", \"params\": " << r.params << ", \"macs\": " << r.macs
        << ", \"predicted_ms\": " << JsonNumber(r.predicted_ms)
        << ", \"measured_ms\": " << JsonNumber(r.measured_ms) << ", \"runs\": " << r.runs << "}";
  }
  out << "]}\n";
  if (!out) return IoError("cannot write \"", path, "\"");
  return Status::Ok();
}

}  // namespace

Status StandardVsSeparableReport(Args& args) {
  FINCH_ASSIGN_OR_RETURN(int64_t threads, args.GetInt("threads", 0));
  FINCH_ASSIGN_OR_RETURN(int64_t iters, args.GetInt("iters", 10));
  const std::string json = args.Get("json");
  FINCH_RETURN_IF_ERROR(args.CheckAllUsed());
  if (threads < 0 || threads > 1024) {
    return InvalidArgument("--threads must be 0..1024 (0 = physical cores), got ", threads);
  }
  if (iters < 1 || iters > 10000) return InvalidArgument("--iters must be 1..10000, got ", iters);
  const int t = threads > 0 ? static_cast<int>(threads) : GetCpuFeatures().physical_cores;
  const LoadedMachine machine = LoadOrMeasureMachine(false, t);
  if (!machine.note.empty()) std::printf("machine model: %s\n", machine.note.c_str());

  std::printf(
      "Standard k x k conv against depthwise k x k + pointwise 1x1 of the same input and "
      "output (each conv with bias + ReLU, one step); %d thread%s,\nmedian of %lld rounds "
      "(each graph run twice per round, the second timed); MMAC = 10^6 multiply-adds; 'fused' = "
      "the pair as one block, "
      "as networks run it.\n",
      t, t == 1 ? "" : "s", static_cast<long long>(iters));
  std::vector<LayerComparison> layers;
  for (const LayerShape& shape : RepresentativeLayers()) {
    FINCH_ASSIGN_OR_RETURN(LayerComparison l,
                           CompareLayer(shape, machine.model, t, static_cast<int>(iters)));
    layers.push_back(l);
  }
  PrintLayers(layers);
  PrintDepthwise(layers, machine.model, t);

  // Each network and its baseline timed in rounds (runtime/scaling.h: MeasureInterleaved), as
  // many as the baseline's predicted time allows.
  std::vector<VariantReport> nets;
  for (ScaleFamily family : {ScaleFamily::kMobileNetV1, ScaleFamily::kMobileNetV2}) {
    ScaleVariant v;
    v.family = family;
    FINCH_ASSIGN_OR_RETURN(PreparedVariant separable, PrepareVariant(v, machine.model, t));
    v.standard = true;
    FINCH_ASSIGN_OR_RETURN(PreparedVariant standard, PrepareVariant(v, machine.model, t));
    FINCH_RETURN_IF_ERROR(MeasureInterleaved(
        {&separable, &standard}, RunsFor(standard.report.predicted_ms, static_cast<int>(iters))));
    nets.push_back(separable.report);
    nets.push_back(standard.report);
  }
  PrintNetworks(nets);
  if (!json.empty()) {
    FINCH_RETURN_IF_ERROR(WriteJson(json, t, layers, nets));
    std::printf("wrote %s\n", json.c_str());
  }
  return Status::Ok();
}

}  // namespace finch::cli
