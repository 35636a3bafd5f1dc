#!/usr/bin/env bash
# Mailing benchmark in release (SQLite; PostgreSQL too with BENCH_PG_ADMIN_URL); figures in bench/mailing-results.md.
cd "$(dirname "$0")/.." && exec cargo bench --bench mailing "$@"
