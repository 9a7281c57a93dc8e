#!/usr/bin/env bash
# Disk benchmark: boots Debian's kernel with the e2e initramfs plus bench/guest/ (disk.sh and
# randio, a static riscv64 program) on Vireo (--drive) and, if installed, on
# qemu-system-riscv64 (-drive if=none,format=raw + virtio-blk-device), each on a fresh raw
# image of MIB MiB (default 256), and prints what the guest measured on /dev/vda:
#   - sequential write: dd if=/dev/zero bs=1M count=MIB conv=fsync;
#   - sequential read: dd bs=1M iflag=direct after dropping the page cache;
#   - 4 KiB random read and random write IOPS, O_DIRECT, queue depth 1, SECS s each.
# MB/s are 10^6 bytes per second of the guest's clock (/proc/uptime, CLOCK_MONOTONIC).
# Usage: bench/disk.sh [BUILD_DIR] [MIB] [SECS]
set -uo pipefail
build=$(cd "${1:-build}" && pwd)
mib=${2:-256}
secs=${3:-10}
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../tests/e2e/lib.sh
. "$here/../tests/e2e/lib.sh" "$build/vireo"
command -v riscv64-linux-gnu-gcc >/dev/null ||
	e2e_die "riscv64-linux-gnu-gcc is needed (scripts/install-deps.sh)"
riscv64-linux-gnu-gcc -O2 -static -Wall -Wextra -Werror -o "$e2e_tmp/randio" \
	"$here/guest/randio.c" || e2e_die "cannot build bench/guest/randio.c"
E2E_EXTRA=("$e2e_tmp/randio:/vireo/bench/randio" "$here/guest/disk.sh:/vireo/bench/disk.sh")
e2e_assets >/dev/null
append="console=ttyS0 vireo.run=/vireo/bench/disk.sh vireo.mib=$mib vireo.secs=$secs"
echo "disk benchmark: kernel $KVER, ${mib} MiB raw image, virtio-blk, 512M, 1 hart;" \
	"random I/O ${secs} s each"

# Prints MACHINE's figures from its console log and sets, in the array fig, its four rates.
declare -A fig
report() {
	local m=$1 log=$2 w r rr rw
	w=$(e2e_value "$log" seqwrite_seconds)
	r=$(e2e_value "$log" seqread_seconds)
	rr=$(e2e_value "$log" randread_iops)
	rw=$(e2e_value "$log" randwrite_iops)
	if ! [[ $w =~ ^[0-9.]+$ && $r =~ ^[0-9.]+$ && $rr =~ ^[0-9]+$ && $rw =~ ^[0-9]+$ ]]; then
		echo "$m: the benchmark failed; end of the console ($log):"
		tail -n 15 "$log"
		return 1
	fi
	fig[$m-w]=$(awk -v m="$mib" -v s="$w" 'BEGIN { printf "%.1f", m * 1048576 / s / 1e6 }')
	fig[$m-r]=$(awk -v m="$mib" -v s="$r" 'BEGIN { printf "%.1f", m * 1048576 / s / 1e6 }')
	fig[$m-rr]=$rr
	fig[$m-rw]=$rw
	printf '%-6s seq write %7s MB/s (%s s)  seq read %7s MB/s (%s s)  4K rand read %6s IOPS  4K rand write %6s IOPS\n' \
		"$m:" "${fig[$m-w]}" "$w" "${fig[$m-r]}" "$r" "$rr" "$rw"
}

# Runs MACHINE (vireo or qemu) on a fresh sparse image; the console goes to $e2e_tmp/MACHINE.log.
run() {
	local m=$1 img=$e2e_tmp/$1.img
	rm -f "$img"
	truncate -s "${mib}M" "$img"
	if [ "$m" = vireo ]; then
		timeout 900 "$build/vireo" run --kernel "$KERNEL" --initrd "$INITRD" --mem 512M \
			--drive "file=$img" --append "$append" </dev/null 2>&1
	else
		timeout 900 qemu-system-riscv64 -M virt -m 512M -nographic -monitor none \
			-serial stdio -bios default -kernel "$KERNEL" -initrd "$INITRD" \
			-append "$append" -drive "file=$img,if=none,format=raw,id=d0" \
			-device virtio-blk-device,drive=d0 </dev/null 2>&1
	fi | e2e_stamp >"$e2e_tmp/$m.log"
	rm -f "$img"
}

machines=(vireo)
if command -v qemu-system-riscv64 >/dev/null; then
	machines+=(qemu)
else
	echo "qemu:  qemu-system-riscv64 not installed (VIREO_BENCH=1 scripts/install-deps.sh)"
fi
ok=1
for m in "${machines[@]}"; do
	run "$m"
	report "$m" "$e2e_tmp/$m.log" || ok=0
done
if [ $ok -eq 1 ] && [ ${#machines[@]} -eq 2 ]; then
	awk -v w="${fig[vireo-w]}/${fig[qemu-w]}" -v r="${fig[vireo-r]}/${fig[qemu-r]}" \
		-v rr="${fig[vireo-rr]}/${fig[qemu-rr]}" -v rw="${fig[vireo-rw]}/${fig[qemu-rw]}" '
		function q(s,  p) { split(s, p, "/"); return p[2] > 0 ? p[1] / p[2] : 0 }
		BEGIN { printf "ratio vireo/qemu: seq write %.2fx, seq read %.2fx, rand read %.2fx, rand write %.2fx\n",
			q(w), q(r), q(rr), q(rw) }'
fi
[ $ok -eq 1 ]
