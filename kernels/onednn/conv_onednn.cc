// The oneDNN convolution wrapper (see the header for the contract).
#include "kernels/onednn/conv_onednn.h"

#include <cstdint>
#include <cstring>
#include <exception>
#include <mutex>
#include <unordered_map>
#include <utility>
#include <vector>

#include "kernels/common/mac_counter.h"
#include "oneapi/dnnl/dnnl.hpp"

#if DNNL_CPU_RUNTIME == DNNL_RUNTIME_OMP
#include <omp.h>
#endif

namespace finch::kernels {
namespace {

using dnnl::algorithm;
using dnnl::memory;
using tag = memory::format_tag;
using dt = memory::data_type;

// The one CPU engine of the process (created on first use, thread-safe).
const dnnl::engine& CpuEngine() {
  static const dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  return engine;
}

// Sets the calling thread's OpenMP team size for the scope (oneDNN reads omp_get_max_threads()
// when it creates and when it runs a primitive); restores it after. A no-op for other runtimes.
class ScopedThreads {
 public:
  explicit ScopedThreads(int threads) {
#if DNNL_CPU_RUNTIME == DNNL_RUNTIME_OMP
    saved_ = omp_get_max_threads();
    if (threads >= 1 && threads != saved_) omp_set_num_threads(threads);
#endif
  }
  ~ScopedThreads() {
#if DNNL_CPU_RUNTIME == DNNL_RUNTIME_OMP
    if (omp_get_max_threads() != saved_) omp_set_num_threads(saved_);
#endif
  }

 private:
  int saved_ = 0;
};

// finch's activation as oneDNN eltwise post-ops; false when there is no equivalent.
// (oneDNN 2.6 computes hardswish as x·relu6(x + 3)/6 and logistic/swish with its own vector exp:
// the same functions as finch's, rounded differently, within a few ulps.)
bool AppendActivation(const Activation& a, dnnl::post_ops* ops) {
  switch (a.kind) {
    case ActivationKind::kNone: return true;
    case ActivationKind::kRelu:
      ops->append_eltwise(1.f, algorithm::eltwise_relu, 0.f, 0.f);
      return true;
    case ActivationKind::kLeakyRelu:
      ops->append_eltwise(1.f, algorithm::eltwise_relu, a.alpha, 0.f);
      return true;
    case ActivationKind::kClip:
      ops->append_eltwise(1.f, algorithm::eltwise_clip, a.alpha, a.beta);
      return true;
    case ActivationKind::kSigmoid:
      ops->append_eltwise(1.f, algorithm::eltwise_logistic, 0.f, 0.f);
      return true;
    case ActivationKind::kSiLU:  // swish(x) = x·sigmoid(alpha·x)
      ops->append_eltwise(1.f, algorithm::eltwise_swish, 1.f, 0.f);
      return true;
    case ActivationKind::kHardSigmoid:  // clamp(alpha·x + beta, 0, 1): 2.6 has no hardsigmoid
      ops->append_eltwise(1.f, algorithm::eltwise_linear, a.alpha, a.beta);
      ops->append_eltwise(1.f, algorithm::eltwise_clip, 0.f, 1.f);
      return true;
    case ActivationKind::kHardSwish:
      ops->append_eltwise(1.f, algorithm::eltwise_hardswish, 0.f, 0.f);
      return true;
    case ActivationKind::kGelu:
      ops->append_eltwise(1.f, algorithm::eltwise_gelu_erf, 0.f, 0.f);
      return true;
    case ActivationKind::kGeluTanh:
      ops->append_eltwise(1.f, algorithm::eltwise_gelu_tanh, 0.f, 0.f);
      return true;
  }
  return false;
}

}  // namespace

// What one Execute needs besides the primitive: a stream, memory objects for x, y and the
// scratchpad (their buffers swapped in per call) and the argument map. Kept in a pool so that a
// run in steady state creates none of them (oneDNN still allocates its execution context
// inside execute()); one set per concurrent run.
struct ExecSet {
  dnnl::stream stream;
  memory src, dst, scratch;
  std::unordered_map<int, memory> args;
};

struct OneDnnConv::Impl {
  dnnl::convolution_forward conv;
  memory::desc src_md, dst_md, scratch_md;
  memory weights;  // reordered once, owned
  memory bias;     // owned copy; empty when the conv has none
  size_t scratch_bytes = 0;
  size_t held_bytes = 0;
  size_t dst_bytes = 0;
  // The multiply-adds one Execute asks for: every tap of every output, padding taps included.
  // What the primitive runs inside cannot be seen (it may skip padding taps, or compute lanes
  // past the tensor's edge), so this is the count of the work requested, not of the work done
  // (kernels/common/mac_counter.h).
  int64_t macs = 0;
  bool residual = false;
  std::string impl;

  std::mutex mu;
  std::vector<std::unique_ptr<ExecSet>> free_sets;  // guarded by mu

  std::unique_ptr<ExecSet> Acquire() {
    {
      std::lock_guard<std::mutex> lock(mu);
      if (!free_sets.empty()) {
        std::unique_ptr<ExecSet> set = std::move(free_sets.back());
        free_sets.pop_back();
        return set;
      }
    }
    const dnnl::engine& engine = CpuEngine();
    auto set = std::make_unique<ExecSet>();
    set->stream = dnnl::stream(engine);
    set->src = memory(src_md, engine, DNNL_MEMORY_NONE);
    set->dst = memory(dst_md, engine, DNNL_MEMORY_NONE);
    set->args = {{DNNL_ARG_SRC, set->src}, {DNNL_ARG_WEIGHTS, weights}, {DNNL_ARG_DST, set->dst}};
    if (bias) set->args.emplace(DNNL_ARG_BIAS, bias);
    if (scratch_bytes > 0) {
      set->scratch = memory(scratch_md, engine, DNNL_MEMORY_NONE);
      set->args.emplace(DNNL_ARG_SCRATCHPAD, set->scratch);
    }
    return set;
  }
  void Release(std::unique_ptr<ExecSet> set) {
    std::lock_guard<std::mutex> lock(mu);
    free_sets.push_back(std::move(set));
  }
};

OneDnnConv::OneDnnConv(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
OneDnnConv::~OneDnnConv() = default;

size_t OneDnnConv::scratch_bytes() const { return impl_->scratch_bytes; }
size_t OneDnnConv::held_bytes() const { return impl_->held_bytes; }
const std::string& OneDnnConv::impl() const { return impl_->impl; }

std::unique_ptr<OneDnnConv> OneDnnConv::Create(const OneDnnConvParams& p, const float* w,
                                               const float* bias, int threads,
                                               std::string* why) {
  if (p.group < 1 || p.in_c % p.group != 0 || p.out_c % p.group != 0) {
    *why = "channels not divisible by group";
    return nullptr;
  }
  try {
    const dnnl::engine& engine = CpuEngine();
    ScopedThreads scoped(threads);
    const tag act_tag = p.nhwc ? tag::nhwc : tag::nchw;
    const memory::dims src_dims = {p.batch, p.in_c, p.in_h, p.in_w};
    const memory::dims dst_dims = {p.batch, p.out_c, p.out_h, p.out_w};
    const int64_t ocg = p.out_c / p.group, icg = p.in_c / p.group;
    // ONNX's OIHW is oneDNN's goihw with the group split off the outer dimension.
    const memory::dims w_dims = p.group == 1
                                    ? memory::dims{p.out_c, p.in_c, p.kernel_h, p.kernel_w}
                                    : memory::dims{p.group, ocg, icg, p.kernel_h, p.kernel_w};
    const tag w_user_tag = p.group == 1 ? tag::oihw : tag::goihw;

    auto impl = std::make_unique<Impl>();
    impl->src_md = memory::desc(src_dims, dt::f32, act_tag);
    impl->dst_md = memory::desc(dst_dims, dt::f32, act_tag);
    const memory::desc w_any(w_dims, dt::f32, tag::any);
    const memory::desc b_md = bias ? memory::desc({p.out_c}, dt::f32, tag::x) : memory::desc();

    dnnl::post_ops ops;
    if (p.residual) ops.append_sum(1.f);  // before the activation: act(conv + b + z)
    if (!AppendActivation(p.act, &ops)) {
      *why = "activation has no oneDNN equivalent";
      return nullptr;
    }
    dnnl::primitive_attr attr;
    attr.set_post_ops(ops);
    attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);  // from the plan's arena

    // Direct, not Winograd (convolution_auto may pick it on AVX-512): its transforms change
    // the rounding, and finch's fallbacks keep the order of a plain sum.
    const dnnl::convolution_forward::desc desc(
        dnnl::prop_kind::forward_inference, algorithm::convolution_direct, impl->src_md, w_any,
        b_md, impl->dst_md, {p.stride_h, p.stride_w}, {p.dilation_h - 1, p.dilation_w - 1},
        {p.pad_top, p.pad_left}, {p.pad_bottom, p.pad_right});
    const dnnl::convolution_forward::primitive_desc pd(desc, attr, engine,
                                                       /*allow_empty=*/true);
    if (!pd) {
      *why = "oneDNN has no implementation for this geometry";
      return nullptr;
    }
    impl->impl = pd.impl_info_str();
    impl->conv = dnnl::convolution_forward(pd);
    impl->scratch_md = pd.scratchpad_desc();
    impl->scratch_bytes = impl->scratch_md.get_size();
    impl->dst_bytes = impl->dst_md.get_size();
    impl->residual = p.residual;
    impl->macs = p.batch * p.out_c * p.out_h * p.out_w * icg * p.kernel_h * p.kernel_w;

    // Weights: reorder once from the user's OIHW into the primitive's layout.
    dnnl::stream stream(engine);
    memory w_user({w_dims, dt::f32, w_user_tag}, engine, const_cast<float*>(w));
    impl->weights = memory(pd.weights_desc(), engine);
    dnnl::reorder(w_user, impl->weights).execute(stream, w_user, impl->weights);
    impl->held_bytes = pd.weights_desc().get_size();
    if (bias) {
      impl->bias = memory(b_md, engine);
      std::memcpy(impl->bias.get_data_handle(), bias, p.out_c * sizeof(float));
      impl->held_bytes += p.out_c * sizeof(float);
    }
    stream.wait();
    return std::unique_ptr<OneDnnConv>(new OneDnnConv(std::move(impl)));
  } catch (const dnnl::error& e) {
    *why = std::string("oneDNN: ") + e.what();
  } catch (const std::exception& e) {
    *why = e.what();
  }
  return nullptr;
}

bool OneDnnConv::Execute(const float* x, const float* z, float* y, void* scratch,
                         int threads) const {
  Impl& m = *impl_;
  if (m.residual != (z != nullptr)) return false;
  if (m.scratch_bytes > 0 && scratch == nullptr) return false;
  std::unique_ptr<ExecSet> set;
  bool ok = false;
  try {
    set = m.Acquire();
    ScopedThreads scoped(threads);
    // The sum post-op adds what dst holds: put the residual there.
    if (z && z != y) std::memcpy(y, z, m.dst_bytes);
    set->src.set_data_handle(const_cast<float*>(x));
    set->dst.set_data_handle(y);
    if (m.scratch_bytes > 0) set->scratch.set_data_handle(scratch);
    m.conv.execute(set->stream, set->args);
    set->stream.wait();
    ok = true;
    if (MacCounter::enabled()) MacCounter::Add(m.macs);
  } catch (const dnnl::error&) {
  } catch (const std::exception&) {
  }
  if (set) m.Release(std::move(set));
  return ok;
}

bool OneDnnConv::Available() {
  static const bool available = [] {
    // 1 image, 1 channel, 3×3 of ones, a 3×3 kernel of ones, pad 1: the centre sums 9 taps.
    OneDnnConvParams p;
    p.in_h = p.in_w = p.out_h = p.out_w = 3;
    p.kernel_h = p.kernel_w = 3;
    p.pad_top = p.pad_left = p.pad_bottom = p.pad_right = 1;
    const std::vector<float> x(9, 1.f), w(9, 1.f);
    std::vector<float> y(9, 0.f);
    std::string why;
    std::unique_ptr<OneDnnConv> conv = Create(p, w.data(), nullptr, 1, &why);
    if (!conv) return false;
    std::vector<unsigned char> scratch(conv->scratch_bytes() + 64);
    void* s = scratch.data() + (64 - reinterpret_cast<uintptr_t>(scratch.data()) % 64) % 64;
    return conv->Execute(x.data(), nullptr, y.data(), conv->scratch_bytes() ? s : nullptr, 1) &&
           y[4] == 9.f && y[0] == 4.f;
  }();
  return available;
}

}  // namespace finch::kernels
