#!/usr/bin/env bash
# The CDNOW check: BG/NBD and Gamma-Gamma on the 1/10 CDNOW sample (calibration to 1997-09-30,
# weeks) against the published fits (Fader, Hardie & Lee 2005; Fader & Hardie 2013):
# r = 0.243, alpha = 4.414, a = 0.793, b = 2.426, log-likelihood -9582.4; p = 6.25, q = 3.74,
# gamma = 15.44 on 946 customers. Needs ../shared/data/cdnow/cdnowElog.csv (not in the repository).
# Usage: bench/clv_cdnow.sh [path/to/cdnowElog.csv]
set -euo pipefail
cd "$(dirname "$0")/.."
elog=${1:-../shared/data/cdnow/cdnowElog.csv}
[[ -f $elog ]] || { echo "clv_cdnow: $elog not found" >&2; exit 1; }
json=$(build/kohort clv "$elog" --customer-column masterid --calibration-end 1997-09-30 \
  --time-unit week --json -q)
/usr/bin/python3 - "$json" <<'PY'
import json, sys
j = json.loads(sys.argv[1])
b, g = j["bgnbd"], j["gamma_gamma"]
want = [("r", b["r"], 0.243, 5e-4), ("alpha", b["alpha"], 4.414, 5e-3), ("a", b["a"], 0.793, 5e-4),
        ("b", b["b"], 2.426, 5e-3), ("loglik", b["loglik"], -9582.4, 0.05),
        ("p", g["p"], 6.25, 5e-3), ("q", g["q"], 3.74, 5e-3), ("gamma", g["gamma"], 15.44, 5e-3),
        ("repeat customers", g["customers"], 946, 0)]
bad = 0
for name, got, ref, tol in want:
    ok = abs(got - ref) <= tol
    bad += not ok
    print(f"{name:17s} kohort {got:10.4f}  published {ref:9.3f}  {'ok' if ok else 'MISMATCH'}")
print(f"{len(want) - bad} passed, {bad} failed")
sys.exit(1 if bad else 0)
PY
