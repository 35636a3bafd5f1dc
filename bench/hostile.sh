#!/usr/bin/env bash
# A million random and adversarial GraphQL requests against a release build (benches/hostile.rs);
# BENCH_HOSTILE_CASES and BENCH_HOSTILE_SEED change the run. Figures in bench/RESULTS.md.
cd "$(dirname "$0")/.." && exec cargo bench --bench hostile "$@"
