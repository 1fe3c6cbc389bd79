// GuardedBuffer: `n` floats whose last one is followed by an inaccessible (PROT_NONE) page, so
// a kernel that reads or writes one float past the end faults in the test that caused it.
#pragma once

#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <random>

namespace finch {

class GuardedBuffer {
 public:
  explicit GuardedBuffer(int64_t n) : n_(n) {
    const int64_t page = sysconf(_SC_PAGESIZE);
    const int64_t bytes = std::max<int64_t>(n, 1) * sizeof(float);
    data_pages_ = (bytes + page - 1) / page * page;
    map_bytes_ = data_pages_ + page;
    base_ = static_cast<char*>(
        mmap(nullptr, map_bytes_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    EXPECT_NE(base_, MAP_FAILED);
    EXPECT_EQ(mprotect(base_ + data_pages_, page, PROT_NONE), 0);
    data_ = reinterpret_cast<float*>(base_ + data_pages_) - n;
  }
  ~GuardedBuffer() { munmap(base_, map_bytes_); }
  GuardedBuffer(const GuardedBuffer&) = delete;
  GuardedBuffer& operator=(const GuardedBuffer&) = delete;

  float* data() { return data_; }
  const float* data() const { return data_; }
  int64_t size() const { return n_; }
  void Fill(float v) { std::fill(data_, data_ + n_, v); }

 private:
  int64_t n_;
  int64_t data_pages_ = 0, map_bytes_ = 0;
  char* base_ = nullptr;
  float* data_ = nullptr;
};

// Small integers in [lo, hi]: sums of their products stay exact in float, so kernels that
// only reorder additions must agree bit for bit.
inline void FillInts(std::mt19937& rng, int lo, int hi, float* v, int64_t n) {
  std::uniform_int_distribution<int> d(lo, hi);
  for (int64_t i = 0; i < n; ++i) v[i] = static_cast<float>(d(rng));
}

}  // namespace finch
