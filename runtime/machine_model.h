// MachineModel: what this machine can do at best, measured once and cached: the roofs of the
// roofline (compute peaks, memory bandwidths) and the cache sizes. `finch machine` prints it.
//
// Conventions: an FP32 FMA lane counts 2 FLOPs; an int8 multiply-add (u8×s8) counts 2 ops;
// GB/s are 1e9 bytes/s. All rates are measured on thread CPU time (kernels/machine/peak.h), so a
// core shared with other processes still reports the machine's rate.
//
// The cache is one JSON file: $FINCH_MACHINE_CACHE if set, else
// $XDG_CACHE_HOME/finch/machine.json, else $HOME/.cache/finch/machine.json, else none. It is
// keyed by the CPU summary (brand, cores, ISA flags, caches, FINCH_DISABLE_ISA): a file measured
// on another CPU, or with other ISA switches, is ignored and measured again.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "graph/status.h"

namespace finch {

struct MachineModel {
  std::string key;  // CpuFeatures::Summary() of the CPU it was measured on (the cache key)
  std::string cpu;  // brand string
  // Peak FP32 FMA GFLOP/s with 1, 2, ..., N threads (index t-1 holds t threads).
  std::vector<double> fma_gflops;
  double int8_gops = 0;             // single thread, vpmaddubsw + vpmaddwd
  double int8_vnni_gops = 0;        // single thread, vpdpbusd (0: no AVX-512 VNNI)
  // The int8 peak finch's kernels run at: VNNI's where the CPU has it, else the AVX2 idiom's.
  double Int8PeakGops() const { return int8_vnni_gops > 0 ? int8_vnni_gops : int8_gops; }
  double dram_gbps = 0;             // single-thread streaming read from DRAM
  double l2_gbps = 0;               // single-thread streaming read of half the L2
  int64_t l1d = 0, l2 = 0, l3 = 0;  // bytes, 0 when unknown
  std::string isa;                  // "avx2 fma f16c", ..., or "scalar only"
  // Calibrated on finch's own kernels (runtime/kernel_calibration.h): the fraction of the peak
  // each kernel class reaches on one thread ("pointwise") and on T threads ("pointwise@T", of
  // the T-thread peak), and the rate of the fused-epilogue sigmoid/SiLU on one thread in
  // G elements/s (0 when not measured).
  std::map<std::string, double> efficiency;
  double transcendental_geps = 0;
  // The fixed cost of one step in ms (dispatch, thread wake-up, timing), per thread count
  // (index t − 1): the median step time of a chain of tiny elementwise ops. Empty: not measured.
  std::vector<double> step_overhead_ms;
  std::vector<std::string> calibration_notes;  // not cached
  std::string measured_at;          // UTC, ISO 8601
};

// Measures this machine (about 5 s): FMA peak for 1..max_threads threads (each count runs the
// single-thread measurement on that many std::threads at once, started together, and sums their
// rates), then single-thread int8 peak, DRAM and L2 bandwidth, then calibrates the kernel-class
// efficiencies (CalibrateKernels). max_threads < 1 counts as 1.
MachineModel MeasureMachine(int max_threads);

// One JSON object on one line (no trailing newline).
std::string MachineModelToJson(const MachineModel& m);
// Parses what MachineModelToJson writes (whitespace and unknown keys tolerated; key order free).
// Malformed, truncated or incomplete text gives InvalidArgument, never a crash.
StatusOr<MachineModel> MachineModelFromJson(const std::string& text);

// Where the cache lives ("" when there is none: no FINCH_MACHINE_CACHE, XDG_CACHE_HOME nor HOME).
std::string MachineCachePath();

// The current CPU's cache key (GetCpuFeatures().Summary()) and ISA list.
std::string MachineKey();

struct LoadedMachine {
  MachineModel model;
  bool measured = false;   // measured now (else read from the cache)
  std::string cache_path;  // "" when there is no cache location
  std::string note;        // why the cache was not used / could not be written ("" when fine)
};

// The cached model when the cache holds one for this CPU with at least `threads` thread counts and
// `refresh` is false; else measures (MeasureMachine(threads)) and writes the cache (creating its
// folder). A missing, malformed or foreign cache file just means measuring again.
LoadedMachine LoadOrMeasureMachine(bool refresh, int threads);

}  // namespace finch
