#include "kohort/clv/internal/optimize.h"

#include <nlopt.h>

#include <cmath>
#include <limits>

#include <fmt/format.h>

namespace kohort::clv::internal {

namespace {

struct Objective {
  const std::function<double(const std::vector<double>&)>* f;
  std::vector<double> params;
  int evaluations = 0;
};

double negated(unsigned n, const double* logp, double* /*grad*/, void* data) {
  auto* o = static_cast<Objective*>(data);
  for (unsigned i = 0; i < n; ++i) o->params[i] = std::exp(logp[i]);
  ++o->evaluations;
  const double v = (*o->f)(o->params);
  // NLopt minimises; an undefined point is treated as very bad, never as NaN.
  return std::isfinite(v) ? -v : std::numeric_limits<double>::max() / 4;
}

bool run(nlopt_algorithm algo, std::vector<double>& x, Objective& obj, double& best) {
  const auto n = static_cast<unsigned>(x.size());
  nlopt_opt opt = nlopt_create(algo, n);
  if (opt == nullptr) return false;
  std::vector<double> lo(n, -30.0), hi(n, 30.0), step(n, 0.5);
  nlopt_set_lower_bounds(opt, lo.data());
  nlopt_set_upper_bounds(opt, hi.data());
  nlopt_set_initial_step(opt, step.data());
  nlopt_set_min_objective(opt, negated, &obj);
  nlopt_set_xtol_rel(opt, 1e-10);
  nlopt_set_ftol_rel(opt, 1e-14);
  nlopt_set_maxeval(opt, 20000);
  const nlopt_result r = nlopt_optimize(opt, x.data(), &best);
  nlopt_destroy(opt);
  return r > 0;
}

}  // namespace

Result<OptimizeResult> maximize_positive(const std::function<double(const std::vector<double>&)>& f,
                                         std::vector<double> start, const char* what) {
  Objective obj{&f, std::vector<double>(start.size()), 0};
  std::vector<double> x(start.size());
  for (std::size_t i = 0; i < start.size(); ++i) x[i] = std::log(start[i]);
  double best = 0;
  const bool ok1 = run(NLOPT_LN_NELDERMEAD, x, obj, best);
  const bool ok2 = run(NLOPT_LN_SBPLX, x, obj, best);
  if (!std::isfinite(best) || best >= std::numeric_limits<double>::max() / 8)
    return Status::invalid_input(what, "the likelihood is undefined everywhere the optimiser looked",
                                 "check that the data has repeat purchases and positive values");
  OptimizeResult out;
  out.params.resize(x.size());
  for (std::size_t i = 0; i < x.size(); ++i) out.params[i] = std::exp(x[i]);
  out.value = -best;
  out.evaluations = obj.evaluations;
  out.converged = ok1 && ok2;
  return out;
}

}  // namespace kohort::clv::internal
