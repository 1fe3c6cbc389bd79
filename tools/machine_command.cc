// finch machine [--json] [--refresh] [--threads N]
//
// This CPU's roofs: FP32 FMA peak for 1..N threads, int8 multiply-add peak, DRAM and L2
// bandwidth, cache sizes and ISA flags (runtime/machine_model.h), and the fraction of the peak
// finch's own kernels reach per class (runtime/kernel_calibration.h). Measured once (~5 s) and
// cached; later calls read the cache unless --refresh. With --json, stdout carries exactly the
// JSON object; the human notes (cache path, measured or loaded) go to stderr.
#include <cstdio>
#include <string>

#include "runtime/cpu_features.h"
#include "runtime/machine_model.h"
#include "tools/cli_util.h"
#include "tools/commands.h"

namespace finch::cli {
namespace {

constexpr char kUsage[] = "usage: finch machine [--json] [--refresh] [--threads N]";

std::string Bytes(int64_t b) {
  if (b <= 0) return "?";
  if (b % (1 << 20) == 0) return std::to_string(b >> 20) + " MiB";
  if (b % (1 << 10) == 0) return std::to_string(b >> 10) + " KiB";
  return std::to_string(b) + " B";
}

}  // namespace

Status MachineCommand(Args& args) {
  const bool json = args.Has("json");
  const bool refresh = args.Has("refresh");
  FINCH_ASSIGN_OR_RETURN(int64_t threads, args.GetInt("threads", 0));
  FINCH_RETURN_IF_ERROR(args.CheckAllUsed());
  if (!args.positional().empty()) {
    return InvalidArgument("unexpected argument \"", args.positional()[0], "\"\n", kUsage);
  }
  if (threads < 0 || threads > 1024) {
    return InvalidArgument("--threads must be 0..1024 (0 = physical cores), got ", threads);
  }
  const CpuFeatures& f = GetCpuFeatures();
  if (threads == 0) threads = f.physical_cores;

  std::FILE* human = json ? stderr : stdout;
  const LoadedMachine loaded = LoadOrMeasureMachine(refresh, static_cast<int>(threads));
  const MachineModel& m = loaded.model;
  const std::string where = loaded.cache_path.empty() ? "(no cache)" : loaded.cache_path;
  std::fprintf(human, "%s %s%s%s\n", loaded.measured ? "measured now, cached in" : "loaded from",
               where.c_str(), loaded.note.empty() ? "" : "; ", loaded.note.c_str());
  if (json) {
    std::printf("%s\n", MachineModelToJson(m).c_str());
    return Status::Ok();
  }
  std::printf("cpu: %s\n", f.Summary().c_str());
  std::printf("isa: %s\n", m.isa.c_str());
  std::printf("caches: L1d %s, L2 %s, L3 %s\n", Bytes(m.l1d).c_str(), Bytes(m.l2).c_str(),
              Bytes(m.l3).c_str());
  std::printf("fp32 FMA peak (GFLOP/s, FMA = 2 FLOPs):");
  for (size_t t = 0; t < m.fma_gflops.size(); ++t) {
    std::printf("%s %zu thr %.1f", t ? "," : "", t + 1, m.fma_gflops[t]);
  }
  std::printf("%s\n", m.fma_gflops.empty() || m.fma_gflops[0] > 0 ? "" : " (needs AVX2+FMA)");
  std::printf("int8 peak (GOP/s, multiply-add = 2 ops, vpmaddubsw+vpmaddwd, 1 thread): %.1f%s\n",
              m.int8_gops, m.int8_gops > 0 ? "" : " (needs AVX2)");
  if (m.int8_vnni_gops > 0) {
    std::printf("int8 peak with AVX-512 VNNI (vpdpbusd ymm, 1 thread): %.1f GOP/s\n",
                m.int8_vnni_gops);
  }
  std::printf("bandwidth (GB/s, 1 thread, streaming read): DRAM %.1f, L2 %.1f\n", m.dram_gbps,
              m.l2_gbps);
  std::printf("kernel efficiency (finch's kernels: fraction of the FMA peak, int8_*: of the int8 "
              "peak, on 1 thread; cls@T: on T threads, of the T-thread peak):");
  if (m.efficiency.empty()) std::printf(" not calibrated");
  for (const auto& [cls, e] : m.efficiency) std::printf("\n  %-24s %5.1f%%", cls.c_str(), 100 * e);
  std::printf("\n");
  if (m.transcendental_geps > 0) {
    std::printf("fused sigmoid/SiLU epilogue: %.2f G elements/s (1 thread)\n",
                m.transcendental_geps);
  }
  for (const std::string& note : m.calibration_notes) {
    std::printf("calibration note: %s\n", note.c_str());
  }
  std::printf("measured at: %s\n", m.measured_at.c_str());
  return Status::Ok();
}

}  // namespace finch::cli
