#!/usr/bin/env bash
# Builds the guest initramfs: a gzip'd newc cpio with busybox-static (riscv64), the virtio,
# pvpanic and ext4 modules of the Debian kernel (with everything they need, decompressed) and an /init
# (scripts/guest/init) that loads them, prints "vireo-guest: init ready", then runs a script
# or a shell on the console.
#
# usage: scripts/mkinitramfs.sh [-o OUT] [-s SCRIPT] [-a SRC[:DEST]]... [-m MODULE]...
#   -o OUT     output file (default $VIREO_CACHE/guest/initramfs.cpio.gz)
#   -s SCRIPT  add SCRIPT as /vireo/autorun: init runs it instead of a shell, then powers off
#   -a SRC[:DEST]  add a file (DEST defaults to /vireo/<name of SRC>); the kernel command line
#              option vireo.run=DEST makes init run it, then power off
#   -m MODULE  load this module (or alias) too, with its dependencies and soft dependencies
#
# The kernel modules and busybox come from scripts/fetch-guest.sh (run if needed); VIREO_CACHE
# as there. Prints the path of the image it wrote.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache=${VIREO_CACHE:-${HOME:-/tmp}/.cache/vireo}
out=$cache/guest/initramfs.cpio.gz
autorun=
adds=()
# The virtio transport and devices Vireo's board offers, the panic notifier and ext4 (for a
# root file system on a virtio disk); names or aliases as modprobe takes them.
modules=(virtio virtio_ring virtio_mmio virtio_blk virtio_net net_failover failover
	virtio_console virtio-rng rng-core pvpanic pvpanic-mmio ext4)

die() { echo "mkinitramfs: error: $*" >&2; exit 1; }
warn() { echo "mkinitramfs: warning: $*" >&2; }
usage() {
	sed -n 's/^# \{0,1\}//; 7,13p' "$0" >&2
	exit 2
}

while getopts o:s:a:m:h opt; do
	case $opt in
	o) out=$OPTARG ;;
	s) autorun=$OPTARG ;;
	a) adds+=("$OPTARG") ;;
	m) modules+=("$OPTARG") ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 0 ] || usage
for tool in cpio gzip xz modprobe; do
	command -v "$tool" >/dev/null || PATH=$PATH:/usr/sbin:/sbin
	command -v "$tool" >/dev/null || die "'$tool' not found (run scripts/install-deps.sh)"
done
[ -z "$autorun" ] || [ -f "$autorun" ] || die "$autorun: no such file"

"$here/fetch-guest.sh" --quiet
# shellcheck disable=SC1091
. "$cache/guest/assets.env"
moddir=$VIREO_MODULES
[ -f "$moddir/modules.dep" ] || die "$moddir/modules.dep missing (rerun with VIREO_REFRESH=1)"

root=$(mktemp -d "${TMPDIR:-/tmp}/vireo-initramfs.XXXXXX")
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,dev,proc,sys,tmp,run,root,etc,lib/modules,vireo}
install -m 0755 "$VIREO_BUSYBOX" "$root/bin/busybox"
install -m 0755 "$here/guest/init" "$root/init"
echo "root:x:0:0:root:/root:/bin/sh" >"$root/etc/passwd"
echo "root:x:0:" >"$root/etc/group"
echo 'PS1="vireo:\w# "' >"$root/etc/profile"

# Resolves every requested module with kmod's own resolver against the guest kernel's tree:
# `modprobe --show-depends` follows aliases (e.g. crypto-crc32c), modules.dep and the soft
# dependencies of modules.softdep (ext4 and jbd2 want crypto-crc32c loaded first), and prints
# the insmod lines in load order, or "builtin NAME" for what the kernel has built in.
# fetch-guest.sh made the tree's index with depmod; depmod and modprobe look in BASE/lib/modules.
base=${moddir%/lib/modules/*}
base=${base%/usr}
order=()
: >"$root/lib/modules/missing.list"
for m in "${modules[@]}"; do
	if ! lines=$(modprobe -d "$base" -S "$VIREO_KVER" --show-depends "$m" 2>/dev/null); then
		warn "module $m is neither a module nor built into kernel $VIREO_KVER; skipped"
		echo "$m" >>"$root/lib/modules/missing.list"
		continue
	fi
	while read -r verb path _; do
		[ "$verb" = insmod ] || continue
		case " ${order[*]} " in *" $path "*) ;; *) order+=("$path") ;; esac
	done <<<"$lines"
done

# busybox insmod cannot read compressed modules: store them decompressed.
: >"$root/lib/modules/load.list"
for p in "${order[@]}"; do
	[ -f "$p" ] || die "modprobe named $p, which does not exist"
	name=$(basename "$p")
	case $name in
	*.ko.xz) xz -dc "$p" >"$root/lib/modules/${name%.xz}" ;;
	*.ko.zst) zstd -qdc "$p" >"$root/lib/modules/${name%.zst}" ;;
	*.ko.gz) gzip -dc "$p" >"$root/lib/modules/${name%.gz}" ;;
	*.ko) cp "$p" "$root/lib/modules/$name" ;;
	*) die "unexpected module file $p" ;;
	esac
	echo "${name%.ko*}.ko" >>"$root/lib/modules/load.list"
done

[ -n "$autorun" ] && install -m 0755 "$autorun" "$root/vireo/autorun"
for a in "${adds[@]}"; do
	src=${a%%:*}
	dest=/vireo/$(basename "$src")
	[ "$a" != "$src" ] && dest=${a#*:}
	[ -f "$src" ] || die "$src: no such file"
	case $dest in /*) ;; *) die "$dest: destination must be an absolute path" ;; esac
	mkdir -p "$root$(dirname "$dest")"
	install -m 0755 "$src" "$root$dest"
done

mkdir -p "$(dirname "$out")"
tmp=$out.tmp.$$
(cd "$root" && find . -mindepth 1 | LC_ALL=C sort |
	cpio --quiet -o -H newc -R 0:0 --reproducible) | gzip -9n >"$tmp"
mv "$tmp" "$out"
echo "mkinitramfs: $out ($(du -k "$out" | cut -f1) KiB; modules: $(tr '\n' ' ' <"$root/lib/modules/load.list"))" >&2
echo "$out"
