#!/usr/bin/env bash
# Debian boot benchmark: the full systemd system of scripts/mkrootfs.sh from a virtio disk, on
# Vireo and on qemu-system-riscv64 (TCG) with the same image (a fresh copy each), kernel,
# initramfs, command line, RAM and harts. Prints the wall time from start to the console's
# login (agetty's automatic login of root), to `systemctl is-system-running --wait` answering,
# and to the end of the process after `systemctl poweroff`, and the ratios.
# usage: bench/debian.sh [BUILD_DIR]
# QEMU comes from qemu-system-misc (VIREO_BENCH=1 scripts/install-deps.sh); without it only
# Vireo's figures are printed. BENCH_MACHINES="vireo" or "qemu" runs only one; BENCH_CPUS=N
# harts (default 1); BENCH_RUNS=N keeps the fastest of N boots each.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-build}
vireo=$build/vireo
runs=${BENCH_RUNS:-1}
cpus=${BENCH_CPUS:-1}
limit_s=${BENCH_TIMEOUT:-900}
PATH=$PATH:/usr/sbin:/sbin
[ -x "$vireo" ] || { echo "bench: $vireo not built (make build)" >&2; exit 1; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/vireo-bench-debian.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
image=$(VIREO=$vireo "$here/scripts/mkrootfs.sh")
initrd=$("$here/scripts/mkinitramfs.sh" -o "$tmp/initramfs.cpio.gz" 2>/dev/null)
# shellcheck disable=SC1091
. "${VIREO_CACHE:-${HOME:-/tmp}/.cache/vireo}/guest/assets.env"
mkdir -p "$tmp/run"
cat >"$tmp/run/run.sh" <<'RUN'
echo "vireo-bench: state $(systemctl is-system-running --wait)"
systemctl poweroff
RUN
mke2fs -q -F -t ext4 -L vireo-run -d "$tmp/run" "$tmp/run.img" 16M
# Disks by label: QEMU's virt board and Vireo number their virtio slots differently.
append="root=LABEL=vireo-root rw console=ttyS0 vireo.rundisk=LABEL=vireo-run"

# Sets cmd to the command line of MACHINE (vireo or qemu) on disk image $2.
machine_cmd() {
	local m=$1 disk=$2
	if [ "$m" = vireo ]; then
		cmd=("$vireo" run --kernel "$VIREO_KERNEL" --initrd "$initrd" --append "$append"
			--mem 1G --cpus "$cpus" --drive "file=$disk" --drive "file=$tmp/run.img,ro=on")
	else
		cmd=(qemu-system-riscv64 -M virt -m 1G -smp "$cpus" -nographic -monitor none
			-serial stdio -bios default -kernel "$VIREO_KERNEL" -initrd "$initrd"
			-append "$append"
			-drive "file=$disk,format=raw,if=none,id=d0" -device virtio-blk-device,drive=d0
			-drive "file=$tmp/run.img,format=raw,if=none,id=d1,readonly=on"
			-device virtio-blk-device,drive=d1)
	fi
}

elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

# Boots MACHINE once: sets T_LOGIN, T_RUNNING and T_END (seconds from the start).
time_boot() {
	local m=$1 t0 login="" running="" line rc state=""
	cp --sparse=always "$image" "$tmp/disk.img"
	machine_cmd "$m" "$tmp/disk.img"
	: >"$tmp/$m.log"
	t0=$EPOCHREALTIME
	while IFS= read -r line; do
		printf '%s\n' "$line" >>"$tmp/$m.log"
		[ -z "$login" ] && [[ $line == *"login: root (automatic login)"* ]] && login=$EPOCHREALTIME
		if [ -z "$running" ] && [[ $line == *"vireo-bench: state "* ]]; then
			running=$EPOCHREALTIME
			state=${line##*vireo-bench: state }
			state=${state//$'\r'/}
		fi
	done < <(timeout "$limit_s" "${cmd[@]}" </dev/null 2>&1)
	T_END=$(elapsed "$t0" "$EPOCHREALTIME")
	wait $! && rc=0 || rc=$?
	if [ -z "$login" ] || [ -z "$running" ] || [ "$rc" -ne 0 ]; then
		echo "bench: $m did not boot, log in and power off cleanly (status $rc); console:" >&2
		tail -n 15 "$tmp/$m.log" >&2
		return 1
	fi
	[ "$state" = running ] || echo "bench: note: $m's systemd says '$state'" >&2
	T_LOGIN=$(elapsed "$t0" "$login")
	T_RUNNING=$(elapsed "$t0" "$running")
}

echo "Debian boot benchmark: $(basename "$image"), kernel $VIREO_KVER, 1G, $cpus hart(s)," \
	"vireo built-in SBI / qemu -bios default"
read -r -a machines <<<"${BENCH_MACHINES:-vireo qemu}"
if [[ " ${machines[*]} " == *" qemu "* ]] && ! command -v qemu-system-riscv64 >/dev/null; then
	echo "bench: qemu-system-riscv64 not installed (VIREO_BENCH=1 scripts/install-deps.sh): Vireo only"
	machines=(vireo)
fi
declare -A login running end
for m in "${machines[@]}"; do
	for _ in $(seq "$runs"); do
		time_boot "$m" || exit 1
		if [ -z "${running[$m]:-}" ] || awk -v a="$T_RUNNING" -v b="${running[$m]}" 'BEGIN { exit !(a < b) }'; then
			login[$m]=$T_LOGIN
			running[$m]=$T_RUNNING
			end[$m]=$T_END
		fi
	done
	printf '%-6s login after %7.2f s, is-system-running after %7.2f s, powered off after %7.2f s\n' \
		"$m:" "${login[$m]}" "${running[$m]}" "${end[$m]}"
done
if [ ${#machines[@]} -eq 2 ]; then
	awk -v vl="${login[vireo]}" -v ql="${login[qemu]}" -v vr="${running[vireo]}" -v qr="${running[qemu]}" \
		'BEGIN { printf "ratio:  vireo takes %.2fx the time of qemu TCG to the login, %.2fx to running\n",
			vl / ql, vr / qr }'
fi
