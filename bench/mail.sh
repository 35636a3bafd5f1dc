#!/usr/bin/env bash
# Reminder mail benchmark in release (SQLite; PostgreSQL too with BENCH_PG_ADMIN_URL); figures in bench/mail-results.md.
cd "$(dirname "$0")/.." && exec cargo bench --bench mail "$@"
