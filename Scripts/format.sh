#!/usr/bin/env bash
# Formats (default) or lints (--lint) every Swift file with the toolchain's swift-format and the
# committed .swift-format (2-space indent, 100 columns).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = "--lint" ]; then
  swift format lint --recursive Sources Tests Benchmarks/Perf Package.swift
else
  swift format format --in-place --recursive Sources Tests Benchmarks/Perf Package.swift
fi
