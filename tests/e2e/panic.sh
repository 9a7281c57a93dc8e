#!/usr/bin/env bash
# e2e (d): a kernel panic (sysrq 'c') ends the VM with a non-zero status, on the built-in SBI
# and on Debian's OpenSBI: 4 when the guest's pvpanic driver told Vireo about it. Debian's
# riscv64 kernel may be built without pvpanic (CONFIG_PVPANIC unset in 7.x): then panic=-1
# makes the kernel reset the machine at once (through SBI SRST; OpenSBI then writes the test
# finisher), and with --no-reboot Vireo ends with the reboot status 3 instead.
# shellcheck source-path=SCRIPTDIR
. "$(dirname "$0")/lib.sh"
[ -f "$OPENSBI" ] || e2e_die "$OPENSBI missing (Debian package opensbi: scripts/install-deps.sh)"
e2e_assets

# panic_on FIRMWARE [vireo run options...]: the checks on one firmware.
panic_on() {
	local fw=$1
	shift
	LOG=$e2e_tmp/$fw-console.log
	e2e_boot "$LOG" "$@" --no-reboot --append "console=ttyS0 panic=-1 vireo.run=/vireo/e2e/panic.sh"
	e2e_check "$fw: the guest crashed the kernel" e2e_has "$LOG" "vireo-e2e: crashing"
	e2e_check "$fw: the kernel panicked" e2e_has "$LOG" "Kernel panic"
	e2e_check "$fw: the VM ended by itself (status $RC, not a timeout)" [ "$RC" -ne 124 ]
	e2e_check "$fw: exit status $RC is non-zero" [ "$RC" -ne 0 ]
	if e2e_has "$LOG" "vireo-e2e: pvpanic loaded"; then
		e2e_check "$fw: pvpanic loaded in the guest: exit status $RC is 4" [ "$RC" -eq 4 ]
	else
		echo "$e2e_name: note: kernel $KVER has no pvpanic driver; the panic reaches Vireo as a reset"
		e2e_check "$fw: no pvpanic in the guest: exit status $RC is 4 or 3 (reset after the panic)" \
			e2e_in "$RC" 4 3
	fi
	[ "$e2e_failures" -eq 0 ] || { echo "---- $LOG ----"; tail -n 20 "$LOG"; }
}

panic_on sbi
panic_on opensbi --bios "$OPENSBI"
e2e_finish "$LOG"
