// Kernels of the quantized ops (graph/ops/quantize.h): the exact scalar references of
// kernels/quant for every op, and their AVX2 forms (bit-identical) for QuantizeLinear,
// DequantizeLinear of 8-bit values, QLinearAdd and QLinearGlobalAveragePool. Each kernel
// re-resolves the shapes it runs on (a dynamic step may see other shapes than the plan), reads
// scales and zero points from its inputs at run time (the ONNX tests feed them as graph inputs)
// and dispatches on the element types, fixed when the plan is built.
#include "graph/ops/quantize.h"

#include <type_traits>

#include "kernels/quant/avx2/dequantize_linear_avx2.h"
#include "kernels/quant/avx2/qlinear_add_avx2.h"
#include "kernels/quant/avx2/qlinear_pool_avx2.h"
#include "kernels/quant/avx2/quantize_linear_avx2.h"
#include "kernels/quant/qconv_ref.h"
#include "kernels/quant/qgemm_ref.h"
#include "kernels/quant/qlinear_add_ref.h"
#include "kernels/quant/qlinear_pool_ref.h"
#include "kernels/quant/quantize_ref.h"
#include "runtime/cpu_features.h"
#include "runtime/ops/conv.h"
#include "runtime/ops/elementwise_util.h"
#include "runtime/ops/qlinear_matmul_packed.h"

namespace finch {
namespace {

// Calls fn(TypeTag<T>{}) for uint8 and int8; false for any other type (inference rejected it).
template <typename Fn>
bool Visit8Bit(DataType t, Fn&& fn) {
  switch (t) {
    case DataType::kUint8:
      fn(TypeTag<uint8_t>{});
      return true;
    case DataType::kInt8:
      fn(TypeTag<int8_t>{});
      return true;
    default:
      return false;
  }
}

InputShapes ShapesOf(const KernelContext& k) {
  InputShapes s(k.inputs.size(), nullptr);
  for (size_t i = 0; i < k.inputs.size(); ++i) {
    if (k.has_input(i)) s[i] = &k.input(i).shape();
  }
  return s;
}

const Tensor* Optional(const KernelContext& k, size_t i) {
  return k.has_input(i) ? &k.input(i) : nullptr;
}

// Element 0 of a per-tensor zero point (0 when omitted) / scale, validated by the resolvers.
int32_t ZeroPoint(const Tensor* t) {
  return t == nullptr ? 0 : static_cast<int32_t>(ElementAsInt64(*t, 0));
}
float Scale(const Tensor& t) { return t.data<float>()[0]; }

template <typename T>
const T* DataOrNull(const Tensor* t) {
  return t ? t->data<T>() : nullptr;
}

Status TypeError(const Node& node) {
  return Internal(node.Describe(), ": element types changed after planning");
}

// The element types of a node, fixed when its kernel is built.
struct Types {
  DataType in0 = DataType::kUndefined, in1 = DataType::kUndefined, out = DataType::kUndefined;
};

Status RunQuantizeLinear(const Node& node, int64_t opset, Types t, KernelContext& k) {
  FINCH_ASSIGN_OR_RETURN(QuantAxis q, ResolveQuantAxis(node, opset, ShapesOf(k)));
  const kernels::QuantAxisParams p{q.outer, q.channels, q.inner};
  const Tensor* zp = Optional(k, 2);
  const float* scale = k.input(1).data<float>();
  const bool ok = Visit8Bit(t.out, [&](auto ty) {
    using TY = typename decltype(ty)::type;
    TY* y = k.output(0).mutable_data<TY>();
    if (t.in0 == DataType::kInt32) {
      kernels::quantize_linear_ref<int32_t, TY>(p, k.input(0).data<int32_t>(), scale,
                                                DataOrNull<TY>(zp), y);
    } else if (GetCpuFeatures().avx2) {  // per (outer, channel) run of `inner` values
      const float* x = k.input(0).data<float>();
      const TY* zps = DataOrNull<TY>(zp);
      for (int64_t o = 0; o < p.outer; ++o) {
        for (int64_t c = 0; c < p.channels; ++c) {
          const int64_t base = (o * p.channels + c) * p.inner;
          kernels::quantize_linear_f32_avx2<TY>(p.inner, x + base, scale[c],
                                                zps ? static_cast<int32_t>(zps[c]) : 0, y + base);
        }
      }
    } else {
      kernels::quantize_linear_ref<float, TY>(p, k.input(0).data<float>(), scale,
                                              DataOrNull<TY>(zp), y);
    }
  });
  return ok ? Status::Ok() : TypeError(node);
}

Status RunDequantizeLinear(const Node& node, int64_t opset, Types t, KernelContext& k) {
  FINCH_ASSIGN_OR_RETURN(QuantAxis q, ResolveQuantAxis(node, opset, ShapesOf(k)));
  const kernels::QuantAxisParams p{q.outer, q.channels, q.inner};
  const Tensor* zp = Optional(k, 2);
  const float* scale = k.input(1).data<float>();
  float* y = k.output(0).mutable_data<float>();
  auto run = [&](auto tx) {
    using TX = typename decltype(tx)::type;
    const TX* x = k.input(0).data<TX>();
    const TX* zps = DataOrNull<TX>(zp);
    if constexpr (!std::is_same_v<TX, int32_t>) {
      if (GetCpuFeatures().avx2) {  // per (outer, channel) run of `inner` values
        for (int64_t o = 0; o < p.outer; ++o) {
          for (int64_t c = 0; c < p.channels; ++c) {
            const int64_t base = (o * p.channels + c) * p.inner;
            kernels::dequantize_linear_8bit_avx2<TX>(
                p.inner, x + base, scale[c], zps ? static_cast<int32_t>(zps[c]) : 0, y + base);
          }
        }
        return;
      }
    }
    kernels::dequantize_linear_ref<TX>(p, x, scale, zps, y);
  };
  if (t.in0 == DataType::kInt32) {
    run(TypeTag<int32_t>{});
    return Status::Ok();
  }
  return Visit8Bit(t.in0, run) ? Status::Ok() : TypeError(node);
}

Status RunDynamicQuantizeLinear(const Node&, int64_t, Types, KernelContext& k) {
  const Tensor& x = k.input(0);
  kernels::dynamic_quantize_linear_u8_ref(
      x.num_elements(), x.data<float>(), k.output(0).mutable_data<uint8_t>(),
      k.output(1).mutable_data<float>(), k.output(2).mutable_data<uint8_t>());
  return Status::Ok();
}

Status RunQLinearConv(const Node& node, int64_t, Types t, KernelContext& k) {
  FINCH_ASSIGN_OR_RETURN(QConvGeometry g, ResolveQLinearConv(node, ShapesOf(k)));
  const kernels::ConvParams p = ToConvParams(g.conv);
  const int32_t x_zp = ZeroPoint(&k.input(2));
  kernels::ConvRequant r;
  r.x_scale = Scale(k.input(1));
  r.w_scale = k.input(4).data<float>();
  r.w_scale_stride = g.w_scale_per_channel ? 1 : 0;
  r.y_scale = Scale(k.input(6));
  r.y_zp = ZeroPoint(&k.input(7));
  r.bias = k.has_input(8) ? k.input(8).data<int32_t>() : nullptr;
  bool ok = false;
  Visit8Bit(t.in0, [&](auto tx) {
    Visit8Bit(t.in1, [&](auto tw) {
      Visit8Bit(t.out, [&](auto ty) {
        using TX = typename decltype(tx)::type;
        using TW = typename decltype(tw)::type;
        using TY = typename decltype(ty)::type;
        const kernels::ConvWeightZeroPoint<TW> w_zp{k.input(5).data<TW>(),
                                                    g.w_zp_per_channel ? 1 : 0};
        kernels::qlinear_conv_ref<TX, TW, TY>(p, k.input(0).data<TX>(), x_zp, k.input(3).data<TW>(),
                                              w_zp, r, k.output(0).mutable_data<TY>());
        ok = true;
      });
    });
  });
  return ok ? Status::Ok() : TypeError(node);
}

Status RunConvInteger(const Node& node, int64_t, Types t, KernelContext& k) {
  FINCH_ASSIGN_OR_RETURN(QConvGeometry g, ResolveConvInteger(node, ShapesOf(k)));
  const kernels::ConvParams p = ToConvParams(g.conv);
  const int32_t x_zp = ZeroPoint(Optional(k, 2));
  bool ok = false;
  Visit8Bit(t.in0, [&](auto tx) {
    Visit8Bit(t.in1, [&](auto tw) {
      using TX = typename decltype(tx)::type;
      using TW = typename decltype(tw)::type;
      const kernels::ConvWeightZeroPoint<TW> w_zp{DataOrNull<TW>(Optional(k, 3)),
                                                  g.w_zp_per_channel ? 1 : 0};
      kernels::conv_integer_ref<TX, TW>(p, k.input(0).data<TX>(), x_zp, k.input(1).data<TW>(), w_zp,
                                        k.output(0).mutable_data<int32_t>());
      ok = true;
    });
  });
  return ok ? Status::Ok() : TypeError(node);
}

// Calls fn(t, a_matrix, b_matrix) for every output batch t of a MatMul (MatMulBatchMatrices).
template <typename Fn>
void ForEachMatMulBatch(const MatMulGeometry& g, Fn&& fn) {
  std::vector<int64_t> a_index, b_index;
  MatMulBatchMatrices(g, &a_index, &b_index);
  for (size_t t = 0; t < a_index.size(); ++t) {
    fn(static_cast<int64_t>(t), a_index[t], b_index[t]);
  }
}

Status RunQLinearMatMul(const Node& node, int64_t, Types t, KernelContext& k) {
  FINCH_ASSIGN_OR_RETURN(QMatMulGeometry g, ResolveQLinearMatMul(node, ShapesOf(k)));
  const MatMulGeometry& mm = g.mm;
  const kernels::QGemmShape s{mm.m, mm.n, mm.k, g.a.stride, g.b.stride};
  const float y_scale = Scale(k.input(6));
  const int32_t y_zp = ZeroPoint(&k.input(7));
  bool ok = false;
  Visit8Bit(t.in0, [&](auto ta) {
    Visit8Bit(t.in1, [&](auto tb) {
      Visit8Bit(t.out, [&](auto ty) {
        using TA = typename decltype(ta)::type;
        using TB = typename decltype(tb)::type;
        using TY = typename decltype(ty)::type;
        const TA* a = k.input(0).data<TA>();
        const TB* b = k.input(3).data<TB>();
        TY* y = k.output(0).mutable_data<TY>();
        ForEachMatMulBatch(mm, [&](int64_t i, int64_t ia, int64_t ib) {
          // Each operand's parameters for its own matrix (QParamLayout).
          const int64_t pa = ia * g.a.matrix_stride, pb = ib * g.b.matrix_stride;
          kernels::qlinear_matmul_ref<TA, TB, TY>(
              s, a + ia * mm.m * mm.k, k.input(1).data<float>() + pa, k.input(2).data<TA>() + pa,
              b + ib * mm.k * mm.n, k.input(4).data<float>() + pb, k.input(5).data<TB>() + pb,
              y_scale, y_zp, y + i * mm.m * mm.n);
        });
        ok = true;
      });
    });
  });
  return ok ? Status::Ok() : TypeError(node);
}

Status RunMatMulInteger(const Node& node, int64_t, Types t, KernelContext& k) {
  FINCH_ASSIGN_OR_RETURN(QMatMulGeometry g, ResolveMatMulInteger(node, ShapesOf(k)));
  const MatMulGeometry& mm = g.mm;
  const kernels::QGemmShape s{mm.m, mm.n, mm.k, g.a.stride, g.b.stride};
  const Tensor* a_zp = Optional(k, 2);
  const Tensor* b_zp = Optional(k, 3);
  bool ok = false;
  Visit8Bit(t.in0, [&](auto ta) {
    Visit8Bit(t.in1, [&](auto tb) {
      using TA = typename decltype(ta)::type;
      using TB = typename decltype(tb)::type;
      const TA* a = k.input(0).data<TA>();
      const TB* b = k.input(1).data<TB>();
      int32_t* y = k.output(0).mutable_data<int32_t>();
      ForEachMatMulBatch(mm, [&](int64_t i, int64_t ia, int64_t ib) {
        const TA* az = a_zp ? a_zp->data<TA>() + ia * g.a.matrix_stride : nullptr;
        const TB* bz = b_zp ? b_zp->data<TB>() + ib * g.b.matrix_stride : nullptr;
        kernels::matmul_integer_ref<TA, TB>(s, a + ia * mm.m * mm.k, az, b + ib * mm.k * mm.n, bz,
                                            y + i * mm.m * mm.n);
      });
      ok = true;
    });
  });
  return ok ? Status::Ok() : TypeError(node);
}

Status RunQLinearAdd(const Node& node, int64_t, Types t, KernelContext& k) {
  FINCH_ASSIGN_OR_RETURN(Shape out, ResolveQLinearAdd(node, ShapesOf(k)));
  FINCH_ASSIGN_OR_RETURN(kernels::BroadcastSpace space,
                         MakeSpace(node, {k.input(0).shape(), k.input(3).shape()}, out));
  // Contiguous operands take the AVX2 kernel, bit-identical to the reference.
  const bool avx2 = GetCpuFeatures().avx2;
  kernels::QLinearAddParams q;
  q.a_scale = Scale(k.input(1));
  q.a_zp = ZeroPoint(Optional(k, 2));
  q.b_scale = Scale(k.input(4));
  q.b_zp = ZeroPoint(Optional(k, 5));
  q.c_scale = Scale(k.input(6));
  q.c_zp = ZeroPoint(Optional(k, 7));
  const bool ok = Visit8Bit(t.in0, [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* a = k.input(0).data<T>();
    const T* b = k.input(3).data<T>();
    T* y = k.output(0).mutable_data<T>();
    ParallelElements(k.pool, space.num_elements, [&](int64_t begin, int64_t end) {
      kernels::ForEachSegment(space, begin, end, [&](int64_t y_off, const int64_t* off, int64_t n) {
        if (avx2 && space.inner_stride(0) == 1 && space.inner_stride(1) == 1) {
          kernels::qlinear_add_avx2<T>(q, n, a + off[0], b + off[1], y + y_off);
        } else {
          kernels::qlinear_add_ref<T>(q, n, a + off[0], space.inner_stride(0), b + off[1],
                                      space.inner_stride(1), y + y_off);
        }
      });
    });
  });
  return ok ? Status::Ok() : TypeError(node);
}

Status RunQLinearGlobalAveragePool(const Node& node, int64_t, Types t, KernelContext& k) {
  FINCH_ASSIGN_OR_RETURN(QPoolGeometry g, ResolveQLinearGlobalAveragePool(node, ShapesOf(k)));
  kernels::QLinearPoolParams p;
  p.batch = g.batch;
  p.channels = g.channels;
  p.image = g.image;
  p.channels_last = g.channels_last;
  p.x_scale = Scale(k.input(1));
  p.x_zp = ZeroPoint(Optional(k, 2));
  p.y_scale = Scale(k.input(3));
  p.y_zp = ZeroPoint(Optional(k, 4));
  const bool avx2 = GetCpuFeatures().avx2 && kernels::qlinear_global_average_pool_avx2_applies(p);
  const bool ok = Visit8Bit(t.in0, [&](auto tag) {
    using T = typename decltype(tag)::type;
    if (avx2) {
      kernels::qlinear_global_average_pool_avx2<T>(p, k.input(0).data<T>(),
                                                   k.output(0).mutable_data<T>());
    } else {
      kernels::qlinear_global_average_pool_ref<T>(p, k.input(0).data<T>(),
                                                  k.output(0).mutable_data<T>());
    }
  });
  return ok ? Status::Ok() : TypeError(node);
}

using RunFn = Status (*)(const Node&, int64_t, Types, KernelContext&);

// A factory for `run`: records the element types (data inputs `in0`, `in1`, output 0) and names
// the kernel "<op>_<input types>_<output type>_ref".
KernelFactory Factory(RunFn run, int in0, int in1 = -1) {
  return [run, in0, in1](const KernelBuildContext& b) -> StatusOr<std::unique_ptr<OpKernel>> {
    Types t;
    t.in0 = b.inputs[in0].dtype;
    if (in1 >= 0) t.in1 = b.inputs[in1].dtype;
    t.out = b.outputs[0].dtype;
    std::string name = LowerName(b.node.op_type) + "_" + ShortTypeName(t.in0);
    if (in1 >= 0) name += ShortTypeName(t.in1);
    name += "_" + ShortTypeName(t.out) + "_ref";
    return MakeKernel(name, [node = b.node, opset = b.opset, t, run](KernelContext& k) {
      return run(node, opset, t, k);
    });
  };
}

// `ref`'s kernel, renamed "..._avx2" when its Run takes the AVX2 kernels (RunQLinearAdd,
// RunQuantizeLinear, RunDequantizeLinear, RunQLinearGlobalAveragePool check the CPU themselves):
// when the CPU has AVX2 and input `in` has type `only` (any type when kUndefined).
KernelFactory NamedForAvx2(KernelFactory ref, int in, DataType only = DataType::kUndefined) {
  return [ref, in, only](const KernelBuildContext& b) -> StatusOr<std::unique_ptr<OpKernel>> {
    FINCH_ASSIGN_OR_RETURN(std::unique_ptr<OpKernel> k, ref(b));
    if (!GetCpuFeatures().avx2 || (only != DataType::kUndefined && b.inputs[in].dtype != only)) {
      return k;
    }
    std::string name = k->name();
    name.replace(name.size() - 3, 3, "avx2");
    return MakeKernel(name, [inner = std::shared_ptr<OpKernel>(std::move(k))](
                                KernelContext& ctx) { return inner->Run(ctx); });
  };
}

}  // namespace

void RegisterQuantizeKernels(KernelRegistry& r) {
  r.Register("", "QuantizeLinear",
             NamedForAvx2(Factory(RunQuantizeLinear, 0), 0, DataType::kFloat32));
  r.Register("", "DequantizeLinear",
             [ref = Factory(RunDequantizeLinear, 0)](const KernelBuildContext& b) {
               // The AVX2 path takes 8-bit inputs only.
               return b.inputs[0].dtype == DataType::kInt32 ? ref(b) : NamedForAvx2(ref, 0)(b);
             });
  r.Register("", "DynamicQuantizeLinear", Factory(RunDynamicQuantizeLinear, 0));
  r.Register("", "QLinearConv", Factory(RunQLinearConv, 0, 3));
  r.Register("", "ConvInteger", Factory(RunConvInteger, 0, 1));
  // A constant 2-D B: the packed int8 GEMM (runtime/ops/qlinear_matmul_packed.h); else the
  // reference.
  r.Register("", "QLinearMatMul",
             [ref = Factory(RunQLinearMatMul, 0, 3)](
                 const KernelBuildContext& b) -> StatusOr<std::unique_ptr<OpKernel>> {
               FINCH_ASSIGN_OR_RETURN(std::unique_ptr<OpKernel> packed,
                                      MakePackedQLinearMatMulKernel(b));
               if (packed) return packed;
               return ref(b);
             });
  r.Register("", "MatMulInteger", Factory(RunMatMulInteger, 0, 1));
  r.Register(kMicrosoftDomain, "QLinearAdd", NamedForAvx2(Factory(RunQLinearAdd, 0, 3), 0));
  r.Register(kMicrosoftDomain, "QLinearGlobalAveragePool",
             NamedForAvx2(Factory(RunQLinearGlobalAveragePool, 0), 0));
}

}  // namespace finch
