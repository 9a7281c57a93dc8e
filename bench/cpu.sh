#!/usr/bin/env bash
# CPU benchmark: runs bench-cpu.elf on Vireo and, if installed, on qemu-system-riscv64, and
# prints MIPS for both. The instruction count comes from Vireo (exact minstret); QEMU's own
# minstret is not an instruction count without -icount, so its MIPS is Vireo's count divided
# by QEMU's elapsed guest time for the same program (checked by the checksum).
# Usage: bench/cpu.sh [BUILD_DIR] [RUNS]
set -euo pipefail
build=${1:-build}
runs=${2:-3}
elf=$build/bench/bench-cpu.elf
[ -f "$elf" ] || { echo "bench: $elf not built (make build)" >&2; exit 1; }

best_ticks() { # command... -> prints "instret ticks checksum" of the fastest run
	local best="" line out
	for _ in $(seq "$runs"); do
		out=$("$@" 2>&1) || { echo "bench: '$*' failed: $out" >&2; return 1; }
		line=$(printf '%s\n' "$out" | grep 'bench-cpu:' | tail -n 1)
		read -r i t c < <(printf '%s\n' "$line" | sed -n 's/.*instret \([0-9]*\) ticks \([0-9]*\) checksum \(0x[0-9a-f]*\).*/\1 \2 \3/p')
		if [ -z "$best" ] || [ "$t" -lt "${best#* }" ]; then best="$i $t"; sum=$c; fi
	done
	echo "$best $sum"
}

read -r vi vt vc < <(best_ticks "$build/vireo" run --bios "$elf")
vmips=$(awk -v i="$vi" -v t="$vt" 'BEGIN { printf "%.0f", i / (t / 1e7) / 1e6 }')
printf 'vireo:  %d instructions in %.3f s = %s MIPS (checksum %s)\n' "$vi" "$(awk -v t="$vt" 'BEGIN{print t/1e7}')" "$vmips" "$vc"

if command -v qemu-system-riscv64 >/dev/null; then
	read -r _ qt qc < <(best_ticks timeout 300 qemu-system-riscv64 -M virt -bios none -nographic \
		-monitor none -serial stdio -kernel "$elf")
	qmips=$(awk -v i="$vi" -v t="$qt" 'BEGIN { printf "%.0f", i / (t / 1e7) / 1e6 }')
	printf 'qemu:   same program in %.3f s = %s MIPS (checksum %s)\n' "$(awk -v t="$qt" 'BEGIN{print t/1e7}')" "$qmips" "$qc"
	[ "$qc" = "$vc" ] || echo "bench: CHECKSUMS DIFFER: vireo $vc, qemu $qc" >&2
	awk -v a="$vt" -v b="$qt" 'BEGIN { printf "ratio:  vireo takes %.2fx the time of qemu TCG\n", a / b }'
else
	echo "qemu:   qemu-system-riscv64 not installed (VIREO_BENCH=1 make deps)"
fi
