#!/usr/bin/env bash
# Builds the runner's two native pieces into OUT_DIR (default runner/.build):
#   seccomp.bpf     the sandbox's seccomp denylist (raw BPF for bwrap), made by seccomp-filter
#   seccomp-allow.bpf  the allowlist stacked with it (any call not listed answers ENOSYS)
#   runner-launch   joins the run's cgroup, sets rlimits, starts bwrap, reports exit status, CPU time and peak memory
#   runner-stage    inside the sandbox: compile, report, then exec the run (one sandbox per request)
# Needs a C compiler and libseccomp's headers (Debian: gcc, libseccomp-dev).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
OUT="${1:-$HERE/../.build}"
CC="${CC:-cc}"
mkdir -p "$OUT"
"$CC" -O2 -Wall -Wextra -o "$OUT/seccomp-filter.tmp" "$HERE/filter.c" -lseccomp
"$OUT/seccomp-filter.tmp" "$OUT/seccomp.bpf.tmp" "$OUT/seccomp-allow.bpf.tmp"
mv "$OUT/seccomp-filter.tmp" "$OUT/seccomp-filter"
mv "$OUT/seccomp.bpf.tmp" "$OUT/seccomp.bpf"
mv "$OUT/seccomp-allow.bpf.tmp" "$OUT/seccomp-allow.bpf"
# Static when the C library allows it (one exec less of the dynamic loader per run), else dynamic.
"$CC" -O2 -Wall -Wextra -static -o "$OUT/runner-launch.tmp" "$HERE/launch.c" 2>/dev/null \
  || "$CC" -O2 -Wall -Wextra -o "$OUT/runner-launch.tmp" "$HERE/launch.c"
chmod 0755 "$OUT/runner-launch.tmp"
mv "$OUT/runner-launch.tmp" "$OUT/runner-launch"
"$CC" -O2 -Wall -Wextra -static -o "$OUT/runner-stage.tmp" "$HERE/stage.c" 2>/dev/null \
  || "$CC" -O2 -Wall -Wextra -o "$OUT/runner-stage.tmp" "$HERE/stage.c"
chmod 0755 "$OUT/runner-stage.tmp"
mv "$OUT/runner-stage.tmp" "$OUT/runner-stage"
