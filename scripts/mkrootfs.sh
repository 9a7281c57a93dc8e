#!/usr/bin/env bash
# Builds a bootable Debian riscv64 root file system image (ext4, systemd) for Vireo, or prints
# the cached one.
#
# usage: scripts/mkrootfs.sh [-f] [-s SIZE] [-o OUT]
#   -f       build again even if a finished image for this recipe is cached
#   -s SIZE  image size as mke2fs takes it (default 4G; the file is sparse)
#   -o OUT   also copy the finished image to OUT (a fresh, writable copy)
# Prints the path of the cached image (and writes OUT.packages next to OUT, with -o).
#
# How: debootstrap's first stage on the host (download from the Debian mirror fetch-guest.sh
# found in the host's apt configuration, checked against Debian's archive keyring; unpack),
# then the kernel's modules and Vireo's settings (scripts/guest/rootfs/) are added, mke2fs -d
# makes the ext4 image, and the second stage, which must run riscv64 programs (the packages'
# maintainer scripts), runs inside Vireo itself: Debian's kernel boots the busybox initramfs
# of mkinitramfs.sh, which mounts the image and chroots into it. Suite, kernel and mirror come
# from scripts/fetch-guest.sh (assets.env).
#
# The image is cached under $VIREO_CACHE/rootfs/, named by suite, kernel version and a hash of
# this recipe; it is built as NAME.partial and renamed only when the second stage succeeded
# and e2fsck finds it clean, so an interrupted build never looks finished. NAME.packages lists
# every package as NAME=VERSION. Needs root (debootstrap creates device nodes and root-owned
# files), or fakeroot when run as another user.
#
# Environment: VIREO_CACHE (as fetch-guest.sh), VIREO (the vireo binary, default build/vireo),
# VIREO_ROOTFS_TIMEOUT (seconds the second stage may take, default 3600).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/.." && pwd)
cache=${VIREO_CACHE:-${HOME:-/tmp}/.cache/vireo}
vireo=${VIREO:-$src/build/vireo}
size=4G
force=0
out=
# minbase plus what a small server needs; Debian resolves their dependencies.
include=(systemd-sysv udev kmod dbus iproute2 iputils-ping procps python3 sqlite3 openssl
	wget xz-utils bzip2 less file)

die() { echo "mkrootfs: error: $*" >&2; exit 1; }
info() { echo "mkrootfs: $*" >&2; }

while getopts fs:o:h opt; do
	case $opt in
	f) force=1 ;;
	s) size=$OPTARG ;;
	o) out=$OPTARG ;;
	*) sed -n 's/^# \{0,1\}//; 5,9p' "$0" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 0 ] || die "unexpected argument '$1'"
PATH=$PATH:/usr/sbin:/sbin
for tool in debootstrap mke2fs e2fsck debugfs flock sha256sum; do
	command -v "$tool" >/dev/null || die "'$tool' not found (run scripts/install-deps.sh)"
done
if [ "$(id -u)" -ne 0 ]; then
	command -v fakeroot >/dev/null || die "needs root, or fakeroot (Debian package fakeroot)"
fi

"$here/fetch-guest.sh" --quiet
# shellcheck disable=SC1091
. "$cache/guest/assets.env"

# The recipe: this script, the files it puts in the image, the second stage and the package
# list. A change to any of them makes a new image.
recipe=$(cat "$0" "$here"/guest/rootfs/* "$here/guest/init" | sha256sum | cut -c1-12)
dir=$cache/rootfs
name=debian-$VIREO_SUITE-riscv64-$VIREO_KVER-$recipe
img=$dir/$name.img
mkdir -p "$dir"
exec 8>"$dir/.build.lock"
flock 8

finish() {
	if [ -n "$out" ]; then
		cp --sparse=always "$img" "$out.tmp.$$"
		mv "$out.tmp.$$" "$out"
		cp "$img.packages" "$out.packages"
	fi
	echo "$img"
}

if [ $force -eq 0 ] && [ -f "$img" ] && [ -f "$img.packages" ]; then
	finish
	exit 0
fi
[ -x "$vireo" ] || die "$vireo not built (make build)"

info "building $img (Debian $VIREO_SUITE riscv64, kernel $VIREO_KVER)"
t0=$SECONDS
# What an interrupted build left (we hold the lock, so no build is using it).
rm -rf "$dir"/.work.* "$dir"/*.partial
work=$(mktemp -d "$dir/.work.XXXXXX")
trap 'rm -rf "$work"' EXIT
root=$work/root
part=$dir/$name.img.partial
rm -f "$part" "$img" "$img.packages"

# The host half runs as root, or in one fakeroot session whose saved state keeps the owners
# and modes mke2fs -d must see.
as_root() {
	if [ "$(id -u)" -eq 0 ]; then
		"$@"
	else
		fakeroot -i "$work/fakeroot.state" -s "$work/fakeroot.state" -- "$@"
	fi
}
[ "$(id -u)" -eq 0 ] || : >"$work/fakeroot.state"

info "first stage: downloading and unpacking (debootstrap --foreign) from $VIREO_MIRROR"
mkdir -p "$cache/rootfs-debs"
if ! as_root debootstrap --foreign --arch=riscv64 --variant=minbase --components=main \
	--keyring="$VIREO_KEYRING" --cache-dir="$cache/rootfs-debs" \
	--include="$(
		IFS=,
		echo "${include[*]}"
	)" "$VIREO_SUITE" "$root" "$VIREO_MIRROR" >"$work/debootstrap.log" 2>&1; then
	tail -n 20 "$work/debootstrap.log" >&2
	die "debootstrap --foreign failed"
fi

# The second stage reads the stanzas of the packages it installs from the suite's whole
# Packages index (tens of MB, parsed by perl); inside the guest that alone takes many minutes,
# so the index keeps only the packages the first stage chose (debootstrap/debpaths).
for f in "$root"/var/lib/apt/lists/*_Packages; do
	as_root awk 'FNR == NR { want[$1] = 1; next }
		/^Package: / { keep = ($2 in want) }
		keep { print }' "$root/debootstrap/debpaths" "$f" >"$work/Packages"
	grep -q '^Package: ' "$work/Packages" || die "no package of debpaths in $f"
	as_root cp "$work/Packages" "$f"
done

# Vireo's settings and the kernel's modules (the image boots Debian's kernel from outside).
r=$here/guest/rootfs
as_root sh -e -c '
	root=$1 r=$2 mods=$3 kver=$4 mirror=$5 suite=$6
	install -d "$root/usr/lib/modules" "$root/var/lib/vireo" "$root/usr/local/sbin" \
		"$root/etc/systemd/system/serial-getty@.service.d" "$root/etc/systemd/network"
	cp -a "$mods" "$root/usr/lib/modules/$kver"
	install -m 0644 "$r/configure.sh" "$root/var/lib/vireo/configure.sh"
	install -m 0755 "$r/vireo-run" "$root/usr/local/sbin/vireo-run"
	install -m 0644 "$r/vireo-run.service" "$root/etc/systemd/system/vireo-run.service"
	install -m 0644 "$r/autologin.conf" "$root/etc/systemd/system/serial-getty@.service.d/autologin.conf"
	install -m 0644 "$r/80-vireo.network" "$root/etc/systemd/network/80-vireo.network"
	# dpkg syncs every file it unpacks, and each sync is a disk flush, so the build would wait
	# on thousands of host fdatasync calls; an unfinished build is thrown away anyway, and the
	# image is synced once at the end. configure.sh removes this setting.
	echo force-unsafe-io >"$root/etc/dpkg/dpkg.cfg.d/vireo-build-unsafe-io"
	echo vireo-debian >"$root/etc/hostname"
	printf "127.0.0.1\tlocalhost\n127.0.1.1\tvireo-debian\n" >"$root/etc/hosts"
	echo "LABEL=vireo-root / ext4 defaults,errors=remount-ro 0 1" >"$root/etc/fstab"
	# Vireo'"'"'s user networking answers DNS at 10.0.2.3 (no resolver daemon in the image).
	echo "nameserver 10.0.2.3" >"$root/etc/resolv.conf"
	printf "Types: deb\nURIs: %s\nSuites: %s\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n" \
		"$mirror" "$suite" >"$root/etc/apt/sources.list.d/debian.sources"
' sh "$root" "$r" "$VIREO_MODULES" "$VIREO_KVER" "$VIREO_MIRROR" "$VIREO_SUITE"

info "making the ext4 image ($size)"
as_root mke2fs -q -t ext4 -L vireo-root -d "$root" "$part" "$size" ||
	die "mke2fs failed"
rm -rf "$root"

info "second stage: configuring the packages inside Vireo (this takes a while)"
initrd=$("$here/mkinitramfs.sh" -o "$work/initramfs.cpio.gz" -a "$r/stage2.sh:/vireo/stage2.sh" \
	2>"$work/mkinitramfs.log") || { cat "$work/mkinitramfs.log" >&2; die "mkinitramfs.sh failed"; }
rc=0
timeout "${VIREO_ROOTFS_TIMEOUT:-3600}" "$vireo" run --kernel "$VIREO_KERNEL" --initrd "$initrd" \
	--mem 1G --cpus 2 --drive "file=$part" --no-reboot \
	--append "console=ttyS0 quiet vireo.run=/vireo/stage2.sh" </dev/null >"$work/stage2.log" 2>&1 ||
	rc=$?
if [ $rc -ne 0 ] || ! grep -q "^vireo-rootfs: second stage complete" "$work/stage2.log"; then
	keep=$dir/$name.stage2.log
	cp "$work/stage2.log" "$keep"
	grep -a "vireo-rootfs:\|^E:\|^W:" "$work/stage2.log" | tail -n 20 >&2 || true
	rm -f "$part"
	die "the second stage failed (vireo exit status $rc; console log: $keep)"
fi
e2fsck -fn "$part" >"$work/e2fsck.log" 2>&1 || {
	cat "$work/e2fsck.log" >&2
	rm -f "$part"
	die "e2fsck found errors in the new image"
}
debugfs -R "cat /var/lib/vireo/packages" "$part" 2>/dev/null >"$work/packages"
[ -s "$work/packages" ] || die "the image has no package list"
mv "$work/packages" "$img.packages"
mv "$part" "$img"
rm -f "$dir/$name.stage2.log"
# Images of other recipes or kernels are stale now (your VM's own disk, debian-vm.img, stays).
find "$dir" -maxdepth 1 -name 'debian-*-riscv64-*' ! -name "$name.*" -delete
info "done in $((SECONDS - t0)) s: $(wc -l <"$img.packages") packages, $(du -h "$img" | cut -f1) used"
finish
