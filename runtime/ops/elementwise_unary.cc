// Kernels of the one-input elementwise ops: math functions, activations, Not and Clip.
//
// float32 inputs take the AVX2 kernels (kernels/elementwise/avx2/unary_avx2.h, "<op>_f32_avx2")
// for the ops they implement when the CPU has avx2 and fma (FINCH_DISABLE_ISA=avx2 forces the
// references); everything else runs the references ("<op>_<type>_ref").
#include <limits>
#include <type_traits>

#include "graph/ops/elementwise.h"
#include "kernels/elementwise/avx2/unary_avx2.h"
#include "kernels/elementwise/convert.h"
#include "kernels/elementwise/unary_ref.h"
#include "runtime/ops/elementwise_util.h"

namespace finch {
namespace {

using kernels::UnaryOp;

class UnaryKernel final : public OpKernel {
 public:
  UnaryKernel(std::string name, UnaryOp op, kernels::UnaryParams params, bool avx2)
      : name_(std::move(name)), op_(op), params_(params), avx2_(avx2) {}
  std::string name() const override { return name_; }

  Status Run(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    Tensor& y = ctx.output(0);
    if (avx2_ && x.dtype() == DataType::kFloat32) {
      ParallelElements(ctx.pool, x.num_elements(), [&](int64_t begin, int64_t end) {
        kernels::unary_f32_avx2(op_, params_, x.data<float>() + begin,
                                y.mutable_data<float>() + begin, end - begin);
      });
      return Status::Ok();
    }
    VisitNumeric(x.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      ParallelElements(ctx.pool, x.num_elements(), [&](int64_t begin, int64_t end) {
        kernels::unary_ref<T>(op_, params_, x.data<T>() + begin, y.mutable_data<T>() + begin,
                              end - begin);
      });
    });
    return Status::Ok();
  }

 private:
  std::string name_;
  UnaryOp op_;
  kernels::UnaryParams params_;
  bool avx2_;
};

KernelFactory UnaryFactory(UnaryOp op) {
  return [op](const KernelBuildContext& ctx) -> StatusOr<std::unique_ptr<OpKernel>> {
    FINCH_ASSIGN_OR_RETURN(ActivationParams a, ParseActivation(ctx.node, ctx.opset));
    const DataType t = ctx.inputs[0].dtype;
    // unary_ref with n = 0 writes nothing and tells whether it implements op for T.
    bool implemented = false;
    VisitNumeric(t, [&](auto tag) {
      using T = typename decltype(tag)::type;
      implemented = kernels::unary_ref<T>(op, {}, nullptr, nullptr, 0);
    });
    if (!implemented) {
      return ctx.Unsupported("no kernel for input type ", DataTypeName(t));
    }
    const bool avx2 =
        t == DataType::kFloat32 && HaveAvx2Fma() && kernels::unary_f32_avx2_supports(op);
    return std::unique_ptr<OpKernel>(new UnaryKernel(
        avx2 ? Avx2KernelName(ctx.node.op_type, t) : RefKernelName(ctx.node.op_type, t), op,
        kernels::UnaryParams{a.alpha, a.beta, a.gamma}, avx2));
  };
}

// Clip: the bounds come from attributes before opset 11 and from the optional inputs 1 (min)
// and 2 (max) after; an absent bound is the type's lowest or highest value.
class ClipKernel final : public OpKernel {
 public:
  ClipKernel(const Node& node, int64_t opset, std::string name, ClipAttributes attrs, bool avx2)
      : node_(node), opset_(opset), name_(std::move(name)), attrs_(attrs), avx2_(avx2) {}
  std::string name() const override { return name_; }

  Status Run(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    Tensor& y = ctx.output(0);
    Status status;
    VisitNumeric(x.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      T lo = std::numeric_limits<T>::lowest(), hi = std::numeric_limits<T>::max();
      if (opset_ < 11) {
        lo = kernels::ConvertValue<T>(attrs_.min);
        hi = kernels::ConvertValue<T>(attrs_.max);
      } else {
        for (size_t i = 1; i < 3; ++i) {
          if (!ctx.has_input(i)) continue;
          const Tensor& bound = ctx.input(i);
          if (bound.num_elements() != 1) {
            status = InvalidArgument(node_.Describe(), ": input ", i, " (", i == 1 ? "min" : "max",
                                     ") has shape ", ShapeToString(bound.shape()),
                                     ", expected a scalar");
            return;
          }
          (i == 1 ? lo : hi) = bound.data<T>()[0];
        }
      }
      ParallelElements(ctx.pool, x.num_elements(), [&](int64_t begin, int64_t end) {
        if constexpr (std::is_same_v<T, float>) {
          if (avx2_) {
            kernels::clip_f32_avx2(x.data<T>() + begin, y.mutable_data<T>() + begin, end - begin,
                                   lo, hi);
            return;
          }
        }
        kernels::clip_ref<T>(x.data<T>() + begin, y.mutable_data<T>() + begin, end - begin, lo, hi);
      });
    });
    return status;
  }

 private:
  Node node_;
  int64_t opset_;
  std::string name_;
  ClipAttributes attrs_;
  bool avx2_;
};

StatusOr<std::unique_ptr<OpKernel>> MakeClip(const KernelBuildContext& ctx) {
  ClipAttributes attrs;
  if (ctx.opset < 11) {
    FINCH_ASSIGN_OR_RETURN(attrs, ParseClipAttributes(ctx.node));
  }
  const DataType t = ctx.inputs[0].dtype;
  const bool avx2 = t == DataType::kFloat32 && HaveAvx2Fma();
  return std::unique_ptr<OpKernel>(
      new ClipKernel(ctx.node, ctx.opset,
                     avx2 ? Avx2KernelName("Clip", t) : RefKernelName("Clip", t), attrs, avx2));
}

StatusOr<std::unique_ptr<OpKernel>> MakeIsInf(const KernelBuildContext& b) {
  FINCH_ASSIGN_OR_RETURN(IsInfAttributes a, ParseIsInf(b.node));
  return MakeKernel(RefKernelName("IsInf", b.inputs[0].dtype), [a](KernelContext& ctx) {
    const Tensor& x = ctx.input(0);
    bool* y = ctx.output(0).mutable_data<bool>();
    VisitFloat(x.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      kernels::isinf_ref<T>(x.data<T>(), y, x.num_elements(), a.detect_positive, a.detect_negative);
    });
    return Status::Ok();
  });
}

}  // namespace

void RegisterElementwiseUnaryKernels(KernelRegistry& r) {
  static const struct {
    const char* name;
    UnaryOp op;
  } kOps[] = {
      {"Relu", UnaryOp::kRelu},
      {"Sigmoid", UnaryOp::kSigmoid},
      {"Tanh", UnaryOp::kTanh},
      {"Erf", UnaryOp::kErf},
      {"Exp", UnaryOp::kExp},
      {"Log", UnaryOp::kLog},
      {"Sqrt", UnaryOp::kSqrt},
      {"Neg", UnaryOp::kNeg},
      {"Reciprocal", UnaryOp::kReciprocal},
      {"Abs", UnaryOp::kAbs},
      {"Floor", UnaryOp::kFloor},
      {"Ceil", UnaryOp::kCeil},
      {"Softplus", UnaryOp::kSoftplus},
      {"Softsign", UnaryOp::kSoftsign},
      {"Sign", UnaryOp::kSign},
      {"Round", UnaryOp::kRound},
      {"LeakyRelu", UnaryOp::kLeakyRelu},
      {"Elu", UnaryOp::kElu},
      {"Selu", UnaryOp::kSelu},
      {"HardSigmoid", UnaryOp::kHardSigmoid},
      {"HardSwish", UnaryOp::kHardSwish},
      {"Sin", UnaryOp::kSin},
      {"Cos", UnaryOp::kCos},
      {"Tan", UnaryOp::kTan},
      {"Asin", UnaryOp::kAsin},
      {"Acos", UnaryOp::kAcos},
      {"Atan", UnaryOp::kAtan},
      {"Sinh", UnaryOp::kSinh},
      {"Cosh", UnaryOp::kCosh},
      {"Asinh", UnaryOp::kAsinh},
      {"Acosh", UnaryOp::kAcosh},
      {"Atanh", UnaryOp::kAtanh},
      {"ThresholdedRelu", UnaryOp::kThresholdedRelu},
      {"Shrink", UnaryOp::kShrink},
      {"Mish", UnaryOp::kMish},
  };
  for (const auto& op : kOps) r.Register("", op.name, UnaryFactory(op.op));
  r.Register("", "Not", [](const KernelBuildContext&) -> StatusOr<std::unique_ptr<OpKernel>> {
    return MakeKernel("not_bool_ref", [](KernelContext& ctx) -> Status {
      kernels::not_ref(ctx.input(0).data<bool>(), ctx.output(0).mutable_data<bool>(),
                       ctx.input(0).num_elements());
      return Status::Ok();
    });
  });
  r.Register("", "Clip", MakeClip);
  r.Register("", "IsInf", MakeIsInf);
  r.Register("", "IsNaN", [](const KernelBuildContext& b) -> StatusOr<std::unique_ptr<OpKernel>> {
    return MakeKernel(RefKernelName("IsNaN", b.inputs[0].dtype), [](KernelContext& ctx) {
      const Tensor& x = ctx.input(0);
      bool* y = ctx.output(0).mutable_data<bool>();
      VisitFloat(x.dtype(), [&](auto tag) {
        using T = typename decltype(tag)::type;
        kernels::isnan_ref<T>(x.data<T>(), y, x.num_elements());
      });
      return Status::Ok();
    });
  });
}

}  // namespace finch
