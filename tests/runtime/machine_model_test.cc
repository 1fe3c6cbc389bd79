// The machine model's JSON and its cache: round trip, malformed files, the CPU key,
// FINCH_MACHINE_CACHE. Two tests measure for real (~2.5 s each, one thread).
#include "runtime/machine_model.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace finch {
namespace {

MachineModel Sample() {
  MachineModel m;
  m.key = MachineKey();
  m.cpu = "Test \"CPU\" \\ 9000\t";
  m.fma_gflops = {117.47806123125348, 234.9, 0.1};
  m.int8_gops = 214.25;
  m.dram_gbps = 24.5;
  m.l2_gbps = 117.2;
  m.l1d = 32768;
  m.l2 = 1 << 20;
  m.l3 = int64_t{32} << 20;
  m.isa = "avx2 fma";
  m.measured_at = "2024-01-02T03:04:05Z";
  m.efficiency = {{"pointwise", 0.93}, {"depthwise_k3s2", 0.3333333333333333}};
  m.transcendental_geps = 2.25;
  return m;
}

void ExpectSame(const MachineModel& a, const MachineModel& b) {
  EXPECT_EQ(a.key, b.key);
  EXPECT_EQ(a.cpu, b.cpu);
  EXPECT_EQ(a.fma_gflops, b.fma_gflops);  // exact: the writer round-trips doubles
  EXPECT_EQ(a.int8_gops, b.int8_gops);
  EXPECT_EQ(a.dram_gbps, b.dram_gbps);
  EXPECT_EQ(a.l2_gbps, b.l2_gbps);
  EXPECT_EQ(a.l1d, b.l1d);
  EXPECT_EQ(a.l2, b.l2);
  EXPECT_EQ(a.l3, b.l3);
  EXPECT_EQ(a.isa, b.isa);
  EXPECT_EQ(a.measured_at, b.measured_at);
  EXPECT_EQ(a.efficiency, b.efficiency);
  EXPECT_EQ(a.transcendental_geps, b.transcendental_geps);
}

// Points FINCH_MACHINE_CACHE at a fresh temporary folder for one test.
class TempCache {
 public:
  TempCache() {
    char tmpl[] = "/tmp/finch_machine_XXXXXX";
    dir_ = mkdtemp(tmpl);
    path_ = dir_ + "/sub/machine.json";  // the folder does not exist yet
    const char* old = getenv("FINCH_MACHINE_CACHE");
    had_old_ = old != nullptr;
    if (had_old_) old_ = old;
    setenv("FINCH_MACHINE_CACHE", path_.c_str(), 1);
  }
  ~TempCache() {
    if (had_old_) {
      setenv("FINCH_MACHINE_CACHE", old_.c_str(), 1);
    } else {
      unsetenv("FINCH_MACHINE_CACHE");
    }
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  const std::string& path() const { return path_; }
  void Write(const std::string& text) const {
    std::filesystem::create_directories(std::filesystem::path(path_).parent_path());
    std::ofstream(path_) << text;
  }
  std::string Read() const {
    std::ifstream in(path_);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

 private:
  std::string dir_, path_, old_;
  bool had_old_ = false;
};

TEST(MachineModel, JsonRoundTrip) {
  const MachineModel m = Sample();
  const std::string json = MachineModelToJson(m);
  EXPECT_NE(json.find("\"fma_gflops\": [117.47806123125348, 234.9, 0.1]"), std::string::npos)
      << json;
  StatusOr<MachineModel> back = MachineModelFromJson(json);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  ExpectSame(m, *back);
  // Whitespace, reordering and unknown keys are fine.
  StatusOr<MachineModel> spaced = MachineModelFromJson(
      "\n{ \"extra\": {\"a\": [1, true, null]}, \"key\":\"k\", \"cpu\":\"c\", \"isa\":\"i\",\n"
      "  \"measured_at\":\"t\", \"l1d\":1, \"l2\":2, \"l3\":3, \"fma_gflops\":[1e2],\n"
      "  \"int8_gops\":2.5, \"dram_gbps\":3, \"l2_gbps\":4, \"transcendental_geps\": 0,\n"
      "  \"efficiency\": {} }\n");
  ASSERT_TRUE(spaced.ok()) << spaced.status().ToString();
  EXPECT_EQ(spaced->fma_gflops, std::vector<double>{100.0});
  EXPECT_EQ(spaced->l3, 3);
}

TEST(MachineModel, MalformedJsonIsAnError) {
  const std::string good = MachineModelToJson(Sample());
  // Every truncation of a valid file is rejected (none crashes).
  for (size_t n = 0; n < good.size(); ++n) {
    StatusOr<MachineModel> r = MachineModelFromJson(good.substr(0, n));
    EXPECT_FALSE(r.ok()) << "prefix of length " << n << " accepted";
    if (!r.ok()) {
      EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    }
  }
  const char* bad[] = {
      "",
      "[]",
      "null",
      "{}",
      "{\"key\": 1}",
      "\x01\xff garbage",
      "{\"key\":\"k\",\"cpu\":\"c\",\"isa\":\"i\",\"measured_at\":\"t\",\"l1d\":1,\"l2\":2,"
      "\"l3\":3,\"fma_gflops\":[],\"int8_gops\":1,\"dram_gbps\":1,\"l2_gbps\":1}",  // empty
      "{\"key\":\"k\",\"cpu\":\"c\",\"isa\":\"i\",\"measured_at\":\"t\",\"l1d\":-1,\"l2\":2,"
      "\"l3\":3,\"fma_gflops\":[1],\"int8_gops\":1,\"dram_gbps\":1,\"l2_gbps\":1}",  // negative
      "{\"key\":\"k\",\"cpu\":\"c\",\"isa\":\"i\",\"measured_at\":\"t\",\"l1d\":1,\"l2\":2,"
      "\"l3\":3,\"fma_gflops\":[\"x\"],\"int8_gops\":1,\"dram_gbps\":1,\"l2_gbps\":1}",
      "{\"key\":\"k\"} trailing",
      // A cache written before kernel calibration existed: measured again.
      "{\"key\":\"k\",\"cpu\":\"c\",\"isa\":\"i\",\"measured_at\":\"t\",\"l1d\":1,\"l2\":2,"
      "\"l3\":3,\"fma_gflops\":[1],\"int8_gops\":1,\"dram_gbps\":1,\"l2_gbps\":1}",
      // An efficiency that is not a positive number.
      "{\"key\":\"k\",\"cpu\":\"c\",\"isa\":\"i\",\"measured_at\":\"t\",\"l1d\":1,\"l2\":2,"
      "\"l3\":3,\"fma_gflops\":[1],\"int8_gops\":1,\"dram_gbps\":1,\"l2_gbps\":1,"
      "\"transcendental_geps\":1,\"efficiency\":{\"pointwise\":-0.5}}",
      "{\"key\":\"k\",\"cpu\":\"c\",\"isa\":\"i\",\"measured_at\":\"t\",\"l1d\":1,\"l2\":2,"
      "\"l3\":3,\"fma_gflops\":[1],\"int8_gops\":1,\"dram_gbps\":1,\"l2_gbps\":1,"
      "\"transcendental_geps\":1,\"efficiency\":{\"pointwise\":\"high\"}}"};
  for (const char* text : bad) {
    EXPECT_FALSE(MachineModelFromJson(text).ok()) << text;
  }
  // Deep nesting is refused, not recursed into without bound.
  const std::string deep = "{\"a\":" + std::string(100000, '[');
  EXPECT_FALSE(MachineModelFromJson(deep).ok());
}

TEST(MachineModel, CacheLocationFollowsEnvironment) {
  TempCache cache;
  EXPECT_EQ(MachineCachePath(), cache.path());
  unsetenv("FINCH_MACHINE_CACHE");
  const char* xdg = getenv("XDG_CACHE_HOME");
  const std::string old_xdg = xdg ? xdg : "";
  setenv("XDG_CACHE_HOME", "/x/y", 1);
  EXPECT_EQ(MachineCachePath(), "/x/y/finch/machine.json");
  if (xdg) {
    setenv("XDG_CACHE_HOME", old_xdg.c_str(), 1);
  } else {
    unsetenv("XDG_CACHE_HOME");
  }
  setenv("FINCH_MACHINE_CACHE", cache.path().c_str(), 1);
}

TEST(MachineModel, LoadsACacheForThisCpu) {
  TempCache cache;
  cache.Write(MachineModelToJson(Sample()));
  const LoadedMachine two = LoadOrMeasureMachine(false, 2);
  EXPECT_FALSE(two.measured) << two.note;
  EXPECT_EQ(two.cache_path, cache.path());
  EXPECT_EQ(two.model.fma_gflops, (std::vector<double>{117.47806123125348, 234.9}));
  EXPECT_EQ(two.model.int8_gops, 214.25);
}

TEST(MachineModel, MalformedCacheIsMeasuredAgainAndRewritten) {
  TempCache cache;
  const std::string good = MachineModelToJson(Sample());
  cache.Write(good.substr(0, good.size() / 2));  // truncated
  const LoadedMachine first = LoadOrMeasureMachine(false, 1);
  EXPECT_TRUE(first.measured);
  EXPECT_NE(first.note.find("unreadable"), std::string::npos) << first.note;
  ASSERT_EQ(first.model.fma_gflops.size(), 1u);
  EXPECT_EQ(first.model.key, MachineKey());
  // The new file is valid, at FINCH_MACHINE_CACHE, and is what the next call loads.
  StatusOr<MachineModel> written = MachineModelFromJson(cache.Read());
  ASSERT_TRUE(written.ok()) << written.status().ToString();
  ExpectSame(first.model, *written);
  const LoadedMachine second = LoadOrMeasureMachine(false, 1);
  EXPECT_FALSE(second.measured) << second.note;
  ExpectSame(first.model, second.model);
}

TEST(MachineModel, CacheOfAnotherCpuIsIgnored) {
  TempCache cache;
  MachineModel other = Sample();
  other.key = "Some Other CPU | 64 cores | avx2 fma | no avx512 | L1d 48K L2 2M L3 96M";
  cache.Write(MachineModelToJson(other));
  const LoadedMachine loaded = LoadOrMeasureMachine(false, 1);
  EXPECT_TRUE(loaded.measured);
  EXPECT_NE(loaded.note.find("another CPU"), std::string::npos) << loaded.note;
  EXPECT_EQ(loaded.model.key, MachineKey());
  EXPECT_EQ(loaded.model.fma_gflops.size(), 1u);
  EXPECT_GE(loaded.model.dram_gbps, 0.0);
}

}  // namespace
}  // namespace finch
