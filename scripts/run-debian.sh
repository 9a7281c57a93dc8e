#!/usr/bin/env bash
# `make run-debian`: boots a full Debian system (systemd, networking by DHCP over user-mode
# networking) from a disk image on Vireo and logs in as root on the console.
# usage: scripts/run-debian.sh [BUILD_DIR] [extra vireo run options...]
# The image comes from scripts/mkrootfs.sh (built inside Vireo the first time, then cached);
# your VM's disk is a copy of it, $VIREO_CACHE/rootfs/debian-vm.img, kept between runs and
# made anew when the image is rebuilt or with VIREO_FRESH=1.
# Environment: VIREO_MEM (1G), VIREO_CPUS (2), VIREO_CACHE (see scripts/fetch-guest.sh).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-build}
[ $# -gt 0 ] && shift
vireo=$build/vireo
[ -x "$vireo" ] || { echo "run-debian: $vireo not built (make build)" >&2; exit 1; }
cache=${VIREO_CACHE:-${HOME:-/tmp}/.cache/vireo}

echo "vireo: preparing the Debian image (the first time this builds it inside Vireo: minutes)"
image=$(VIREO=$vireo "$here/mkrootfs.sh")
initrd=$("$here/mkinitramfs.sh")
# shellcheck disable=SC1091
. "$cache/guest/assets.env"
disk=$cache/rootfs/debian-vm.img
if [ "${VIREO_FRESH:-0}" = 1 ] || [ ! -f "$disk" ] || [ "$(cat "$disk.base" 2>/dev/null)" != "$image" ]; then
	echo "vireo: making your VM's disk $disk from $image"
	cp --sparse=always "$image" "$disk.tmp"
	mv "$disk.tmp" "$disk"
	echo "$image" >"$disk.base"
fi

echo "vireo: booting Debian ($VIREO_SUITE, kernel $VIREO_KVER) from $disk"
echo "vireo: root logs in on the console without a password; 'poweroff' ends the VM, Ctrl-a x quits"
exec "$vireo" run --kernel "$VIREO_KERNEL" --initrd "$initrd" --drive "file=$disk" \
	--net user --mem "${VIREO_MEM:-1G}" --cpus "${VIREO_CPUS:-2}" \
	--append "root=/dev/vda rw console=ttyS0" "$@"
