#!/usr/bin/env bash
# Fetches the guest assets for booting Linux on Vireo: Debian's riscv64 kernel (the packages
# that linux-image-riscv64 depends on, which hold the kernel image and its modules) and
# busybox-static.
#
# usage: scripts/fetch-guest.sh [--quiet]
#
# It uses the Debian mirror already configured on this host (read from /etc/apt/sources.list
# and /etc/apt/sources.list.d/), with a PRIVATE apt state under the cache directory, so the
# host's apt configuration is never touched. Suite: trixie; if its riscv64 index cannot be
# fetched (e.g. "Mirror sync in progress?"), unstable (sid) with a warning.
#
# Environment:
#   VIREO_CACHE          cache directory (default $HOME/.cache/vireo)
#   VIREO_DEBIAN_SUITE   use this suite only (no fallback)
#   VIREO_DEBIAN_MIRROR  use this archive URI instead of the host's one
#   VIREO_REFRESH=1      resolve and download again even if assets are cached
#
# On success it writes $VIREO_CACHE/guest/assets.env (shell assignments VIREO_KERNEL,
# VIREO_MODULES, VIREO_KVER, VIREO_BUSYBOX, VIREO_SUITE, VIREO_MIRROR, VIREO_KEYRING and
# VIREO_PACKAGES, the exact NAME=VERSION of every package used) and prints where the files are.
# A second run with the assets present makes no network access.
set -euo pipefail

cache=${VIREO_CACHE:-${HOME:-/tmp}/.cache/vireo}
quiet=0
[ "${1:-}" = --quiet ] && quiet=1
guest=$cache/guest
aptdir=$cache/apt
envfile=$guest/assets.env

die() { echo "fetch-guest: error: $*" >&2; exit 1; }
warn() { echo "fetch-guest: warning: $*" >&2; }
info() { [ $quiet -eq 1 ] || echo "fetch-guest: $*" >&2; }

for tool in apt-get apt-cache dpkg-deb depmod flock; do
	command -v "$tool" >/dev/null ||
		die "'$tool' not found (Debian packages apt, dpkg, kmod, util-linux: run scripts/install-deps.sh)"
done

mkdir -p "$guest" "$aptdir"
# Tests run in parallel and may all fetch on a fresh machine: one fetch at a time.
exec 9>"$cache/.fetch.lock"
flock 9

print_assets() {
	# shellcheck disable=SC1090
	. "$envfile"
	if [ $quiet -eq 0 ]; then
		echo "kernel:  $VIREO_KERNEL"
		echo "modules: $VIREO_MODULES"
		echo "busybox: $VIREO_BUSYBOX"
		echo "packages: $VIREO_PACKAGES"
		echo "(Debian $VIREO_SUITE, kernel $VIREO_KVER; settings in $envfile)"
	fi
}

assets_present() {
	[ -f "$envfile" ] || return 1
	(
		# shellcheck disable=SC1090
		. "$envfile"
		# A cache from before versions and the mirror were recorded is fetched again.
		[ -n "${VIREO_PACKAGES:-}" ] && [ -n "${VIREO_MIRROR:-}" ] &&
			[ -f "$VIREO_KERNEL" ] && [ -f "$VIREO_MODULES/modules.dep" ] &&
			[ -x "$VIREO_BUSYBOX" ] &&
			{ [ -z "${VIREO_DEBIAN_SUITE:-}" ] || [ "$VIREO_DEBIAN_SUITE" = "$VIREO_SUITE" ]; }
	)
}

if [ "${VIREO_REFRESH:-0}" != 1 ] && assets_present; then
	info "using cached assets"
	print_assets
	exit 0
fi

# Prints "URI KEYRING" of the main Debian archive configured on the host: the first deb entry
# with component main that is not a security, updates or backports suite.
host_mirror() {
	local f
	{
		for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
			[ -f "$f" ] || continue
			# One-line style: deb [opts] URI SUITE COMPONENTS...
			awk '$1 == "deb" {
				opts = ""; i = 2
				if ($2 ~ /^\[/) { while (i <= NF && $i !~ /\]$/) { opts = opts " " $i; i++ }
						  opts = opts " " $i; i++ }
				uri = $i; suite = $(i + 1); main = 0
				for (j = i + 2; j <= NF; j++) if ($j == "main") main = 1
				key = "-"
				if (match(opts, /signed-by=[^] ]*/)) key = substr(opts, RSTART + 10, RLENGTH - 10)
				if (main && suite !~ /-(security|updates|backports)$/ && uri !~ /security/)
					print uri, key
			}' "$f"
		done
		for f in /etc/apt/sources.list.d/*.sources; do
			[ -f "$f" ] || continue
			# deb822 style: paragraphs of "Field: value" lines.
			awk 'function flush() {
				plain = 0
				n = split(suites, sv, " ")
				for (k = 1; k <= n; k++) if (sv[k] !~ /-(security|updates|backports)$/) plain = 1
				if (types ~ /(^| )deb( |$)/ && comps ~ /(^| )main( |$)/ && enabled != "no" &&
				    plain && uris !~ /security/) {
					split(uris, u, " "); print u[1], (key == "" ? "-" : key)
				}
				types = uris = suites = comps = key = enabled = ""
			}
			/^[ \t]*$/ { flush(); next }
			/^#/ { next }
			{ field = tolower($1); sub(/^[^:]*:[ \t]*/, "")
			  if (field == "types:") types = $0
			  else if (field == "uris:") uris = $0
			  else if (field == "suites:") suites = $0
			  else if (field == "components:") comps = $0
			  else if (field == "signed-by:") key = $0
			  else if (field == "enabled:") enabled = tolower($0) }
			END { flush() }' "$f"
		done
	} | awk '$1 ~ /\/debian\/?$/ { print; found = 1; exit } { if (!first) first = $0 }
		END { if (!found && first) print first }'
}

read -r mirror keyring < <(host_mirror || true) || true
[ -n "${VIREO_DEBIAN_MIRROR:-}" ] && mirror=$VIREO_DEBIAN_MIRROR
[ -n "${mirror:-}" ] ||
	die "no Debian archive found in /etc/apt/sources.list or /etc/apt/sources.list.d/ (set VIREO_DEBIAN_MIRROR)"
# A Signed-By may hold an inline key block rather than a path; use the archive keyring then.
if [ -z "${keyring:-}" ] || [ "$keyring" = - ] || [ ! -f "$keyring" ]; then
	keyring=/usr/share/keyrings/debian-archive-keyring.gpg
fi
[ -f "$keyring" ] || die "$keyring missing (Debian package debian-archive-keyring)"

mkdir -p "$aptdir/etc/sources.list.d" "$aptdir/etc/preferences.d" "$aptdir/state/lists/partial" \
	"$aptdir/cache/archives/partial" "$cache/debs"
apt_opts=(
	-o "Dir::Etc::SourceList=$aptdir/etc/sources.list"
	-o "Dir::Etc::SourceParts=$aptdir/etc/sources.list.d"
	-o "Dir::Etc::Preferences=$aptdir/etc/preferences"
	-o "Dir::Etc::PreferencesParts=$aptdir/etc/preferences.d"
	-o "Dir::State=$aptdir/state"
	-o "Dir::State::status=/dev/null"
	-o "Dir::Cache=$aptdir/cache"
	-o "APT::Architecture=riscv64"
	-o "APT::Architectures=riscv64"
	-o "Acquire::Languages=none"
	-o "Acquire::Retries=2"
	-o "Acquire::http::Timeout=30"
	-q
)
# apt drops to the _apt user to download, which cannot enter a private home; as root, the
# downloads are checked against the signed index anyway.
[ "$(id -u)" -eq 0 ] && apt_opts+=(-o "APT::Sandbox::User=root")

# Points the private state at SUITE and fetches its index; fails on any error or warning.
apt_update() {
	echo "deb [arch=riscv64 signed-by=$keyring] $mirror $1 main" >"$aptdir/etc/sources.list"
	rm -rf "$aptdir/state/lists"
	mkdir -p "$aptdir/state/lists/partial"
	apt-get "${apt_opts[@]}" --error-on=any update >"$aptdir/update-$1.log" 2>&1
}

if [ -n "${VIREO_DEBIAN_SUITE:-}" ]; then
	suites=("$VIREO_DEBIAN_SUITE")
else
	suites=(trixie unstable)
fi
suite=
for s in "${suites[@]}"; do
	info "reading Debian $s (riscv64) from $mirror"
	if apt_update "$s"; then
		suite=$s
		break
	fi
	if [ "$s" = trixie ] && [ ${#suites[@]} -gt 1 ]; then
		warn "apt-get update of trixie failed (log: $aptdir/update-trixie.log):"
		grep -E '^(E|W):' "$aptdir/update-trixie.log" | head -n 3 | sed 's/^/    /' >&2 || true
		warn "falling back to Debian unstable (sid); set VIREO_DEBIAN_SUITE to choose"
	fi
done
if [ -z "$suite" ]; then
	log=$aptdir/update-${suites[-1]}.log
	grep -E '^(E|W|Err):' "$log" | head -n 5 | sed 's/^/    /' >&2 || true
	die "cannot read the Debian archive $mirror (suites: ${suites[*]}; log: $log). Is the mirror reachable?"
fi

# Package names that PKG depends on (first alternative of each), one per line.
pkg_depends() {
	apt-cache "${apt_opts[@]}" depends --no-recommends --no-suggests --no-conflicts \
		--no-breaks --no-replaces --no-enhances "$1" |
		awk '$1 ~ /^\|?(Pre)?Depends:$/ { if (!skip) print $2; skip = ($1 ~ /^\|/); next }'
}

# Follow linux-image-riscv64 through the linux-* packages that carry the kernel: trixie's
# linux-image-<ver> holds it directly, sid's splits it into linux-binary-<ver> and
# linux-modules-<ver>.
queue=(linux-image-riscv64)
pkgs=()
while [ ${#queue[@]} -gt 0 ]; do
	p=${queue[0]}
	queue=("${queue[@]:1}")
	case " ${pkgs[*]} " in *" $p "*) continue ;; esac
	pkgs+=("$p")
	while read -r d; do
		case $d in
		linux-image-* | linux-binary-* | linux-modules-* | linux-base-*) queue+=("$d") ;;
		esac
	done < <(pkg_depends "$p")
done
pkgs+=(busybox-static)
info "downloading: ${pkgs[*]}"
(cd "$cache/debs" && apt-get "${apt_opts[@]}" download "${pkgs[@]}" >"$aptdir/download.log" 2>&1) || {
	tail -n 5 "$aptdir/download.log" >&2
	die "apt-get download failed (log: $aptdir/download.log)"
}

# Prints "VERSION ARCH" of the candidate of package NAME in the private index.
pkg_version() {
	apt-cache "${apt_opts[@]}" show --no-all-versions "$1" |
		awk '/^Version:/ { v = $2 } /^Architecture:/ { a = $2 } END { print v, a }'
}

# Extracts the downloaded .deb of each named package into DIR.
extract() {
	local dir=$1 p f v a
	shift
	for p in "$@"; do
		# apt-get download names files PKG_VERSION_ARCH.deb, with ':' quoted as %3a.
		read -r v a < <(pkg_version "$p")
		f=$cache/debs/${p}_${v//:/%3a}_$a.deb
		[ -f "$f" ] || die "downloaded package for $p not found ($f)"
		dpkg-deb -x "$f" "$dir"
	done
}

# The exact packages this cache was made from, as NAME=VERSION words (kept in assets.env).
versions=
for p in "${pkgs[@]}"; do
	read -r v _ < <(pkg_version "$p")
	versions+="${versions:+ }$p=$v"
done
info "packages: $versions"

kdir=$(mktemp -d "$guest/.linux.XXXXXX")
bdir=$(mktemp -d "$guest/.busybox.XXXXXX")
trap 'rm -rf "$kdir" "$bdir"' EXIT
unset 'pkgs[-1]'
extract "$kdir" "${pkgs[@]}"
extract "$bdir" busybox-static

# Not every package has all of these directories: find's complaint about that is no error.
kernel=$({ find "$kdir/boot" "$kdir/usr/lib/modules" "$kdir/lib/modules" -maxdepth 2 \
	\( -name 'vmlinuz-*' -o -name vmlinuz -o -name 'vmlinux-*' \) -type f 2>/dev/null || true; } |
	head -n 1)
[ -n "$kernel" ] || die "no kernel image in ${pkgs[*]}"
moddir=$({ find "$kdir/usr/lib/modules" "$kdir/lib/modules" -mindepth 1 -maxdepth 1 -type d \
	2>/dev/null || true; } | head -n 1)
{ [ -n "$moddir" ] && [ -d "$moddir/kernel" ]; } || die "no modules directory in ${pkgs[*]}"
kver=$(basename "$moddir")
# Debian's packages carry no modules.dep (its postinst runs depmod): make it here. depmod
# looks in BASE/lib/modules, which is usr/lib/modules in a merged-/usr package.
[ -e "$kdir/lib" ] || ln -s usr/lib "$kdir/lib"
depmod -b "$kdir" "$kver" || die "depmod failed on $moddir"
busybox=$(find "$bdir" -path '*bin/busybox' -type f | head -n 1)
[ -n "$busybox" ] || die "no busybox binary in busybox-static"

# Move the finished trees into place only now, so an interrupted run leaves no half cache.
rm -rf "$guest/linux-$kver" "$guest/busybox"
mv "$kdir" "$guest/linux-$kver"
mv "$bdir" "$guest/busybox"
trap - EXIT
{
	printf 'VIREO_KERNEL=%q\n' "$guest/linux-$kver${kernel#"$kdir"}"
	printf 'VIREO_MODULES=%q\n' "$guest/linux-$kver${moddir#"$kdir"}"
	printf 'VIREO_KVER=%q\n' "$kver"
	printf 'VIREO_BUSYBOX=%q\n' "$guest/busybox${busybox#"$bdir"}"
	printf 'VIREO_SUITE=%q\n' "$suite"
	printf 'VIREO_MIRROR=%q\n' "$mirror"
	printf 'VIREO_KEYRING=%q\n' "$keyring"
	printf 'VIREO_PACKAGES=%q\n' "$versions"
} >"$envfile.tmp"
mv "$envfile.tmp" "$envfile"
print_assets
