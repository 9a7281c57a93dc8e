#!/usr/bin/env bash
# Boot benchmark: Debian's riscv64 kernel with the busybox initramfs, on Vireo and on
# qemu-system-riscv64 (TCG) with the same kernel, initramfs and command line.
#   - wall time from start to "vireo-guest: init ready" and to the end of the process (the
#     guest runs an empty script, then `poweroff -f`);
#   - host CPU used while the guest idles at its shell for 10 s (utime + stime of the process
#     from /proc/PID/stat), as a percentage of one core.
# usage: bench/boot.sh [BUILD_DIR] [--opensbi]
#   --opensbi  both boot Debian's OpenSBI (fw_dynamic.bin) as --bios / -bios; by default Vireo
#              uses its built-in SBI and QEMU its bundled OpenSBI (-bios default)
# QEMU comes from qemu-system-misc (VIREO_BENCH=1 scripts/install-deps.sh); without it only
# Vireo's figures are printed. BENCH_MACHINES="vireo" or "qemu" runs only one of them;
# BENCH_RUNS=N boots each N times and keeps the fastest (the machine may be shared).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=build
opensbi=0
for a in "$@"; do
	case $a in
	--opensbi) opensbi=1 ;;
	-*) sed -n '2,14s/^# \{0,1\}//p' "$0" >&2; exit 2 ;;
	*) build=$a ;;
	esac
done
vireo=$build/vireo
fw=/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_dynamic.bin
idle_s=10
runs=${BENCH_RUNS:-1}
limit_s=${BENCH_TIMEOUT:-600}
[ -x "$vireo" ] || [ "${BENCH_MACHINES:-}" = qemu ] ||
	{ echo "bench: $vireo not built (make build)" >&2; exit 1; }
[ $opensbi -eq 0 ] || [ -f "$fw" ] || { echo "bench: $fw missing (package opensbi)" >&2; exit 1; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/vireo-bench-boot.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
printf '# empty: init powers off when a script ends\n' >"$tmp/noop.sh"
"$here/scripts/fetch-guest.sh" --quiet
initrd=$("$here/scripts/mkinitramfs.sh" -o "$tmp/initramfs.cpio.gz" -a "$tmp/noop.sh:/vireo/noop.sh" \
	2>/dev/null)
# shellcheck disable=SC1091
. "${VIREO_CACHE:-${HOME:-/tmp}/.cache/vireo}/guest/assets.env"
append="console=ttyS0"

# Prints the command line of MACHINE (vireo or qemu) booting with kernel command line $1.
machine_cmd() {
	local m=$1 app=$2
	if [ "$m" = vireo ]; then
		cmd=("$vireo" run --kernel "$VIREO_KERNEL" --initrd "$initrd" --append "$app" --mem 512M)
		[ $opensbi -eq 1 ] && cmd+=(--bios "$fw")
	else
		cmd=(qemu-system-riscv64 -M virt -m 512M -nographic -monitor none -serial stdio
			-kernel "$VIREO_KERNEL" -initrd "$initrd" -append "$app")
		if [ $opensbi -eq 1 ]; then cmd+=(-bios "$fw"); else cmd+=(-bios default); fi
	fi
}

# Seconds between two $EPOCHREALTIME values, 2 decimals.
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

# Boots MACHINE with an empty script: sets T_READY and T_END (seconds from the start).
time_boot() {
	local m=$1 t0 ready="" line rc
	machine_cmd "$m" "$append vireo.run=/vireo/noop.sh"
	t0=$EPOCHREALTIME
	# Read the console as it comes: the banner's arrival time is the boot time; the end of
	# the output (the process closed it by exiting) is the poweroff time.
	while IFS= read -r line; do
		printf '%s\n' "$line" >>"$tmp/$m-boot.log"
		[ -z "$ready" ] && [[ $line == *"vireo-guest: init ready"* ]] && ready=$EPOCHREALTIME
	done < <(timeout "$limit_s" "${cmd[@]}" </dev/null 2>&1)
	T_END=$(elapsed "$t0" "$EPOCHREALTIME")
	wait $! && rc=0 || rc=$?
	if [ -z "$ready" ] || [ "$rc" -ne 0 ]; then
		echo "bench: $m did not boot and power off cleanly (status $rc); console:" >&2
		tail -n 15 "$tmp/$m-boot.log" >&2
		return 1
	fi
	T_READY=$(elapsed "$t0" "$ready")
}

# utime + stime of process PID in clock ticks (fields 14 and 15 of /proc/PID/stat, counted
# after the ')' that ends the command name, which may hold spaces).
cpu_ticks() {
	local s
	s=$(cat "/proc/$1/stat")
	s=${s##*) }
	awk '{ print $12 + $13 }' <<<"$s"
}

# Boots MACHINE to the shell, then measures its CPU use over $idle_s s: sets IDLE_PCT.
idle_cpu() {
	local m=$1 pid t c0 c1 hz
	machine_cmd "$m" "$append"
	rm -f "$tmp/in"
	mkfifo "$tmp/in"
	"${cmd[@]}" <"$tmp/in" >"$tmp/$m-idle.log" 2>&1 &
	pid=$!
	# Hold the console's input open (no EOF) so the guest shell waits at its prompt.
	exec 3>"$tmp/in"
	t=0
	until grep -q "vireo-guest: starting a shell" "$tmp/$m-idle.log"; do
		if ! kill -0 "$pid" 2>/dev/null || [ $t -ge $((limit_s * 5)) ]; then
			echo "bench: $m did not reach the shell; console:" >&2
			tail -n 15 "$tmp/$m-idle.log" >&2
			kill "$pid" 2>/dev/null || true
			exec 3>&-
			return 1
		fi
		sleep 0.2
		t=$((t + 1))
	done
	sleep 2 # let the shell and the kernel's boot-time work settle
	hz=$(getconf CLK_TCK)
	c0=$(cpu_ticks "$pid")
	sleep "$idle_s"
	c1=$(cpu_ticks "$pid")
	IDLE_PCT=$(awk -v a="$c0" -v b="$c1" -v hz="$hz" -v s="$idle_s" \
		'BEGIN { printf "%.1f", (b - a) * 100 / hz / s }')
	echo "poweroff -f" >&3
	exec 3>&-
	for _ in $(seq 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
	kill "$pid" 2>/dev/null || true
	wait "$pid" || true
}

echo "boot benchmark: kernel $VIREO_KVER (Debian $VIREO_SUITE), busybox initramfs, 512M," \
	"1 hart, firmware: $([ $opensbi -eq 1 ] && echo "OpenSBI $fw" || echo "vireo built-in SBI / qemu -bios default")"
read -r -a machines <<<"${BENCH_MACHINES:-vireo qemu}"
if [[ " ${machines[*]} " == *" qemu "* ]] && ! command -v qemu-system-riscv64 >/dev/null; then
	echo "bench: qemu-system-riscv64 not installed (VIREO_BENCH=1 scripts/install-deps.sh): Vireo only"
	machines=(vireo)
fi
declare -A ready end idle
for m in "${machines[@]}"; do
	for _ in $(seq "$runs"); do
		time_boot "$m" || exit 1
		if [ -z "${ready[$m]:-}" ] || awk -v a="$T_READY" -v b="${ready[$m]}" 'BEGIN { exit !(a < b) }'; then
			ready[$m]=$T_READY
			end[$m]=$T_END
		fi
	done
	idle_cpu "$m" || exit 1
	idle[$m]=$IDLE_PCT
	printf '%-6s init ready after %7.2f s, powered off after %7.2f s, idle at the shell: %5.1f%% of a core\n' \
		"$m:" "${ready[$m]}" "${end[$m]}" "${idle[$m]}"
done
if [ ${#machines[@]} -eq 2 ]; then
	awk -v vr="${ready[vireo]}" -v qr="${ready[qemu]}" -v ve="${end[vireo]}" -v qe="${end[qemu]}" \
		'BEGIN { printf "ratio:  vireo takes %.2fx the time of qemu TCG to init ready, %.2fx to poweroff\n",
			vr / qr, ve / qe }'
fi
