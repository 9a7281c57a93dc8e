# shellcheck shell=bash
# Shared helpers of the end-to-end Linux boot tests (sourced by tests/e2e/*.sh, bash).
# Each test boots Debian's riscv64 kernel with the busybox initramfs on build/vireo, lets the
# guest run a script from tests/e2e/guest/ (kernel command line vireo.run=...), and checks the
# console output and the exit status. The assets are fetched if missing (scripts/fetch-guest.sh).
#
# usage of a test: tests/e2e/NAME.sh [PATH_TO_VIREO]   (default: $VIREO or build/vireo)
set -uo pipefail

E2E_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
VIREO=${1:-${VIREO:-$E2E_SRC/build/vireo}}
# Each boot gets this long (seconds) before it counts as hung; meson allows 600 per test.
E2E_TIMEOUT=${E2E_TIMEOUT:-540}
OPENSBI=${OPENSBI:-/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_dynamic.bin}
e2e_failures=0
e2e_name=$(basename "$0" .sh)

e2e_tmp=$(mktemp -d "${TMPDIR:-/tmp}/vireo-e2e-$e2e_name.XXXXXX")
trap 'rm -rf "$e2e_tmp"' EXIT

# Prints a failure and aborts the test (for setup steps the checks cannot go without).
e2e_die() {
	echo "$e2e_name: FAIL: $*"
	exit 1
}

# Records one check: e2e_check "what was checked" command [args...].
e2e_check() {
	local what=$1
	shift
	if "$@"; then
		echo "$e2e_name: ok: $what"
	else
		echo "$e2e_name: FAIL: $what"
		e2e_failures=$((e2e_failures + 1))
	fi
}

# Ends the test: on failure shows the end of the console log LOG.
e2e_finish() {
	local log=${1:-}
	if [ "$e2e_failures" -ne 0 ]; then
		if [ -n "$log" ] && [ -f "$log" ]; then
			echo "---- last 40 lines of the console ($log) ----"
			tail -n 40 "$log"
		fi
		echo "$e2e_name: $e2e_failures check(s) failed"
		exit 1
	fi
	echo "$e2e_name: all checks passed"
	exit 0
}

# Fetches the kernel and busybox if missing and builds an initramfs with the guest scripts
# (tests/e2e/guest/) under /vireo/e2e/, plus any SRC:DEST pairs a test put in the array
# E2E_EXTRA, and the extra kernel modules named in E2E_MODULES; sets KERNEL, KVER and INITRD.
E2E_EXTRA=()
E2E_MODULES=()
e2e_assets() {
	local a args=()
	[ -x "$VIREO" ] || e2e_die "$VIREO not built (make build)"
	"$E2E_SRC/scripts/fetch-guest.sh" --quiet || e2e_die "cannot fetch the guest assets"
	# shellcheck disable=SC1091
	. "${VIREO_CACHE:-${HOME:-/tmp}/.cache/vireo}/guest/assets.env"
	KERNEL=$VIREO_KERNEL
	KVER=$VIREO_KVER
	for a in "$E2E_SRC"/tests/e2e/guest/*; do
		args+=(-a "$a:/vireo/e2e/$(basename "$a")")
	done
	for a in "${E2E_EXTRA[@]}"; do
		args+=(-a "$a")
	done
	for a in "${E2E_MODULES[@]}"; do
		args+=(-m "$a")
	done
	INITRD=$("$E2E_SRC/scripts/mkinitramfs.sh" -o "$e2e_tmp/initramfs.cpio.gz" "${args[@]}" \
		2>"$e2e_tmp/mkinitramfs.log") || {
		cat "$e2e_tmp/mkinitramfs.log"
		e2e_die "mkinitramfs.sh failed"
	}
	echo "$e2e_name: kernel $KVER ($KERNEL)"
}

# Finds e2fsprogs' tools (also in /sbin for non-root PATHs) or aborts the test.
e2e_need_e2fsprogs() {
	local tool
	for tool in mke2fs debugfs e2fsck; do
		command -v "$tool" >/dev/null || PATH=$PATH:/sbin:/usr/sbin
		command -v "$tool" >/dev/null || e2e_die "'$tool' not found (Debian package e2fsprogs)"
	done
}

# Prefixes each line of stdin with the host's time in seconds (bash builtin: no fork per
# line) and drops the console's carriage returns.
e2e_stamp() {
	local line
	while IFS= read -r line || [ -n "$line" ]; do
		printf '%(%s)T %s\n' -1 "${line//$'\r'/}"
	done
}

# Boots the guest: e2e_boot LOG [vireo run options...]; the console goes to LOG with host
# time stamps; sets RC to vireo's exit status (124 if it hung past E2E_TIMEOUT).
e2e_boot() {
	local log=$1
	shift
	local t0=$SECONDS
	echo "$e2e_name: running: vireo run --kernel vmlinuz --initrd initramfs --mem 512M $*"
	timeout "$E2E_TIMEOUT" "$VIREO" run --kernel "$KERNEL" --initrd "$INITRD" --mem 512M "$@" \
		</dev/null 2>&1 | e2e_stamp >"$log"
	RC=${PIPESTATUS[0]}
	echo "$e2e_name: vireo exited with status $RC after $((SECONDS - t0)) s"
}

# True if STRING matches the glob PATTERN.
e2e_match() {
	# shellcheck disable=SC2053 # the pattern is meant to be a glob
	[[ $1 == $2 ]]
}

# True if the integers A and B differ by at most TOLERANCE.
e2e_near() {
	[[ $1 =~ ^[0-9]+$ && $2 =~ ^[0-9]+$ ]] && (($1 - $2 <= $3 && $2 - $1 <= $3))
}

# True if VALUE is one of the other arguments.
e2e_in() {
	local v=$1 x
	shift
	for x in "$@"; do [ "$v" = "$x" ] && return 0; done
	return 1
}

# Where a guest script's report "vireo-e2e: KEY VALUE" may stand in a console log line (after
# e2e_stamp's time stamp, a sed pattern): at the start, or after the prefix systemd gives the
# console output of the Debian image's vireo-run.service ("[time] vireo-run[pid]: "), which
# may itself follow a shell prompt that shared the line. A shell's echo of a typed command
# that prints a report does not match.
E2E_REPORT='\(.*\] vireo-run\[[0-9]*\]: \)\{0,1\}vireo-e2e: '

# Prints the value after "vireo-e2e: KEY " in console log LOG (the guest scripts' reports).
e2e_value() {
	sed -n "s/^[0-9]* $E2E_REPORT$2 //p" "$1" | head -n 1
}

# Prints the host's time stamp (e2e_stamp) of the first report "vireo-e2e: KEY " in LOG.
e2e_stamp_of() {
	sed -n "s/^\([0-9]*\) $E2E_REPORT$2 .*/\1/p" "$1" | head -n 1
}

# True if console log LOG has a line containing TEXT.
e2e_has() {
	grep -qF -- "$2" "$1"
}

# Count of console lines in LOG containing TEXT.
e2e_count() {
	grep -cF -- "$2" "$1"
}

# Checks the report of guest/check.sh in console log LOG against the host's own answers.
e2e_check_guest_report() {
	local log=$1 isa epoch stamp fib awk_out sha mods
	e2e_check "the guest printed 'vireo-guest: init ready'" e2e_has "$log" "vireo-guest: init ready"
	isa=$(e2e_value "$log" isa)
	e2e_check "/proc/cpuinfo isa '$isa' starts with rv64imafdc" e2e_match "$isa" 'rv64imafdc*'
	epoch=$(e2e_value "$log" epoch)
	stamp=$(e2e_stamp_of "$log" epoch)
	e2e_check "guest date (RTC) '$epoch' is within 60 s of the host's '$stamp'" \
		e2e_near "$epoch" "$stamp" 60
	fib=$(e2e_value "$log" fib90)
	e2e_check "shell arithmetic: fib(90) = '$fib' (2880067194370816120)" \
		[ "$fib" = 2880067194370816120 ]
	awk_out=$(awk -f "$E2E_SRC/tests/e2e/guest/calc.awk")
	e2e_check "awk sum of squares, Leibniz pi, Newton sqrt(2): '$(e2e_value "$log" awk)' ($awk_out)" \
		[ "$(e2e_value "$log" awk)" = "$awk_out" ]
	sha=$(printf 'vireo e2e\n' | sha256sum | cut -d' ' -f1)
	e2e_check "sha256sum in the guest matches the host's ($sha)" \
		[ "$(e2e_value "$log" sha256)" = "$sha" ]
	mods=$(e2e_value "$log" modules)
	e2e_check "virtio_mmio module loaded (modules: $mods)" e2e_match " $mods " '* virtio_mmio *'
	e2e_check "the script ran to its end" e2e_has "$log" "vireo-guest: /vireo/e2e/check.sh exited with status 0"
}

# Copies the Debian image (scripts/mkrootfs.sh builds it on first use, then it is cached) to
# $e2e_tmp/debian.img for this test to write to, and sets ROOTFS.
e2e_rootfs() {
	e2e_need_e2fsprogs
	VIREO=$VIREO "$E2E_SRC/scripts/mkrootfs.sh" -o "$e2e_tmp/debian.img" >/dev/null \
		2>"$e2e_tmp/mkrootfs.log" || {
		cat "$e2e_tmp/mkrootfs.log"
		e2e_die "mkrootfs.sh failed"
	}
	ROOTFS=$e2e_tmp/debian.img
	echo "$e2e_name: Debian image with $(wc -l <"$ROOTFS.packages") packages" \
		"($(grep -E '^(systemd|python3)=' "$ROOTFS.packages" | tr '\n' ' '))"
}

# Makes IMG, a small ext4 image holding the files of directory DIR, for the Debian image's
# vireo-run.service, which runs its run.sh: e2e_rundisk DIR IMG.
e2e_rundisk() {
	mke2fs -q -F -t ext4 -L vireo-run -d "$1" "$2" 16M || e2e_die "mke2fs of the run disk failed"
}

# Boots the Debian image ROOTFS through the initramfs with RUNDISK as /dev/vdb:
# e2e_boot_debian LOG RUNDISK [vireo run options...]; sets RC as e2e_boot.
e2e_boot_debian() {
	local log=$1 disk=$2
	shift 2
	e2e_boot "$log" --drive "file=$ROOTFS" --drive "file=$disk,ro=on" \
		--append "root=/dev/vda rw console=ttyS0 vireo.rundisk=/dev/vdb" "$@"
}

# Checks the census of debian/census.sh in console log LOG: every program ran and exited 0
# (a signal death names the program and the signal), and there were at least 50.
e2e_check_census() {
	local log=$1 what=$2 census ok total
	census=$(e2e_value "$log" census)
	ok=${census%/*} total=${census#*/}
	sed -n "s/^[0-9]* ${E2E_REPORT}census-fail /    failed: /p" "$log"
	e2e_check "$what: census of common programs: $census ran cleanly" \
		eval '[[ $ok =~ ^[0-9]+$ ]] && [ "$ok" = "$total" ] && [ "$total" -ge 50 ]'
}
