#include "runtime/cpu_features.h"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

#include "runtime/thread_pool.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#define FINCH_X86 1
#endif

namespace finch {
namespace {

std::string Trim(const std::string& s) {
  const size_t b = s.find_first_not_of(" \t\n\r");
  if (b == std::string::npos) return "";
  const size_t e = s.find_last_not_of(" \t\n\r");
  return s.substr(b, e - b + 1);
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

#ifdef FINCH_X86
// XCR0 bits (Intel SDM vol. 1, 13.3): the OS enabled saving of this register state.
constexpr uint64_t kXcr0Sse = 1u << 1;        // XMM
constexpr uint64_t kXcr0Avx = 1u << 2;        // upper halves of YMM
constexpr uint64_t kXcr0Opmask = 1u << 5;     // k0-k7
constexpr uint64_t kXcr0ZmmHi256 = 1u << 6;   // upper halves of ZMM0-15
constexpr uint64_t kXcr0Hi16Zmm = 1u << 7;    // ZMM16-31

uint64_t ReadXcr0() {
  // xgetbv by opcode-free inline asm, so this file needs no -mxsave.
  uint32_t eax = 0, edx = 0;
  __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
  return (static_cast<uint64_t>(edx) << 32) | eax;
}

bool Bit(uint32_t reg, int bit) { return (reg >> bit) & 1u; }

void DetectIsa(CpuFeatures* f) {
  uint32_t a, b, c, d;
  if (!__get_cpuid(0, &a, &b, &c, &d)) return;
  const uint32_t max_leaf = a;
  char vendor[13] = {};
  // The vendor string is EBX, EDX, ECX in that order.
  std::copy_n(reinterpret_cast<const char*>(&b), 4, vendor);
  std::copy_n(reinterpret_cast<const char*>(&d), 4, vendor + 4);
  std::copy_n(reinterpret_cast<const char*>(&c), 4, vendor + 8);
  f->vendor = vendor;

  // Leaf 1 ECX: 19 SSE4.1, 12 FMA, 27 OSXSAVE, 28 AVX, 29 F16C.
  __get_cpuid(1, &a, &b, &c, &d);
  const uint32_t l1_ecx = c;
  const bool osxsave = Bit(l1_ecx, 27);
  const uint64_t xcr0 = osxsave ? ReadXcr0() : 0;
  const bool os_ymm = (xcr0 & (kXcr0Sse | kXcr0Avx)) == (kXcr0Sse | kXcr0Avx);
  const uint64_t zmm_mask = kXcr0Opmask | kXcr0ZmmHi256 | kXcr0Hi16Zmm;
  const bool os_zmm = os_ymm && (xcr0 & zmm_mask) == zmm_mask;

  f->sse4_1 = Bit(l1_ecx, 19);
  f->avx = os_ymm && Bit(l1_ecx, 28);
  f->fma = f->avx && Bit(l1_ecx, 12);
  f->f16c = f->avx && Bit(l1_ecx, 29);

  if (max_leaf >= 7) {
    // Leaf 7.0 EBX: 5 AVX2, 16 AVX512F, 30 AVX512BW, 31 AVX512VL; ECX: 11 AVX512_VNNI.
    __cpuid_count(7, 0, a, b, c, d);
    const uint32_t max_sub = a;
    f->avx2 = f->avx && Bit(b, 5);
    f->avx512f = os_zmm && Bit(b, 16);
    f->avx512bw = f->avx512f && Bit(b, 30);
    f->avx512vl = f->avx512f && Bit(b, 31);
    f->avx512_vnni = f->avx512f && Bit(c, 11);
    if (max_sub >= 1) {
      // Leaf 7.1 EAX: 4 AVX-VNNI (the VEX-encoded int8 dot products of Alder Lake / Zen 5).
      __cpuid_count(7, 1, a, b, c, d);
      f->avx_vnni = f->avx2 && Bit(a, 4);
    }
  }

  // Extended leaves: 0x80000001 tells whether the brand leaves follow (some hypervisors stop
  // at 0x80000000); 0x80000002..4 hold the 48-byte brand string.
  __get_cpuid(0x80000000u, &a, &b, &c, &d);
  const uint32_t max_ext = a;
  if (max_ext >= 0x80000004u) {
    char brand[49] = {};
    for (uint32_t i = 0; i < 3; ++i) {
      __get_cpuid(0x80000002u + i, &a, &b, &c, &d);
      const uint32_t regs[4] = {a, b, c, d};
      std::copy_n(reinterpret_cast<const char*>(regs), 16, brand + 16 * i);
    }
    f->brand = Trim(brand);
  }
}
#endif  // FINCH_X86

// "32K" / "1024K" / "32M" (sysfs) -> bytes; 0 when unparsable.
int64_t ParseSize(const std::string& s) {
  char* end = nullptr;
  const long long v = std::strtoll(s.c_str(), &end, 10);
  if (end == s.c_str() || v <= 0) return 0;
  switch (std::toupper(static_cast<unsigned char>(*end))) {
    case 'K': return v * 1024;
    case 'M': return v * 1024 * 1024;
    case 'G': return v * 1024 * 1024 * 1024;
    default: return v;
  }
}

std::string ReadLine(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return Trim(line);
}

// Cache sizes: sysfs first (the kernel's view, right under hypervisors where glibc's CPUID-based
// sysconf can be off by 10x), then sysconf.
void DetectCaches(CpuFeatures* f) {
  for (int i = 0; i < 16; ++i) {
    const std::string dir = "/sys/devices/system/cpu/cpu0/cache/index" + std::to_string(i);
    const std::string level = ReadLine(dir + "/level");
    if (level.empty()) break;
    const std::string type = ReadLine(dir + "/type");
    const int64_t size = ParseSize(ReadLine(dir + "/size"));
    if (level == "1" && type == "Data") f->l1d_bytes = size;
    if (level == "2" && type != "Instruction") f->l2_bytes = size;
    if (level == "3" && type != "Instruction") f->l3_bytes = size;
  }
  auto from_sysconf = [](int64_t* out, int name) {
    if (*out > 0) return;
    const long v = sysconf(name);
    *out = v > 0 ? v : 0;
  };
#ifdef _SC_LEVEL1_DCACHE_SIZE
  from_sysconf(&f->l1d_bytes, _SC_LEVEL1_DCACHE_SIZE);
  from_sysconf(&f->l2_bytes, _SC_LEVEL2_CACHE_SIZE);
  from_sysconf(&f->l3_bytes, _SC_LEVEL3_CACHE_SIZE);
#else
  (void)from_sysconf;
#endif
}

// A feature whose prerequisite is off is off: kernels may then test only the feature they use.
// sse4_1 <- avx <- {avx2, fma, f16c}; avx2 <- avx_vnni; {avx2, fma} <- avx512f <- {bw, vl, vnni}.
void Normalize(CpuFeatures* f) {
  if (!f->sse4_1) f->avx = false;
  if (!f->avx) f->avx2 = f->fma = f->f16c = false;
  if (!f->avx2) f->avx_vnni = false;
  if (!f->avx2 || !f->fma) f->avx512f = false;
  if (!f->avx512f) f->avx512bw = f->avx512vl = f->avx512_vnni = false;
}

std::string FormatSize(int64_t bytes) {
  if (bytes <= 0) return "?";
  const int64_t mb = 1024 * 1024;
  if (bytes % mb == 0) return std::to_string(bytes / mb) + "M";
  if (bytes % 1024 == 0) return std::to_string(bytes / 1024) + "K";
  return std::to_string(bytes) + "B";
}

}  // namespace

void ApplyIsaOverride(const std::string& disable_list, CpuFeatures* f) {
  struct Entry {
    const char* name;
    bool* flag;
  };
  const Entry entries[] = {
      {"sse4_1", &f->sse4_1},     {"avx", &f->avx},           {"avx2", &f->avx2},
      {"fma", &f->fma},           {"f16c", &f->f16c},         {"avx512f", &f->avx512f},
      {"avx512bw", &f->avx512bw}, {"avx512vl", &f->avx512vl}, {"avx512_vnni", &f->avx512_vnni},
      {"avx_vnni", &f->avx_vnni},
  };
  std::vector<bool> was_on;
  for (const Entry& e : entries) was_on.push_back(*e.flag);
  std::stringstream list(disable_list);
  std::string item;
  while (std::getline(list, item, ',')) {
    std::string name = Lower(Trim(item));
    if (name.empty()) continue;
    std::replace(name.begin(), name.end(), '.', '_');  // sse4.1 -> sse4_1
    if (name == "all") {
      for (const Entry& e : entries) *e.flag = false;
    } else if (name == "avx512") {
      f->avx512f = false;  // Normalize() takes the rest of the family
    } else {
      bool known = false;
      for (const Entry& e : entries) {
        if (name == e.name) *e.flag = false, known = true;
      }
      if (!known) f->ignored_overrides.push_back(name);
    }
  }
  Normalize(f);
  for (size_t i = 0; i < was_on.size(); ++i) {
    if (was_on[i] && !*entries[i].flag) f->disabled_by_env.push_back(entries[i].name);
  }
}

CpuFeatures DetectCpuFeatures(const std::string& disable_list) {
  CpuFeatures f;
#ifdef FINCH_X86
  DetectIsa(&f);
#endif
  if (f.brand.empty()) {
    // Non-x86, or no brand leaves: the kernel's name for the CPU.
    std::ifstream in("/proc/cpuinfo");
    std::string line;
    while (std::getline(in, line)) {
      if (line.rfind("model name", 0) == 0 || line.rfind("Model", 0) == 0) {
        f.brand = Trim(line.substr(line.find(':') + 1));
        break;
      }
    }
  }
  Normalize(&f);
  f.logical_cpus = std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  f.physical_cores = PhysicalCoreCount();
  DetectCaches(&f);
  ApplyIsaOverride(disable_list, &f);
  return f;
}

const CpuFeatures& GetCpuFeatures() {
  // A function-local static: initialised once, thread-safely (C++11 magic statics).
  static const CpuFeatures features = [] {
    const char* env = std::getenv("FINCH_DISABLE_ISA");
    return DetectCpuFeatures(env ? env : "");
  }();
  return features;
}

std::string CpuFeatures::Summary() const {
  std::string out = brand.empty() ? "unknown CPU" : brand;
  out += " | " + std::to_string(physical_cores) + (physical_cores == 1 ? " core" : " cores");
  if (logical_cpus != physical_cores) out += ", " + std::to_string(logical_cpus) + " threads";
  out += " |";
  const std::pair<const char*, bool> isa[] = {
      {"sse4.1", sse4_1 && !avx}, {"avx", avx && !avx2}, {"avx2", avx2}, {"fma", fma},
      {"f16c", f16c},             {"avx_vnni", avx_vnni}};
  bool any = false;
  for (const auto& [name, on] : isa) {
    if (on) out += std::string(" ") + name, any = true;
  }
  if (!any) out += " scalar only";
  if (avx512f) {
    out += " | avx512f";
    if (avx512bw) out += " bw";
    if (avx512vl) out += " vl";
    if (avx512_vnni) out += " vnni";
  } else {
    out += " | no avx512";
  }
  out += " | L1d " + FormatSize(l1d_bytes) + " L2 " + FormatSize(l2_bytes) + " L3 " +
         FormatSize(l3_bytes);
  if (!disabled_by_env.empty()) {
    out += " | FINCH_DISABLE_ISA off:";
    for (const std::string& n : disabled_by_env) out += " " + n;
  }
  return out;
}

}  // namespace finch
