#!/usr/bin/env bash
# Installs the Debian packages Vireo needs to build and test, if any is missing.
# Uses apt-get as root (or through sudo); changes nothing when all are present.
set -euo pipefail

pkgs=(meson ninja-build pkg-config gcc libc6-dev libcmocka-dev gcc-riscv64-linux-gnu
      binutils-riscv64-linux-gnu libslirp-dev libglib2.0-dev libfdt-dev)
# Static riscv64 Linux programs for the guest (tests/e2e/src, bench/guest): only recommended by
# gcc-riscv64-linux-gnu, and recommends are not installed here.
pkgs+=(libc6-dev-riscv64-cross)
# Guest assets and e2e tests: fetching Debian's riscv64 kernel and busybox, building the
# initramfs (scripts/fetch-guest.sh, scripts/mkinitramfs.sh), and OpenSBI as a --bios.
pkgs+=(apt dpkg debian-archive-keyring kmod cpio xz-utils gzip util-linux opensbi)
# The virtio-blk e2e test makes and inspects ext4 images (mke2fs -d, debugfs, e2fsck).
pkgs+=(e2fsprogs)
# The Debian root file system image (scripts/mkrootfs.sh: debootstrap's first stage, fakeroot
# when not run as root) and the host's answers in its e2e test (sqlite3).
pkgs+=(debootstrap fakeroot sqlite3)
# The network e2e tests: a host HTTP server and client (python3), a private netns (iproute2).
pkgs+=(python3 iproute2)
# The fuzz targets (tests/fuzz): clang with libFuzzer and the sanitizer runtimes (compiler-rt).
pkgs+=(clang libclang-rt-dev)
# The qcow2 oracle unit test: qemu-img and qemu-io make, check and compare images.
pkgs+=(qemu-utils)
if [ "${VIREO_BENCH:-0}" = 1 ]; then
	pkgs+=(qemu-system-misc)
fi

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "vireo: installing missing packages: ${missing[*]}"
sudo=()
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null || { echo "vireo: need root or sudo to install ${missing[*]}" >&2; exit 1; }
	sudo=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -q
"${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
