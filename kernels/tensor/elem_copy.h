// Moving one element of `elem_size` bytes: typed loads/stores for the usual sizes (the compiler
// turns them into single moves), memcpy otherwise. Shared by the byte-moving tensor kernels.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>

namespace finch::kernels {

// Calls fn(Word{}) with Word an unsigned integer type of `elem_size` bytes, or fn(nullptr)
// when there is none (sizes other than 1, 2, 4, 8).
template <typename Fn>
void DispatchElemSize(size_t elem_size, Fn&& fn) {
  switch (elem_size) {
    case 1:
      fn(uint8_t{});
      break;
    case 2:
      fn(uint16_t{});
      break;
    case 4:
      fn(uint32_t{});
      break;
    case 8:
      fn(uint64_t{});
      break;
    default:
      fn(nullptr);
      break;
  }
}

// Copies element `src_index` of src to element `dst_index` of dst.
template <typename Word>
inline void CopyElem(const void* src, int64_t src_index, void* dst, int64_t dst_index,
                     size_t elem_size) {
  if constexpr (std::is_same_v<Word, std::nullptr_t>) {
    std::memcpy(static_cast<char*>(dst) + dst_index * elem_size,
                static_cast<const char*>(src) + src_index * elem_size, elem_size);
  } else {
    Word w;
    std::memcpy(&w, static_cast<const char*>(src) + src_index * sizeof(Word), sizeof(Word));
    std::memcpy(static_cast<char*>(dst) + dst_index * sizeof(Word), &w, sizeof(Word));
  }
}

}  // namespace finch::kernels
