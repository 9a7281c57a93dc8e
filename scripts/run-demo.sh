#!/usr/bin/env bash
# `make run`: boots Debian's riscv64 Linux kernel on Vireo with the busybox initramfs and
# leaves you at the guest shell ('exit' or 'poweroff -f' powers off, Ctrl-a x quits Vireo).
# usage: scripts/run-demo.sh [BUILD_DIR] [extra vireo run options...]
# Environment: VIREO_APPEND (kernel command line, default "console=ttyS0"), VIREO_MEM (512M),
# VIREO_CACHE (see scripts/fetch-guest.sh).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-build}
[ $# -gt 0 ] && shift
vireo=$build/vireo
[ -x "$vireo" ] || { echo "run-demo: $vireo not built (make build)" >&2; exit 1; }

echo "vireo: fetching the guest (Debian kernel and busybox; cached after the first time)"
"$here/fetch-guest.sh"
initrd=$("$here/mkinitramfs.sh")
cache=${VIREO_CACHE:-${HOME:-/tmp}/.cache/vireo}
# shellcheck disable=SC1091
. "$cache/guest/assets.env"

append=${VIREO_APPEND:-console=ttyS0}
echo "vireo: booting Linux $VIREO_KVER: $vireo run --kernel $VIREO_KERNEL --initrd $initrd" \
	"--append \"$append\" --mem ${VIREO_MEM:-512M} $*"
echo "vireo: the guest shell comes after 'vireo-guest: init ready'; Ctrl-a x quits"
exec "$vireo" run --kernel "$VIREO_KERNEL" --initrd "$initrd" --append "$append" \
	--mem "${VIREO_MEM:-512M}" "$@"
