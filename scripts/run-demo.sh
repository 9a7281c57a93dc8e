#!/usr/bin/env bash
# `make run` until Linux boots: runs the bare-metal CPU benchmark guest on Vireo.
set -euo pipefail
build=${1:-build}
echo "vireo: booting the bare-metal CPU benchmark guest ($build/bench/bench-cpu.elf)"
exec "$build/vireo" run --bios "$build/bench/bench-cpu.elf"
