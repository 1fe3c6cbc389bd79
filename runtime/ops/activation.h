// The graph's fused-activation attribute (graph/ops/fused.h) as the kernels' Activation.
#pragma once

#include "graph/ops/fused.h"
#include "kernels/common/activation.h"

namespace finch {

inline kernels::Activation ToKernelActivation(const FusedActivation& a) {
  kernels::Activation k;
  k.alpha = a.alpha;
  k.beta = a.beta;
  switch (a.kind) {
    case FusedActivationKind::kNone: k.kind = kernels::ActivationKind::kNone; break;
    case FusedActivationKind::kRelu: k.kind = kernels::ActivationKind::kRelu; break;
    case FusedActivationKind::kClip: k.kind = kernels::ActivationKind::kClip; break;
    case FusedActivationKind::kSigmoid: k.kind = kernels::ActivationKind::kSigmoid; break;
    case FusedActivationKind::kSiLU: k.kind = kernels::ActivationKind::kSiLU; break;
    case FusedActivationKind::kHardSigmoid: k.kind = kernels::ActivationKind::kHardSigmoid; break;
    case FusedActivationKind::kHardSwish: k.kind = kernels::ActivationKind::kHardSwish; break;
    case FusedActivationKind::kLeakyRelu: k.kind = kernels::ActivationKind::kLeakyRelu; break;
    case FusedActivationKind::kGelu: k.kind = kernels::ActivationKind::kGelu; break;
    case FusedActivationKind::kGeluTanh: k.kind = kernels::ActivationKind::kGeluTanh; break;
  }
  return k;
}

}  // namespace finch
