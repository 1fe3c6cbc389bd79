#include "runtime/data/preprocess.h"

#include <algorithm>
#include <cmath>

#include "runtime/data/resize.h"

namespace finch {
namespace {

// (size − crop) / 2 rounded half to even, as Python's round() does.
int CenterOffset(int size, int crop) {
  const int diff = size - crop;
  const int half = diff / 2;
  if (diff % 2 == 0) return half;
  return half % 2 == 0 ? half : half + 1;  // half + ½: to the even neighbour
}

}  // namespace

Preprocess Preprocess::ImageNet() { return Preprocess(); }

Preprocess Preprocess::CaffeBgr() {
  Preprocess p;
  p.style = Style::kCaffeBgr;
  p.bgr = true;
  p.divisor = 1.f;
  const float mean[3] = {104.f, 117.f, 123.f};
  for (int c = 0; c < 3; ++c) {
    p.mean[c] = mean[c];
    p.stddev[c] = 1.f;
  }
  return p;
}

StatusOr<Preprocess> PreprocessByName(const std::string& name) {
  if (name == "imagenet") return Preprocess::ImageNet();
  if (name == "caffe-bgr") return Preprocess::CaffeBgr();
  return InvalidArgument("unknown preprocessing \"", name, "\" (known: imagenet, caffe-bgr)");
}

const char* PreprocessStyleName(Preprocess::Style style) {
  return style == Preprocess::Style::kCaffeBgr ? "caffe-bgr" : "imagenet";
}

Status FitPreprocessToInput(const TensorType& input, const std::string& what, Preprocess* p) {
  if (input.dtype != DataType::kFloat32) {
    return Unimplemented(what, " is ", input.ToString(), "; images become float32 tensors");
  }
  if (!input.dims || input.dims->size() != 4) {
    return Unimplemented(what, " is ", input.ToString(),
                         "; images need a rank-4 input [N,3,H,W] or [N,H,W,3]");
  }
  const std::vector<Dim>& d = *input.dims;
  if (d[0].known() && d[0].value < 1) return InvalidArgument(what, " has batch size 0");
  int h_axis = 2, w_axis = 3;
  if (d[1].known() && d[1].value == 3) {
    p->nhwc = false;
  } else if (d[3].known() && d[3].value == 3) {
    p->nhwc = true;
    h_axis = 1;
    w_axis = 2;
  } else {
    return Unimplemented(what, " is ", input.ToString(),
                         "; images need 3 channels, [N,3,H,W] or [N,H,W,3]");
  }
  if (d[h_axis].known() != d[w_axis].known()) {
    return Unimplemented(what, " is ", input.ToString(), "; H and W must both be known or not");
  }
  if (!d[h_axis].known()) return Status::Ok();
  const int64_t h = d[h_axis].value, w = d[w_axis].value;
  if (h < 1 || w < 1 || h > 16384 || w > 16384) {
    return InvalidArgument(what, " is ", input.ToString(), "; H and W must be 1..16384");
  }
  p->crop_height = static_cast<int>(h);
  p->crop_width = static_cast<int>(w);
  p->resize_shorter = static_cast<int>((std::min(h, w) * 256 + 112) / 224);
  return Status::Ok();
}

Shape PreprocessedShape(const Preprocess& p) {
  if (p.nhwc) return {1, p.crop_height, p.crop_width, 3};
  return {1, 3, p.crop_height, p.crop_width};
}

StatusOr<Image> ResizeAndCrop(const Image& image, const Preprocess& p, const std::string& what) {
  if (p.crop_height < 1 || p.crop_width < 1 || p.resize_shorter < 0) {
    return InvalidArgument(what, ": bad preprocessing sizes (crop ", p.crop_width, "x",
                           p.crop_height, ", resize ", p.resize_shorter, ")");
  }
  if (image.width < 1 || image.height < 1) return InvalidArgument(what, ": empty image");
  // Step 1: the resized size. torchvision: short side → resize_shorter, long side →
  // int(resize_shorter · long / short), a truncation.
  int64_t width = image.width, height = image.height;
  if (p.resize_shorter > 0) {
    const int64_t shorter = std::min(width, height), longer = std::max(width, height);
    const int64_t scaled = p.resize_shorter * longer / shorter;
    if (scaled > 65535) {
      return InvalidArgument(what, ": a ", image.width, "x", image.height, " image resized to ",
                             p.resize_shorter, " on its shorter side would be ", scaled,
                             " pixels long");
    }
    width = image.width <= image.height ? p.resize_shorter : scaled;
    height = image.width <= image.height ? scaled : p.resize_shorter;
  }
  if (width < p.crop_width || height < p.crop_height) {
    return InvalidArgument(what, ": cannot crop ", p.crop_width, "x", p.crop_height, " from ",
                           image.width, "x", image.height,
                           p.resize_shorter > 0 ? StrCat(" resized to ", width, "x", height) : "",
                           " (resize_shorter must be at least the crop)");
  }
  // Step 2: the crop window of the resized image.
  ResizeWindow window;
  window.left = CenterOffset(static_cast<int>(width), p.crop_width);
  window.top = CenterOffset(static_cast<int>(height), p.crop_height);
  window.width = p.crop_width;
  window.height = p.crop_height;
  auto cropped = ResizeBilinear(image, static_cast<int>(width), static_cast<int>(height), window);
  if (!cropped.ok()) return InvalidArgument(what, ": ", cropped.status().message());
  return cropped;
}

Status PreprocessImageInto(const Image& image, const Preprocess& p, const std::string& what,
                           float* dst) {
  for (int c = 0; c < 3; ++c) {
    if (!(p.stddev[c] != 0.f) || !(p.divisor != 0.f)) {
      return InvalidArgument(what, ": preprocessing divides by zero (stddev or divisor)");
    }
  }
  FINCH_ASSIGN_OR_RETURN(Image crop, ResizeAndCrop(image, p, what));
  // Step 3 through a table per output channel: the same float32 expression for each of the
  // 256 byte values, evaluated once.
  float table[3][256];
  for (int c = 0; c < 3; ++c) {
    for (int v = 0; v < 256; ++v) {
      const float x = static_cast<float>(v) / p.divisor;
      table[c][v] = (x - p.mean[c]) / p.stddev[c];
    }
  }
  const size_t pixels = static_cast<size_t>(crop.width) * crop.height;
  const uint8_t* rgb = crop.rgb.data();
  for (int c = 0; c < 3; ++c) {
    const int src = p.bgr ? 2 - c : c;
    const float* t = table[c];
    if (p.nhwc) {
      for (size_t i = 0; i < pixels; ++i) dst[3 * i + c] = t[rgb[3 * i + src]];
    } else {
      float* plane = dst + c * pixels;
      for (size_t i = 0; i < pixels; ++i) plane[i] = t[rgb[3 * i + src]];
    }
  }
  return Status::Ok();
}

StatusOr<Tensor> PreprocessImage(const Image& image, const Preprocess& p, const std::string& what) {
  FINCH_ASSIGN_OR_RETURN(Tensor out, Tensor::Allocate(DataType::kFloat32, PreprocessedShape(p)));
  FINCH_RETURN_IF_ERROR(PreprocessImageInto(image, p, what, out.mutable_data<float>()));
  return out;
}

}  // namespace finch
