#!/usr/bin/env bash
# Network benchmark: boots Debian's kernel with the e2e initramfs on Vireo (--net user) and, if
# installed, on qemu-system-riscv64 (-netdev user, virtio-net-device), lets the guest download a
# file from an HTTP server on 127.0.0.1 through 10.0.2.2 (tests/e2e/guest/net.sh) and prints
# the rate each got. All traffic stays on the loopback interface.
# Usage: bench/net.sh [BUILD_DIR] [MIB]
set -uo pipefail
build=$(cd "${1:-build}" && pwd)
mib=${2:-32}
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck disable=SC1091
. "$here/../tests/e2e/lib.sh" "$build/vireo"
e2e_assets >/dev/null
www=$e2e_tmp/www
mkdir -p "$www"
head -c $((mib << 20)) /dev/urandom >"$www/payload.bin"
touch "$www/done" # the guest script then powers off right after its download
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 -m http.server --bind 127.0.0.1 --directory "$www" "$port" >/dev/null 2>&1 &
http_pid=$!
trap 'kill "$http_pid" 2>/dev/null; rm -rf "$e2e_tmp"' EXIT
sleep 1
append="console=ttyS0 vireo.run=/vireo/e2e/net.sh vireo.httpport=$port"

report() { # name log
	local secs bytes
	secs=$(e2e_value "$2" payload-seconds)
	bytes=$(e2e_value "$2" payload-bytes)
	if [[ $secs =~ ^[0-9.]+$ && $bytes =~ ^[0-9]+$ ]] && [ "$bytes" -eq $((mib << 20)) ]; then
		awk -v n="$1" -v b="$bytes" -v s="$secs" \
			'BEGIN { printf "%-6s %d MiB in %.2f s = %.1f Mbit/s\n", n ":", b / 1048576, s, (s > 0) ? b * 8 / s / 1e6 : 0 }'
	else
		echo "$1: the download failed (console: $2)"
	fi
}

timeout 600 "$build/vireo" run --kernel "$KERNEL" --initrd "$INITRD" --mem 512M --net user,host-loopback=on \
	--append "$append" </dev/null 2>&1 | e2e_stamp >"$e2e_tmp/vireo.log"
report vireo "$e2e_tmp/vireo.log"

if command -v qemu-system-riscv64 >/dev/null; then
	timeout 600 qemu-system-riscv64 -M virt -m 512M -nographic -monitor none -serial stdio \
		-kernel "$KERNEL" -initrd "$INITRD" -append "$append" \
		-netdev user,id=n0 -device virtio-net-device,netdev=n0 </dev/null 2>&1 |
		e2e_stamp >"$e2e_tmp/qemu.log"
	report qemu "$e2e_tmp/qemu.log"
else
	echo "qemu:  qemu-system-riscv64 not installed (VIREO_BENCH=1 make deps)"
fi
