#!/usr/bin/env bash
# e2e (c): `reboot -f` in the guest, on the built-in SBI and on Debian's OpenSBI (whose reset
# reaches the test finisher as a 16-bit store). With --no-reboot Vireo exits with status 3;
# without it the machine resets and the kernel boots a second time (the banner shows up
# twice), after which the test stops the VM.
# shellcheck source-path=SCRIPTDIR
. "$(dirname "$0")/lib.sh"
[ -f "$OPENSBI" ] || e2e_die "$OPENSBI missing (Debian package opensbi: scripts/install-deps.sh)"
e2e_assets
append="console=ttyS0 vireo.run=/vireo/e2e/reboot.sh"

# reboot_on FIRMWARE [vireo run options...]: both checks on one firmware.
reboot_on() {
	local fw=$1 log=$e2e_tmp/$1-no-reboot.log log2=$e2e_tmp/$1-reboot.log pid t0 alive rc
	shift
	e2e_boot "$log" "$@" --no-reboot --append "$append"
	e2e_check "$fw: the guest asked for the reboot" e2e_has "$log" "vireo-e2e: rebooting"
	e2e_check "$fw: --no-reboot: exit status $RC is 3" [ "$RC" -eq 3 ]
	e2e_check "$fw: --no-reboot: the kernel booted once" \
		[ "$(e2e_count "$log" "vireo-guest: init ready")" -eq 1 ]
	[ "$RC" -eq 3 ] || { echo "---- $log ----"; tail -n 20 "$log"; }

	echo "$e2e_name: running: vireo run --kernel vmlinuz --initrd initramfs --mem 512M $*" \
		"--append '$append' until the second boot"
	"$VIREO" run --kernel "$KERNEL" --initrd "$INITRD" --mem 512M "$@" --append "$append" \
		</dev/null >"$log2" 2>&1 &
	pid=$!
	t0=$SECONDS
	while kill -0 "$pid" 2>/dev/null && [ "$(e2e_count "$log2" "vireo-guest: init ready")" -lt 2 ] &&
		[ $((SECONDS - t0)) -lt "$E2E_TIMEOUT" ]; do
		sleep 1
	done
	if kill -0 "$pid" 2>/dev/null; then
		alive=yes
		kill "$pid"
	else
		alive=no
	fi
	wait "$pid"
	rc=$?
	echo "$e2e_name: $fw: stopped the VM after $((SECONDS - t0)) s (it was running: $alive; status $rc)"
	e2e_check "$fw: without --no-reboot the kernel booted a second time" \
		[ "$(e2e_count "$log2" "vireo-guest: init ready")" -ge 2 ]
	e2e_check "$fw: the VM kept running across the reboot until stopped" [ "$alive" = yes ]
	LAST_LOG=$log2
}

reboot_on sbi
reboot_on opensbi --bios "$OPENSBI"
e2e_check "opensbi: OpenSBI started again after the reset" \
	[ "$(e2e_count "$LAST_LOG" "OpenSBI v")" -ge 2 ]
e2e_finish "$LAST_LOG"
