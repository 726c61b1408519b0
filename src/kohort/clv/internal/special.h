// kohort/clv/internal/special.h — the special functions the purchase models share.
#pragma once

namespace kohort::clv::internal {

/// log(exp(a) + exp(b)) without overflow; either may be −∞.
[[nodiscard]] double log_add_exp(double a, double b);

/// (1 − z)^(a) · 2F1(a, b; c; z) for a, b, c > 0 and 0 ≤ z < 1: the factor the BG/NBD family's
/// conditional expectations hold. For z < 0.95 the series of 2F1 (every term positive) is
/// summed with its scale kept apart, so that 2F1 may exceed the range of a double (a heavy
/// buyer: a of several hundred) while the product does not; nearer 1, Boost's 2F1.
[[nodiscard]] double scaled_hyp2f1(double a, double b, double c, double z);

}  // namespace kohort::clv::internal
