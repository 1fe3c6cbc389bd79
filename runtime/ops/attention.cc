// finch::Attention (graph/ops/attention.h) on kernels/attention: the flash kernel
// (attention_f32_flash_avx2) when the CPU has AVX2 and FMA, else the reference.
//
// The node's logical tensors [L..., rows, cols] reach the kernel as strides (no copy): the last
// problem dim L_{r−3} is the kernel's `problems` axis, any problem dims before it are walked
// here (`outer`). Threads split the grid outer × problems × query blocks into one contiguous run
// of tasks each (ForTaskChunks); a run is cut into rectangles (one problem's remaining query
// blocks, whole problems, the first blocks of one more) so that the flash kernel packs each
// problem's K and V once per rectangle, not once per block. Every query row is computed by the
// same sequence of operations whatever the split, so results do not depend on the thread count.
#include "graph/ops/attention.h"

#include <algorithm>
#include <optional>

#include "graph/ops/fused.h"
#include "kernels/attention/attention.h"
#include "runtime/cpu_features.h"
#include "runtime/ops/image_rows.h"
#include "runtime/ops/transformer.h"

namespace finch {
namespace {

constexpr int64_t kAlignFloats = 16;  // per-thread scratch slices start on 64-byte boundaries
constexpr int64_t kStrip = 6;         // the flash kernel's query rows per register tile
constexpr int64_t kTasksPerThread = 8;

int64_t RoundUp(int64_t x, int64_t m) { return (x + m - 1) / m * m; }

// The kernel's problem for one outer index: every view's dims r−3 (problems), r−2 (rows),
// r−1 (columns); pointers are set per outer index by Offset().
kernels::AttentionProblem BaseProblem(const AttentionGeometry& g) {
  const int r = g.rank;
  auto view = [r](const AttentionView& v) {
    kernels::AttentionTensor t;
    t.head = r >= 3 ? v.stride[r - 3] : 0;
    t.row = v.stride[r - 2];
    t.col = v.stride[r - 1];
    return t;
  };
  kernels::AttentionProblem p;
  p.problems = r >= 3 ? g.lead[r - 3] : 1;
  p.q_len = g.q_len;
  p.kv_len = g.kv_len;
  p.head_dim = g.head_dim;
  p.v_dim = g.v_dim;
  p.scale = g.scale;
  p.causal = g.causal;
  p.q = view(g.q);
  p.k = view(g.k);
  p.v = view(g.v);
  p.mask = view(g.mask);
  p.out_head = r >= 3 ? g.out.stride[r - 3] : 0;
  p.out_row = g.out.stride[r - 2];
  return p;
}

class AttentionKernel final : public OpKernel {
 public:
  AttentionKernel(const Node& node, AttentionAttributes attrs,
                  std::optional<AttentionGeometry> geometry, bool flash, int threads)
      : node_(node),
        attrs_(std::move(attrs)),
        geometry_(geometry),
        flash_(flash),
        threads_(std::max(threads, 1)) {
    if (geometry_) {
      blocks_ = Blocks(*geometry_);
      scratch_floats_ = ScratchFloatsPerThread(*geometry_);
    }
  }
  std::string name() const override {
    return flash_ ? "attention_f32_flash_avx2" : "attention_f32_ref";
  }
  size_t scratch_bytes() const override {
    return static_cast<size_t>(threads_ * scratch_floats_) * sizeof(float);
  }

  Status Run(KernelContext& ctx) const override {
    AttentionGeometry g;
    if (geometry_) {
      g = *geometry_;
    } else {  // shapes known only now
      const Tensor* m = ctx.has_input(3) ? &ctx.input(3) : nullptr;
      FINCH_ASSIGN_OR_RETURN(
          g, ResolveAttention(node_, attrs_, ctx.input(0).shape(), ctx.input(1).shape(),
                              ctx.input(2).shape(), m ? &m->shape() : nullptr));
    }
    Tensor& y = ctx.output(0);
    float* out = y.mutable_data<float>();
    if (y.num_elements() == 0) return Status::Ok();
    if (g.kv_len == 0) {  // softmax over no keys: an empty sum, zeros
      std::fill(out, out + y.num_elements(), 0.f);
      return Status::Ok();
    }
    const int64_t per_thread = geometry_ ? scratch_floats_ : ScratchFloatsPerThread(g);
    // The planned scratch holds threads_ slices; a pool with more threads runs on the caller
    // alone (ForTaskChunks), so threads_ slices always suffice.
    float* scratch = nullptr;
    if (per_thread > 0) {
      scratch = static_cast<float*>(
          ctx.Scratch(static_cast<size_t>(threads_ * per_thread) * sizeof(float)));
      if (scratch == nullptr) {
        return ResourceExhausted(node_.Describe(), ": out of memory for attention scratch");
      }
    }
    const kernels::AttentionProblem base = BaseProblem(g);
    const kernels::AttentionBlocks blocks = geometry_ ? blocks_ : Blocks(g);
    const int r = g.rank;
    int64_t outer = 1;
    for (int i = 0; i + 3 < r; ++i) outer *= g.lead[i];
    const int64_t problems = base.problems;
    const int64_t q_blocks = (g.q_len + blocks.q_block - 1) / blocks.q_block;
    const float* qd = ctx.input(0).data<float>();
    const float* kd = ctx.input(1).data<float>();
    const float* vd = ctx.input(2).data<float>();
    const float* md = g.has_mask ? ctx.input(3).data<float>() : nullptr;

    // Problems [p0, p1) × query blocks [b0, b1) of outer index o.
    auto rectangle = [&](float* slice, int64_t o, int64_t p0, int64_t p1, int64_t b0, int64_t b1) {
      kernels::AttentionProblem p = base;
      // The outer index's element offsets: its multi-index over the dims before r − 3.
      int64_t oq = 0, ok = 0, ov = 0, om = 0, oy = 0;
      for (int i = r - 4; i >= 0; --i) {
        const int64_t idx = o % g.lead[i];
        o /= g.lead[i];
        oq += idx * g.q.stride[i];
        ok += idx * g.k.stride[i];
        ov += idx * g.v.stride[i];
        om += idx * g.mask.stride[i];
        oy += idx * g.out.stride[i];
      }
      p.q.data = qd + oq;
      p.k.data = kd + ok;
      p.v.data = vd + ov;
      p.mask.data = md ? md + om : nullptr;
      p.out = out + oy;
      if (flash_) {
        kernels::attention_f32_flash_avx2(p, blocks, p0, p1, b0, b1, slice);
      } else {
        kernels::attention_f32_ref(p, p0, p1, b0 * blocks.q_block,
                                   std::min(g.q_len, b1 * blocks.q_block));
      }
    };
    const int64_t tasks = outer * problems * q_blocks;
    ForTaskChunks(ctx, threads_, tasks, [&](int chunk, int64_t begin, int64_t end) {
      float* slice = scratch ? scratch + chunk * per_thread : nullptr;
      for (int64_t t = begin; t < end;) {
        const int64_t op = t / q_blocks, b0 = t % q_blocks;
        const int64_t o = op / problems, p = op % problems;
        if (b0 == 0 && end - t >= q_blocks) {  // whole problems, up to the end of outer index o
          const int64_t whole = std::min((end - t) / q_blocks, problems - p);
          rectangle(slice, o, p, p + whole, 0, q_blocks);
          t += whole * q_blocks;
        } else {
          const int64_t b1 = std::min(q_blocks, b0 + (end - t));
          rectangle(slice, o, p, p + 1, b0, b1);
          t += b1 - b0;
        }
      }
    });
    return Status::Ok();
  }

 private:
  // The kernel's blocks, with the query blocks evened out: Sq split into equal blocks (a
  // multiple of the 6-row strip) rather than full blocks and a short last one, and, with
  // threads, into enough blocks that every thread gets a near-equal share of rows (the pool
  // splits tasks by count, not by work). A row's result does not depend on its block.
  kernels::AttentionBlocks Blocks(const AttentionGeometry& g) const {
    const CpuFeatures& cpu = GetCpuFeatures();
    kernels::AttentionBlocks b =
        kernels::attention_blocks(g.head_dim, g.v_dim, cpu.l1d_bytes, cpu.l2_bytes);
    const int64_t q_len = std::max<int64_t>(g.q_len, 1);
    int64_t blocks =
        (q_len + std::max<int64_t>(b.q_block, 1) - 1) / std::max<int64_t>(b.q_block, 1);
    if (threads_ > 1) {
      const int64_t problems = std::max<int64_t>(g.problems(), 1);
      blocks = std::max(blocks, (kTasksPerThread * threads_ + problems - 1) / problems);
    }
    blocks = std::min(blocks, (q_len + kStrip - 1) / kStrip);
    b.q_block = RoundUp((q_len + blocks - 1) / blocks, kStrip);
    return b;
  }
  int64_t ScratchFloatsPerThread(const AttentionGeometry& g) const {
    if (!flash_) return 0;
    return RoundUp(kernels::attention_flash_scratch_floats(BaseProblem(g), Blocks(g)),
                   kAlignFloats);
  }

  Node node_;
  AttentionAttributes attrs_;
  std::optional<AttentionGeometry> geometry_;  // when every shape was known at plan time
  bool flash_;
  int threads_;
  kernels::AttentionBlocks blocks_;  // with geometry_
  int64_t scratch_floats_ = 0;       // per thread, with geometry_
};

StatusOr<std::unique_ptr<OpKernel>> MakeAttention(const KernelBuildContext& ctx) {
  FINCH_ASSIGN_OR_RETURN(AttentionAttributes attrs, ParseAttentionAttributes(ctx.node));
  const bool mask = ctx.has_input(3);
  bool all_static = true;
  for (size_t i = 0; i < (mask ? 4u : 3u); ++i)
    all_static = all_static && ctx.inputs[i].is_static();
  std::optional<AttentionGeometry> geometry;
  if (all_static) {
    Shape m;
    if (mask) m = ctx.inputs[3].static_shape();
    FINCH_ASSIGN_OR_RETURN(
        geometry, ResolveAttention(ctx.node, attrs, ctx.inputs[0].static_shape(),
                                   ctx.inputs[1].static_shape(), ctx.inputs[2].static_shape(),
                                   mask ? &m : nullptr));
  }
  const CpuFeatures& cpu = GetCpuFeatures();
  const bool flash = cpu.avx2 && cpu.fma;
  if (!flash) {
    ctx.Skip("attention_f32_flash_avx2", "the CPU (or FINCH_DISABLE_ISA) lacks AVX2/FMA");
  }
  return std::unique_ptr<OpKernel>(
      new AttentionKernel(ctx.node, std::move(attrs), geometry, flash, ctx.threads));
}

}  // namespace

void RegisterAttentionKernels(KernelRegistry& r) {
  r.Register(kFinchDomain, "Attention", MakeAttention);
}

}  // namespace finch
