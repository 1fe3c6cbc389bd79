#include "graph/zoo/random_weights.h"

#include <cmath>

namespace finch::zoo {
namespace {

// FNV-1a over the name's bytes, then splitmix64 to spread the seed over all 64 bits (mt19937_64
// seeded with nearby integers starts with correlated outputs otherwise).
uint64_t StreamSeed(uint64_t seed, const std::string& name) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : name) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  uint64_t z = seed ^ h;
  z += 0x9e3779b97f4a7c15ull;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

constexpr double kTwoPi = 6.283185307179586476925286766559;
constexpr double kTwoPowMinus53 = 1.0 / 9007199254740992.0;  // 2^-53

}  // namespace

WeightRng::WeightRng(uint64_t seed, const std::string& name) : engine_(StreamSeed(seed, name)) {}

double WeightRng::Uniform() { return static_cast<double>(engine_() >> 11) * kTwoPowMinus53; }

double WeightRng::Normal() {
  // u1 in (0, 1] so the log is finite. The result is rounded to float by the callers; a last-bit
  // difference between two libm's log/cos would have to straddle a float rounding boundary to
  // show, which is as rare as it gets.
  const double u1 = static_cast<double>((engine_() >> 11) + 1) * kTwoPowMinus53;
  const double u2 = Uniform();
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(kTwoPi * u2);
}

}  // namespace finch::zoo
