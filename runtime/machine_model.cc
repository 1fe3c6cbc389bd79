#include "runtime/machine_model.h"

#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <thread>

#include "kernels/machine/peak.h"
#include "runtime/cpu_features.h"
#include "runtime/json.h"
#include "runtime/kernel_calibration.h"

namespace finch {
namespace {

// Seconds per measurement; with N thread counts the FMA sweep takes at most ~1.5 s in all, so the
// whole measurement stays around 3-4 s.
constexpr double kFmaSweepSeconds = 1.5;
constexpr double kFmaSecondsPerCount = 0.3;
constexpr double kInt8Seconds = 0.3;
constexpr double kL2Seconds = 0.3;
constexpr double kDramSeconds = 0.5;
constexpr int64_t kDefaultL2Bytes = 256 << 10;  // when CPUID does not say
// Kernel classes are calibrated again on 2..this many threads (each pass ~1-2 s).
constexpr int kMaxCalibratedThreads = 4;

std::string IsaList(const CpuFeatures& f) {
  const std::pair<const char*, bool> isa[] = {
      {"sse4.1", f.sse4_1},     {"avx", f.avx},
      {"avx2", f.avx2},         {"fma", f.fma},
      {"f16c", f.f16c},         {"avx_vnni", f.avx_vnni},
      {"avx512f", f.avx512f},   {"avx512bw", f.avx512bw},
      {"avx512vl", f.avx512vl}, {"avx512_vnni", f.avx512_vnni}};
  std::string out;
  for (const auto& [name, on] : isa) {
    if (on) out += (out.empty() ? "" : " ") + std::string(name);
  }
  return out.empty() ? "scalar only" : out;
}

std::string UtcNow() {
  const time_t now = time(nullptr);
  tm t{};
  gmtime_r(&now, &t);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &t);
  return buf;
}

// FMA peak of `threads` threads running at once: each runs the single-thread measurement (on its
// own thread CPU time) after all have started, and the rates are summed. Threads on SMT siblings
// share one core's FMA units, which their CPU time shows.
double MultiThreadFmaPeak(int threads, double seconds, bool avx2_fma) {
  if (threads <= 1) return kernels::measure_fma_peak_gflops(seconds, avx2_fma);
  std::vector<double> rates(static_cast<size_t>(threads), 0.0);
  std::atomic<int> started{0};
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      started.fetch_add(1);
      while (started.load() < threads) std::this_thread::yield();
      rates[static_cast<size_t>(t)] = kernels::measure_fma_peak_gflops(seconds, avx2_fma);
    });
  }
  for (std::thread& th : pool) th.join();
  double sum = 0;
  for (double r : rates) sum += r;
  return sum;
}

StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFound("cannot open ", path);
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return IoError("cannot read ", path);
  return ss.str();
}

// Writes via a temporary file and rename, so a reader never sees half a file.
Status WriteFileAtomically(const std::string& path, const std::string& text) {
  std::error_code ec;
  const std::filesystem::path p(path);
  if (p.has_parent_path()) std::filesystem::create_directories(p.parent_path(), ec);
  const std::string tmp = path + ".tmp" + std::to_string(static_cast<long>(getpid()));
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return IoError("cannot write ", tmp);
    out << text << '\n';
    if (!out.flush()) return IoError("cannot write ", tmp);
  }
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::filesystem::remove(tmp, ec);
    return IoError("cannot rename ", tmp, " to ", path);
  }
  return Status::Ok();
}

}  // namespace

MachineModel MeasureMachine(int max_threads) {
  max_threads = std::max(1, max_threads);
  const CpuFeatures& f = GetCpuFeatures();
  const bool avx2_fma = f.avx2 && f.fma;
  MachineModel m;
  m.key = f.Summary();
  m.cpu = f.brand.empty() ? "unknown CPU" : f.brand;
  m.isa = IsaList(f);
  m.l1d = f.l1d_bytes;
  m.l2 = f.l2_bytes;
  m.l3 = f.l3_bytes;
  const double per_count = std::min(kFmaSecondsPerCount, kFmaSweepSeconds / max_threads);
  for (int t = 1; t <= max_threads; ++t) {
    m.fma_gflops.push_back(MultiThreadFmaPeak(t, per_count, avx2_fma));
  }
  m.int8_gops = kernels::measure_int8_peak_gops(kInt8Seconds, f.avx2);
  m.int8_vnni_gops =
      kernels::measure_int8_vnni_peak_gops(kInt8Seconds, f.avx512vl && f.avx512_vnni);
  const int64_t l2 = f.l2_bytes > 0 ? f.l2_bytes : kDefaultL2Bytes;
  m.l2_gbps =
      kernels::measure_cache_bandwidth_gbps(kL2Seconds, static_cast<size_t>(l2 / 2), f.avx2);
  m.dram_gbps = kernels::measure_memory_bandwidth_gbps(kDramSeconds, f.avx2);
  StatusOr<KernelCalibration> calibration =
      CalibrateKernels(m.fma_gflops[0], m.Int8PeakGops(), 1, 0, &m);
  if (calibration.ok()) {
    m.efficiency = std::move(calibration->efficiency);
    m.transcendental_geps = calibration->transcendental_geps;
    m.step_overhead_ms = {calibration->step_overhead_ms};
    m.calibration_notes = std::move(calibration->notes);
  } else {
    m.calibration_notes.push_back("kernel calibration failed: " + calibration.status().ToString());
  }
  // Again on 2..kMaxCalibratedThreads threads: what splitting each class costs.
  for (int t = 2; calibration.ok() && t <= std::min(max_threads, kMaxCalibratedThreads); ++t) {
    const double scale = m.fma_gflops[0] > 0 ? m.fma_gflops[t - 1] / m.fma_gflops[0] : t;
    StatusOr<KernelCalibration> c = CalibrateKernels(
        m.fma_gflops[t - 1], m.Int8PeakGops() * scale, t, m.transcendental_geps, &m);
    if (!c.ok()) {
      m.calibration_notes.push_back("kernel calibration on " + std::to_string(t) +
                                    " threads failed: " + c.status().ToString());
      break;
    }
    for (const auto& [cls, e] : c->efficiency) m.efficiency[cls + "@" + std::to_string(t)] = e;
    m.step_overhead_ms.push_back(c->step_overhead_ms);
  }
  m.measured_at = UtcNow();
  return m;
}

std::string MachineModelToJson(const MachineModel& m) {
  std::string fma = "[";
  for (size_t i = 0; i < m.fma_gflops.size(); ++i) {
    fma += (i ? ", " : "") + JsonNumber(m.fma_gflops[i]);
  }
  std::string overhead = "[";
  for (size_t i = 0; i < m.step_overhead_ms.size(); ++i) {
    overhead += (i ? ", " : "") + JsonNumber(m.step_overhead_ms[i]);
  }
  overhead += "]";
  fma += "]";
  std::string eff = "{";
  for (const auto& [cls, e] : m.efficiency) {
    eff += (eff.size() > 1 ? ", " : "") + JsonString(cls) + ": " + JsonNumber(e);
  }
  eff += "}";
  return "{\"key\": " + JsonString(m.key) + ", \"cpu\": " + JsonString(m.cpu) +
         ", \"isa\": " + JsonString(m.isa) + ", \"l1d\": " + std::to_string(m.l1d) +
         ", \"l2\": " + std::to_string(m.l2) + ", \"l3\": " + std::to_string(m.l3) +
         ", \"fma_gflops\": " + fma + ", \"int8_gops\": " + JsonNumber(m.int8_gops) +
         ", \"int8_vnni_gops\": " + JsonNumber(m.int8_vnni_gops) +
         ", \"dram_gbps\": " + JsonNumber(m.dram_gbps) + ", \"l2_gbps\": " + JsonNumber(m.l2_gbps) +
         ", \"efficiency\": " + eff +
         ", \"transcendental_geps\": " + JsonNumber(m.transcendental_geps) +
         ", \"step_overhead_ms\": " + overhead +
         ", \"measured_at\": " + JsonString(m.measured_at) +
         ", \"conventions\": \"FMA lane = 2 FLOPs; int8 multiply-add = 2 ops; GB/s = 1e9 B/s; "
         "fma_gflops[i] = i+1 threads; other rates single-thread; efficiency = fraction of the "
         "1-thread FMA peak per kernel class\"}";
}

StatusOr<MachineModel> MachineModelFromJson(const std::string& text) {
  FINCH_ASSIGN_OR_RETURN(const JsonValue root, ParseJson(text, "machine model JSON"));
  if (root.kind != JsonValue::kObject) return InvalidArgument("machine model JSON: not an object");
  MachineModel m;
  const auto str = [&](const char* name, std::string* out) -> Status {
    const JsonValue* v = JsonField(root, name, JsonValue::kString);
    if (v == nullptr) return InvalidArgument("machine model JSON: no string \"", name, "\"");
    *out = v->str;
    return Status::Ok();
  };
  // Rates and sizes must be finite and non-negative; sizes also fit in int64.
  const auto num = [&](const char* name, double* out) -> Status {
    const JsonValue* v = JsonField(root, name, JsonValue::kNumber);
    if (v == nullptr) return InvalidArgument("machine model JSON: no number \"", name, "\"");
    if (!(v->number >= 0 && v->number < 1e18)) {
      return InvalidArgument("machine model JSON: \"", name, "\" is out of range");
    }
    *out = v->number;
    return Status::Ok();
  };
  const auto size = [&](const char* name, int64_t* out) -> Status {
    double x = 0;
    FINCH_RETURN_IF_ERROR(num(name, &x));
    *out = static_cast<int64_t>(x);
    return Status::Ok();
  };
  FINCH_RETURN_IF_ERROR(str("key", &m.key));
  FINCH_RETURN_IF_ERROR(str("cpu", &m.cpu));
  FINCH_RETURN_IF_ERROR(str("isa", &m.isa));
  FINCH_RETURN_IF_ERROR(str("measured_at", &m.measured_at));
  FINCH_RETURN_IF_ERROR(size("l1d", &m.l1d));
  FINCH_RETURN_IF_ERROR(size("l2", &m.l2));
  FINCH_RETURN_IF_ERROR(size("l3", &m.l3));
  FINCH_RETURN_IF_ERROR(num("int8_gops", &m.int8_gops));
  // Optional: caches written before VNNI was measured lack it (0: use int8_gops).
  if (JsonField(root, "int8_vnni_gops", JsonValue::kNumber)) {
    FINCH_RETURN_IF_ERROR(num("int8_vnni_gops", &m.int8_vnni_gops));
  }
  FINCH_RETURN_IF_ERROR(num("dram_gbps", &m.dram_gbps));
  FINCH_RETURN_IF_ERROR(num("l2_gbps", &m.l2_gbps));
  FINCH_RETURN_IF_ERROR(num("transcendental_geps", &m.transcendental_geps));
  const JsonValue* eff = JsonField(root, "efficiency", JsonValue::kObject);
  if (eff == nullptr) return InvalidArgument("machine model JSON: no object \"efficiency\"");
  for (const auto& [cls, v] : eff->fields) {
    if (v.kind != JsonValue::kNumber || !(v.number > 0 && v.number < 10)) {
      return InvalidArgument("machine model JSON: efficiency \"", cls, "\" is not in (0, 10)");
    }
    m.efficiency[cls] = v.number;
  }
  const JsonValue* fma = JsonField(root, "fma_gflops", JsonValue::kArray);
  if (fma == nullptr || fma->items.empty()) {
    return InvalidArgument("machine model JSON: no non-empty array \"fma_gflops\"");
  }
  for (const JsonValue& v : fma->items) {
    if (v.kind != JsonValue::kNumber || !(v.number >= 0 && v.number < 1e18)) {
      return InvalidArgument("machine model JSON: \"fma_gflops\" holds a non-number");
    }
    m.fma_gflops.push_back(v.number);
  }
  // Optional (caches written before it was measured lack it).
  if (const JsonValue* o = JsonField(root, "step_overhead_ms", JsonValue::kArray)) {
    for (const JsonValue& v : o->items) {
      if (v.kind != JsonValue::kNumber || !(v.number >= 0 && v.number < 1e3)) {
        return InvalidArgument("machine model JSON: \"step_overhead_ms\" holds a bad value");
      }
      m.step_overhead_ms.push_back(v.number);
    }
  }
  return m;
}

std::string MachineCachePath() {
  const auto env = [](const char* name) -> std::string {
    const char* v = std::getenv(name);
    return v != nullptr ? v : "";
  };
  if (!env("FINCH_MACHINE_CACHE").empty()) return env("FINCH_MACHINE_CACHE");
  if (!env("XDG_CACHE_HOME").empty()) return env("XDG_CACHE_HOME") + "/finch/machine.json";
  if (!env("HOME").empty()) return env("HOME") + "/.cache/finch/machine.json";
  return "";
}

std::string MachineKey() { return GetCpuFeatures().Summary(); }

LoadedMachine LoadOrMeasureMachine(bool refresh, int threads) {
  threads = std::max(1, threads);
  LoadedMachine out;
  out.cache_path = MachineCachePath();
  if (out.cache_path.empty()) {
    out.note = "no cache location (set FINCH_MACHINE_CACHE, XDG_CACHE_HOME or HOME)";
  } else if (refresh) {
    out.note = "--refresh";
  } else {
    StatusOr<std::string> text = ReadFile(out.cache_path);
    if (!text.ok()) {
      out.note = "no cache file yet";
    } else {
      StatusOr<MachineModel> cached = MachineModelFromJson(*text);
      if (!cached.ok()) {
        out.note = "cache file unreadable (" + cached.status().ToString() + ")";
      } else if (cached->key != MachineKey()) {
        out.note = "cache file is for another CPU or ISA setting (" + cached->key + ")";
      } else if (static_cast<int>(cached->fma_gflops.size()) < threads) {
        out.note = "cache file has " + std::to_string(cached->fma_gflops.size()) +
                   " thread counts, " + std::to_string(threads) + " asked for";
      } else {
        out.model = std::move(*cached);
        out.model.fma_gflops.resize(static_cast<size_t>(threads));
        return out;
      }
    }
  }
  out.model = MeasureMachine(threads);
  out.measured = true;
  if (!out.cache_path.empty()) {
    const Status written = WriteFileAtomically(out.cache_path, MachineModelToJson(out.model));
    if (!written.ok()) out.note += (out.note.empty() ? "" : "; ") + written.ToString();
  }
  return out;
}

}  // namespace finch
