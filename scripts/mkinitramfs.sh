#!/usr/bin/env bash
# Builds the guest initramfs: a gzip'd newc cpio with busybox-static (riscv64), the virtio and
# pvpanic modules of the Debian kernel (with their dependencies, decompressed) and an /init
# (scripts/guest/init) that loads them, prints "vireo-guest: init ready", then runs a script
# or a shell on the console.
#
# usage: scripts/mkinitramfs.sh [-o OUT] [-s SCRIPT] [-a SRC[:DEST]]... [-m MODULE]...
#   -o OUT     output file (default $VIREO_CACHE/guest/initramfs.cpio.gz)
#   -s SCRIPT  add SCRIPT as /vireo/autorun: init runs it instead of a shell, then powers off
#   -a SRC[:DEST]  add a file (DEST defaults to /vireo/<name of SRC>); the kernel command line
#              option vireo.run=DEST makes init run it, then power off
#   -m MODULE  load this module too (with its dependencies)
#
# The kernel modules and busybox come from scripts/fetch-guest.sh (run if needed); VIREO_CACHE
# as there. Prints the path of the image it wrote.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache=${VIREO_CACHE:-${HOME:-/tmp}/.cache/vireo}
out=$cache/guest/initramfs.cpio.gz
autorun=
adds=()
# The virtio transport and devices Vireo's board offers, the panic notifier, and what they
# need; names as in modules.dep (- and _ are the same to the kernel).
modules=(virtio virtio_ring virtio_mmio virtio_blk virtio_net net_failover failover
	virtio_console virtio-rng rng-core pvpanic pvpanic-mmio)

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
for tool in cpio gzip xz; do
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

# Prints the modules.dep path of module NAME ("" if the kernel has no such module).
mod_path() {
	local n=${1//-/_}
	awk -F: -v n="$n" '{ b = $1; sub(/.*\//, "", b); sub(/\.ko(\.[a-z]+)?$/, "", b)
		gsub(/-/, "_", b); if (b == n) { print $1; exit } }' "$moddir/modules.dep"
}

# Appends PATH and, before it, its dependencies (modules.dep lists them so that the last one
# must load first) to the load order, once each.
order=()
add_module() {
	local p=$1 d deps=()
	case " ${order[*]} " in *" $p "*) return 0 ;; esac
	read -r -a deps < <(awk -F: -v p="$p" '$1 == p { print $2; exit }' "$moddir/modules.dep")
	for ((i = ${#deps[@]} - 1; i >= 0; i--)); do
		d=${deps[i]}
		case " ${order[*]} " in *" $d "*) ;; *) order+=("$d") ;; esac
	done
	order+=("$p")
}

: >"$root/lib/modules/missing.list"
for m in "${modules[@]}"; do
	p=$(mod_path "$m")
	if [ -n "$p" ]; then
		add_module "$p"
	elif awk -v n="${m//-/_}" '{ b = $0; sub(/.*\//, "", b); sub(/\.ko$/, "", b); gsub(/-/, "_", b)
			if (b == n) f = 1 } END { exit !f }' "$moddir/modules.builtin"; then
		: # built into the kernel: nothing to load
	else
		warn "module $m is neither a module nor built into kernel $VIREO_KVER; skipped"
		echo "$m" >>"$root/lib/modules/missing.list"
	fi
done

# busybox insmod cannot read compressed modules: store them decompressed.
: >"$root/lib/modules/load.list"
for p in "${order[@]}"; do
	name=$(basename "$p")
	case $name in
	*.ko.xz) xz -dc "$moddir/$p" >"$root/lib/modules/${name%.xz}" ;;
	*.ko.zst) zstd -qdc "$moddir/$p" >"$root/lib/modules/${name%.zst}" ;;
	*.ko.gz) gzip -dc "$moddir/$p" >"$root/lib/modules/${name%.gz}" ;;
	*.ko) cp "$moddir/$p" "$root/lib/modules/$name" ;;
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
