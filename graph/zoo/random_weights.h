// Seeded random weights that are the same on every machine and standard library.
//
// std::normal_distribution's algorithm is implementation-defined (libstdc++ and libc++ give
// different values for the same engine), so normals come from a Box-Muller transform over the
// raw 64-bit outputs of std::mt19937_64, whose sequence the C++ standard fixes. Each tensor gets
// its own stream, seeded from (seed, tensor name): a tensor's values depend on nothing else, so
// adding a layer or changing the width does not reshuffle the weights of the others.
#pragma once

#include <cstdint>
#include <random>
#include <string>

namespace finch::zoo {

class WeightRng {
 public:
  // The stream for tensor `name` under model seed `seed`.
  WeightRng(uint64_t seed, const std::string& name);

  // Uniform in [0, 1), 53 random bits.
  double Uniform();
  // Standard normal: Box-Muller, z = sqrt(-2 ln u1) · cos(2π u2) with u1 in (0, 1].
  double Normal();

 private:
  std::mt19937_64 engine_;
};

}  // namespace finch::zoo
