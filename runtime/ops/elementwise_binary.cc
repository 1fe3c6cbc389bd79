// Kernels of the broadcasting elementwise ops: binary arithmetic, PRelu, Pow, the variadic
// Min/Max/Sum/Mean, comparisons and logic, and Where.
//
// float32 Add, Sub, Mul, Div and the variadic Min, Max, Sum, Mean run the AVX2 kernels
// (kernels/elementwise/avx2/binary_avx2.h, "<op>_f32_avx2", any broadcast pattern) when the CPU
// has avx2 and fma; they give the same bits as the references, which run everything else.
#include <cstring>
#include <type_traits>

#include "graph/ops/elementwise.h"
#include "kernels/elementwise/avx2/binary_avx2.h"
#include "kernels/elementwise/binary_ref.h"
#include "runtime/ops/elementwise_util.h"

namespace finch {
namespace {

using kernels::BinaryOp;
using kernels::CompareOp;

// Whether `op` on `t` runs the AVX2 kernel on this machine.
bool UseAvx2(BinaryOp op, DataType t) {
  return t == DataType::kFloat32 && HaveAvx2Fma() && kernels::binary_f32_avx2_supports(op);
}

std::string BinaryKernelName(const std::string& op_type, BinaryOp op, DataType t) {
  return UseAvx2(op, t) ? Avx2KernelName(op_type, t) : RefKernelName(op_type, t);
}

// y = op(a, b) on [begin, end): the AVX2 kernel when `avx2` (float32 only), else binary_ref.
template <typename T>
void Binary(bool avx2, BinaryOp op, const kernels::BroadcastSpace& s, const T* a, const T* b, T* y,
            int64_t begin, int64_t end) {
  if constexpr (std::is_same_v<T, float>) {
    if (avx2) return kernels::binary_f32_avx2(op, s, a, b, y, begin, end);
  }
  kernels::binary_ref<T>(op, s, a, b, y, begin, end);
}

// Add, Sub, Mul, Div, Mod (and PRelu, whose second operand is the slope).
class BinaryKernel final : public OpKernel {
 public:
  BinaryKernel(const KernelBuildContext& ctx, BinaryOp op)
      : node_(ctx.node),
        opset_(ctx.opset),
        op_(op),
        avx2_(UseAvx2(op, ctx.inputs[0].dtype)),
        name_(BinaryKernelName(ctx.node.op_type, op, ctx.inputs[0].dtype)) {
    // Shapes known now: resolve the broadcast once (runs with these shapes allocate nothing).
    if (ctx.inputs.size() >= 2 && ctx.inputs[0].is_static() && ctx.inputs[1].is_static() &&
        !ctx.outputs.empty() && ctx.outputs[0].is_static()) {
      auto space = Resolve(ctx.inputs[0].static_shape(), ctx.inputs[1].static_shape(),
                           ctx.outputs[0].static_shape());
      if (space.ok()) {
        planned_a_ = ctx.inputs[0].static_shape();
        planned_b_ = ctx.inputs[1].static_shape();
        planned_space_ = std::move(*space);
        planned_ = true;
      }
    }
  }
  std::string name() const override { return name_; }

  StatusOr<kernels::BroadcastSpace> Resolve(const Shape& a, const Shape& b, const Shape& y) const {
    Shape a_shape = a, b_shape = b;
    if (op_ == BinaryOp::kPRelu) {
      FINCH_ASSIGN_OR_RETURN(b_shape, ResolvePReluSlope(node_, opset_, a, b));
    } else {
      FINCH_ASSIGN_OR_RETURN(BinaryShapes s, ResolveBinaryShapes(node_, opset_, a, b));
      a_shape = s.a;
      b_shape = s.b;
    }
    return MakeSpace(node_, {a_shape, b_shape}, y);
  }

  Status Run(KernelContext& ctx) const override {
    const Tensor& a = ctx.input(0);
    const Tensor& b = ctx.input(1);
    Tensor& y = ctx.output(0);
    if (planned_ && a.shape() == planned_a_ && b.shape() == planned_b_) {
      Compute(ctx, planned_space_, a, b, y);
      return Status::Ok();
    }
    FINCH_ASSIGN_OR_RETURN(kernels::BroadcastSpace space, Resolve(a.shape(), b.shape(), y.shape()));
    Compute(ctx, space, a, b, y);
    return Status::Ok();
  }

 private:
  void Compute(KernelContext& ctx, const kernels::BroadcastSpace& space, const Tensor& a,
               const Tensor& b, Tensor& y) const {
    VisitNumeric(a.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      ParallelElements(ctx.pool, space.num_elements, [&](int64_t begin, int64_t end) {
        Binary<T>(avx2_, op_, space, a.data<T>(), b.data<T>(), y.mutable_data<T>(), begin, end);
      });
    });
  }

  Node node_;
  int64_t opset_;
  BinaryOp op_;
  bool avx2_;
  std::string name_;
  bool planned_ = false;
  Shape planned_a_, planned_b_;
  kernels::BroadcastSpace planned_space_;
};

KernelFactory BinaryFactory(BinaryOp op) {
  return [op](const KernelBuildContext& ctx) -> StatusOr<std::unique_ptr<OpKernel>> {
    BinaryOp chosen = op;
    if (op == BinaryOp::kMod) {
      FINCH_ASSIGN_OR_RETURN(bool fmod, ParseFmod(ctx.node));
      if (fmod) chosen = BinaryOp::kFmod;
    } else if (op == BinaryOp::kShiftLeft) {
      FINCH_ASSIGN_OR_RETURN(bool left, ParseBitShiftLeft(ctx.node));
      if (!left) chosen = BinaryOp::kShiftRight;
    }
    return std::unique_ptr<OpKernel>(new BinaryKernel(ctx, chosen));
  };
}

// Min, Max, Sum, Mean: y = x0 op x1 op x2 ..., left to right (so Sum adds in input order), each
// step broadcasting the next input against y; Mean divides the sum by the input count.
class VariadicKernel final : public OpKernel {
 public:
  VariadicKernel(const KernelBuildContext& ctx, BinaryOp op, bool mean)
      : node_(ctx.node),
        op_(op),
        mean_(mean),
        avx2_(UseAvx2(op, ctx.inputs[0].dtype)),
        name_(BinaryKernelName(ctx.node.op_type, op, ctx.inputs[0].dtype)) {}
  std::string name() const override { return name_; }

  Status Run(KernelContext& ctx) const override {
    Tensor& y = ctx.output(0);
    const size_t n = ctx.inputs.size();
    Status status;
    VisitNumeric(y.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      T* out = y.mutable_data<T>();
      auto apply = [&](const Tensor& a, const T* a_data, const Shape& b_shape, const T* b_data) {
        auto space = MakeSpace(node_, {a.shape(), b_shape}, y.shape());
        if (!space.ok()) return space.status();
        ParallelElements(ctx.pool, space->num_elements, [&](int64_t begin, int64_t end) {
          Binary<T>(avx2_, op_, *space, a_data, b_data, out, begin, end);
        });
        return Status::Ok();
      };
      const Tensor& x0 = ctx.input(0);
      if (n == 1) {
        if (x0.shape() != y.shape()) {
          status = Internal(node_.Describe(), ": output shape differs from the input's");
          return;
        }
        std::memcpy(out, x0.data<T>(), y.byte_size());
      } else {
        status = apply(x0, x0.data<T>(), ctx.input(1).shape(), ctx.input(1).data<T>());
        for (size_t i = 2; i < n && status.ok(); ++i) {
          status = apply(y, out, ctx.input(i).shape(), ctx.input(i).data<T>());
        }
      }
      if (status.ok() && mean_) {
        const T count = static_cast<T>(n);
        auto space = MakeSpace(node_, {y.shape(), Shape{}}, y.shape());
        if (!space.ok()) {
          status = space.status();
          return;
        }
        Binary<T>(avx2_, BinaryOp::kDiv, *space, out, &count, out, 0, space->num_elements);
      }
    });
    return status;
  }

 private:
  Node node_;
  BinaryOp op_;
  bool mean_;
  bool avx2_;
  std::string name_;
};

// Comparisons (numeric or bool in, bool out) and And, Or, Xor.
class CompareKernel final : public OpKernel {
 public:
  CompareKernel(const KernelBuildContext& ctx, CompareOp op)
      : node_(ctx.node),
        opset_(ctx.opset),
        op_(op),
        name_(RefKernelName(ctx.node.op_type, ctx.inputs[0].dtype)) {}
  std::string name() const override { return name_; }

  Status Run(KernelContext& ctx) const override {
    const Tensor& a = ctx.input(0);
    const Tensor& b = ctx.input(1);
    Tensor& y = ctx.output(0);
    FINCH_ASSIGN_OR_RETURN(BinaryShapes s,
                           ResolveBinaryShapes(node_, opset_, a.shape(), b.shape()));
    FINCH_ASSIGN_OR_RETURN(kernels::BroadcastSpace space, MakeSpace(node_, {s.a, s.b}, y.shape()));
    VisitNumericOrBool(a.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      ParallelElements(ctx.pool, space.num_elements, [&](int64_t begin, int64_t end) {
        kernels::compare_ref<T>(op_, space, a.data<T>(), b.data<T>(), y.mutable_data<bool>(), begin,
                                end);
      });
    });
    return Status::Ok();
  }

 private:
  Node node_;
  int64_t opset_;
  CompareOp op_;
  std::string name_;
};

// Pow: the exponent, of any numeric type, is converted to double first (a scratch tensor of the
// run), then pow_ref computes in double and rounds once to the base's type.
class PowKernel final : public OpKernel {
 public:
  explicit PowKernel(const KernelBuildContext& ctx)
      : node_(ctx.node), opset_(ctx.opset), name_(RefKernelName("Pow", ctx.inputs[0].dtype)) {}
  std::string name() const override { return name_; }

  Status Run(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    const Tensor& e = ctx.input(1);
    Tensor& y = ctx.output(0);
    FINCH_ASSIGN_OR_RETURN(BinaryShapes s,
                           ResolveBinaryShapes(node_, opset_, x.shape(), e.shape()));
    FINCH_ASSIGN_OR_RETURN(kernels::BroadcastSpace space, MakeSpace(node_, {s.a, s.b}, y.shape()));
    kernels::ElemType from;
    if (!ToElemType(e.dtype(), &from)) {
      return Unimplemented(node_.Describe(), ": exponent type ", DataTypeName(e.dtype()));
    }
    FINCH_ASSIGN_OR_RETURN(Tensor e64, Tensor::Allocate(DataType::kFloat64, e.shape()));
    kernels::cast_ref(from, e.raw_data(), kernels::ElemType::kF64, e64.mutable_raw_data(),
                      e.num_elements());
    auto run = [&](auto tag) {
      using T = typename decltype(tag)::type;
      ParallelElements(ctx.pool, space.num_elements, [&](int64_t begin, int64_t end) {
        kernels::pow_ref<T>(space, x.data<T>(), e64.data<double>(), y.mutable_data<T>(), begin,
                            end);
      });
    };
    switch (x.dtype()) {
      case DataType::kFloat32:
        run(TypeTag<float>{});
        break;
      case DataType::kFloat64:
        run(TypeTag<double>{});
        break;
      case DataType::kInt32:
        run(TypeTag<int32_t>{});
        break;
      case DataType::kInt64:
        run(TypeTag<int64_t>{});
        break;
      default:
        return Unimplemented(node_.Describe(), ": base type ", DataTypeName(x.dtype()));
    }
    return Status::Ok();
  }

 private:
  Node node_;
  int64_t opset_;
  std::string name_;
};

// Where: selects whole elements, so one kernel per element width serves every type.
class WhereKernel final : public OpKernel {
 public:
  explicit WhereKernel(const KernelBuildContext& ctx)
      : node_(ctx.node), name_(RefKernelName("Where", ctx.inputs[1].dtype)) {}
  std::string name() const override { return name_; }

  Status Run(KernelContext& ctx) const override {
    const Tensor& c = ctx.input(0);
    const Tensor& x = ctx.input(1);
    const Tensor& y = ctx.input(2);
    Tensor& out = ctx.output(0);
    FINCH_ASSIGN_OR_RETURN(kernels::BroadcastSpace space,
                           MakeSpace(node_, {c.shape(), x.shape(), y.shape()}, out.shape()));
    auto run = [&](auto tag) {
      using T = typename decltype(tag)::type;
      ParallelElements(ctx.pool, space.num_elements, [&](int64_t begin, int64_t end) {
        kernels::where_ref<T>(space, c.data<bool>(), static_cast<const T*>(x.raw_data()),
                              static_cast<const T*>(y.raw_data()),
                              static_cast<T*>(out.mutable_raw_data()), begin, end);
      });
    };
    switch (DataTypeSize(x.dtype())) {
      case 1:
        run(TypeTag<uint8_t>{});
        break;
      case 2:
        run(TypeTag<uint16_t>{});
        break;
      case 4:
        run(TypeTag<uint32_t>{});
        break;
      case 8:
        run(TypeTag<uint64_t>{});
        break;
      default:
        return Unimplemented(node_.Describe(), ": element type ", DataTypeName(x.dtype()));
    }
    return Status::Ok();
  }

 private:
  Node node_;
  std::string name_;
};

template <typename K, typename... Args>
KernelFactory Factory(Args... args) {
  return [args...](const KernelBuildContext& ctx) -> StatusOr<std::unique_ptr<OpKernel>> {
    return std::unique_ptr<OpKernel>(new K(ctx, args...));
  };
}

}  // namespace

void RegisterElementwiseBinaryKernels(KernelRegistry& r) {
  r.Register("", "Add", BinaryFactory(BinaryOp::kAdd));
  r.Register("", "Sub", BinaryFactory(BinaryOp::kSub));
  r.Register("", "Mul", BinaryFactory(BinaryOp::kMul));
  r.Register("", "Div", BinaryFactory(BinaryOp::kDiv));
  r.Register("", "Mod", BinaryFactory(BinaryOp::kMod));
  r.Register("", "PRelu", BinaryFactory(BinaryOp::kPRelu));
  r.Register("", "BitShift", BinaryFactory(BinaryOp::kShiftLeft));  // direction read once
  r.Register("", "Pow", Factory<PowKernel>());
  r.Register("", "Min", Factory<VariadicKernel>(BinaryOp::kMin, false));
  r.Register("", "Max", Factory<VariadicKernel>(BinaryOp::kMax, false));
  r.Register("", "Sum", Factory<VariadicKernel>(BinaryOp::kAdd, false));
  r.Register("", "Mean", Factory<VariadicKernel>(BinaryOp::kAdd, true));
  r.Register("", "Equal", Factory<CompareKernel>(CompareOp::kEqual));
  r.Register("", "Less", Factory<CompareKernel>(CompareOp::kLess));
  r.Register("", "Greater", Factory<CompareKernel>(CompareOp::kGreater));
  r.Register("", "LessOrEqual", Factory<CompareKernel>(CompareOp::kLessOrEqual));
  r.Register("", "GreaterOrEqual", Factory<CompareKernel>(CompareOp::kGreaterOrEqual));
  r.Register("", "And", Factory<CompareKernel>(CompareOp::kAnd));
  r.Register("", "Or", Factory<CompareKernel>(CompareOp::kOr));
  r.Register("", "Xor", Factory<CompareKernel>(CompareOp::kXor));
  r.Register("", "Where", Factory<WhereKernel>());
}

}  // namespace finch
