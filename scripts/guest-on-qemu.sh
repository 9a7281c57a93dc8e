#!/bin/sh
# Run bare-metal guest test ELFs on QEMU (the reference) and report pass/fail.
#
# usage: scripts/guest-on-qemu.sh [-v] [-r] [-t SECONDS] ELF|BUILD_DIR...
#   ELF        run that program
#   BUILD_DIR  run every *.elf found under it
#   -v         show each program's console output (default: only on failure)
#   -t         per-program timeout (default 10 s)
#   -r         real time: drop -icount (see below)
# Each program runs as `qemu-system-riscv64 -M virt -bios none -nographic
# -icount shift=0 -kernel ELF`; the sifive_test finisher's exit status is the
# verdict.  -icount makes QEMU's instret count instructions exactly (without
# it QEMU 7.2 returns host ticks) and time deterministic (1 insn = 1 ns).
# Exit status: 0 if every program passed, 1 otherwise.
set -u

QEMU=${QEMU:-qemu-system-riscv64}
timeout_s=10
verbose=0
icount='-icount shift=0'

while getopts vrt: opt; do
	case $opt in
	v) verbose=1 ;;
	r) icount= ;;
	t) timeout_s=$OPTARG ;;
	*) echo "usage: $0 [-v] [-r] [-t SECONDS] ELF|BUILD_DIR..." >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
if [ $# -eq 0 ]; then
	echo "usage: $0 [-v] [-r] [-t SECONDS] ELF|BUILD_DIR..." >&2
	exit 2
fi

list=$(mktemp)
out=$(mktemp)
trap 'rm -f "$list" "$out"' EXIT
for arg in "$@"; do
	if [ -d "$arg" ]; then
		find "$arg" -name '*.elf' -type f | sort >>"$list"
	elif [ -f "$arg" ]; then
		echo "$arg" >>"$list"
	else
		echo "$0: $arg: no such file or directory" >&2
		exit 2
	fi
done

npass=0
nfail=0
while IFS= read -r elf; do
	timeout "$timeout_s" "$QEMU" -M virt -bios none -nographic -monitor none \
		-serial stdio $icount -kernel "$elf" </dev/null >"$out" 2>&1
	rc=$?
	if [ $rc -eq 0 ]; then
		echo "PASS  $elf"
		npass=$((npass + 1))
		[ $verbose -eq 1 ] && sed 's/^/      /' "$out"
	else
		if [ $rc -eq 124 ]; then
			echo "FAIL  $elf (timeout after ${timeout_s}s)"
		else
			echo "FAIL  $elf (exit status $rc)"
		fi
		nfail=$((nfail + 1))
		sed 's/^/      /' "$out"
	fi
done <"$list"

echo "$npass passed, $nfail failed"
[ $nfail -eq 0 ]
