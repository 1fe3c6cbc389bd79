// Helpers of the int8 kernel suites (int8_*_test.cc): a guarded buffer of any element type,
// ending exactly at a PROT_NONE page (tests/util/guarded_buffer.h holds floats only, and an int8
// buffer must end on its last byte, not on a float boundary), and the CPU check.
#pragma once

#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "runtime/cpu_features.h"

namespace finch::kernels {

template <typename T>
class Guarded {
 public:
  explicit Guarded(int64_t n) : n_(n) {
    const int64_t page = sysconf(_SC_PAGESIZE);
    const int64_t bytes = std::max<int64_t>(n, 1) * static_cast<int64_t>(sizeof(T));
    data_pages_ = (bytes + page - 1) / page * page;
    map_bytes_ = data_pages_ + page;
    base_ = static_cast<char*>(
        mmap(nullptr, map_bytes_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    EXPECT_NE(base_, MAP_FAILED);
    EXPECT_EQ(mprotect(base_ + data_pages_, page, PROT_NONE), 0);
    data_ = reinterpret_cast<T*>(base_ + data_pages_ - n * static_cast<int64_t>(sizeof(T)));
  }
  ~Guarded() { munmap(base_, map_bytes_); }
  Guarded(const Guarded&) = delete;
  Guarded& operator=(const Guarded&) = delete;

  T* data() { return data_; }
  const T* data() const { return data_; }
  T& operator[](int64_t i) { return data_[i]; }
  const T& operator[](int64_t i) const { return data_[i]; }
  int64_t size() const { return n_; }
  void Fill(T v) { std::fill(data_, data_ + n_, v); }
  void FillBytes(uint8_t b) { std::memset(data_, b, n_ * sizeof(T)); }

 private:
  int64_t n_;
  int64_t data_pages_ = 0, map_bytes_ = 0;
  char* base_ = nullptr;
  T* data_ = nullptr;
};

inline bool HaveAvx2Fma() {
  const CpuFeatures& f = GetCpuFeatures();
  return f.avx2 && f.fma;
}

}  // namespace finch::kernels
