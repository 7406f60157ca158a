"""Salamin's code runner: a small HTTP service that compiles and runs interview code in a sandbox.

Modules: config (settings and toolchains), languages (how each language is compiled and run),
sandbox (bubblewrap + seccomp + rlimits + watchdog around one process), judge (compile once, run the
test cases, verdicts), pool (slots and the queue), app (the Flask API).
"""
