#!/usr/bin/env bash
# e2e (c): `reboot -f` in the guest. With --no-reboot Vireo exits with status 3; without it
# the machine resets and the kernel boots a second time (the banner shows up twice), after
# which the test stops the VM.
# shellcheck source-path=SCRIPTDIR
. "$(dirname "$0")/lib.sh"
e2e_assets
append="console=ttyS0 vireo.run=/vireo/e2e/reboot.sh"

log=$e2e_tmp/no-reboot.log
e2e_boot "$log" --no-reboot --append "$append"
e2e_check "the guest asked for the reboot" e2e_has "$log" "vireo-e2e: rebooting"
e2e_check "--no-reboot: exit status $RC is 3" [ "$RC" -eq 3 ]
e2e_check "--no-reboot: the kernel booted once" [ "$(e2e_count "$log" "vireo-guest: init ready")" -eq 1 ]

log2=$e2e_tmp/reboot.log
echo "$e2e_name: running: vireo run --kernel vmlinuz --initrd initramfs --mem 512M --append '$append'" \
	"until the second boot"
"$VIREO" run --kernel "$KERNEL" --initrd "$INITRD" --mem 512M --append "$append" \
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
echo "$e2e_name: stopped the VM after $((SECONDS - t0)) s (it was running: $alive; status $rc)"
e2e_check "without --no-reboot the kernel booted a second time" \
	[ "$(e2e_count "$log2" "vireo-guest: init ready")" -ge 2 ]
e2e_check "the VM kept running across the reboot until stopped" [ "$alive" = yes ]
[ "$e2e_failures" -eq 0 ] || { echo "---- $log ----"; tail -n 20 "$log"; }
e2e_finish "$log2"
