#include "kernels/tensor/concat_ref.h"

#include <cstring>

namespace finch::kernels {

void concat_ref(int64_t outer, const std::vector<const void*>& inputs,
                const std::vector<size_t>& block_bytes, void* y) {
  char* dst = static_cast<char*>(y);
  for (int64_t o = 0; o < outer; ++o) {
    for (size_t i = 0; i < inputs.size(); ++i) {
      if (block_bytes[i] == 0) continue;
      std::memcpy(dst, static_cast<const char*>(inputs[i]) + o * block_bytes[i], block_bytes[i]);
      dst += block_bytes[i];
    }
  }
}

void split_ref(int64_t outer, const void* x, const std::vector<void*>& outputs,
               const std::vector<size_t>& block_bytes) {
  const char* src = static_cast<const char*>(x);
  for (int64_t o = 0; o < outer; ++o) {
    for (size_t i = 0; i < outputs.size(); ++i) {
      if (outputs[i] != nullptr && block_bytes[i] != 0) {
        std::memcpy(static_cast<char*>(outputs[i]) + o * block_bytes[i], src, block_bytes[i]);
      }
      src += block_bytes[i];
    }
  }
}

}  // namespace finch::kernels
