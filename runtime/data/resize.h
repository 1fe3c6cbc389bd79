// Resampling 8-bit RGB images the way PIL's Image.resize(size, BILINEAR) does, so that finch's
// preprocessing reproduces torchvision's (transforms.Resize on a PIL image).
//
// The filter is the triangle (tent) kernel t(x) = max(0, 1 − |x|), stretched by the downscale
// factor: along an axis of n_in samples resized to n_out, with s = n_in / n_out and f = max(s, 1),
// output sample i is centred at c = (i + ½)·s in input coordinates and is
//     out[i] = Σ_j w_j · in[j] / Σ_j w_j,    w_j = t((j + ½ − c) / f),
// over the input samples j whose centres j + ½ lie within f of c. When shrinking (s > 1) the
// support widens with s, so every input pixel contributes (antialiasing); a plain bilinear
// interpolation (f = 1 always) would skip pixels and alias. When enlarging, f = 1: ordinary
// linear interpolation between the two nearest samples.
//
// The two axes are separable: rows first (horizontal pass), into an 8-bit intermediate, then
// columns — the order and the rounding of PIL, whose results match to the last bit this way.
// Weights are normalised, then held in fixed point with kResizeWeightBits fractional bits; each
// pass rounds to nearest and clamps to 0..255.
#pragma once

#include "graph/status.h"
#include "runtime/data/image.h"

namespace finch {

inline constexpr int kResizeWeightBits = 22;

// A rectangle of the output image: the pixels [left, left + width) × [top, top + height).
struct ResizeWindow {
  int left = 0, top = 0, width = 0, height = 0;
};

// Resizes `src` to out_width × out_height and returns only `window` of the result (a center
// crop computed without resampling the pixels it discards: each output pixel depends only on
// its own coordinates, so the window is bit-identical to cropping the full resize). Sizes must
// be positive and the window inside the output; otherwise InvalidArgument.
StatusOr<Image> ResizeBilinear(const Image& src, int out_width, int out_height,
                               const ResizeWindow& window);

// The whole output.
StatusOr<Image> ResizeBilinear(const Image& src, int out_width, int out_height);

}  // namespace finch
