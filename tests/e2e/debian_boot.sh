#!/usr/bin/env bash
# e2e: a full Debian system with systemd boots from a virtio disk (the image of
# scripts/mkrootfs.sh) on the built-in SBI and on OpenSBI, with 1 and 2 harts. Each boot must
# reach multi-user.target with `systemctl is-system-running` answering "running" and no failed
# unit, and run the census of debian/census.sh (50+ common programs, none may die of a signal).
# Then systemd ends it: `systemctl poweroff` must give exit status 0, `systemctl reboot` with
# --no-reboot status 3; each firmware does one of each.
. "$(dirname "$0")/lib.sh"
e2e_assets
e2e_rootfs
OPENSBI=${OPENSBI:-/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_dynamic.bin}
[ -f "$OPENSBI" ] || e2e_die "$OPENSBI missing (Debian package opensbi)"

for boot in "sbi 1 poweroff" "sbi 2 reboot" "opensbi 2 poweroff" "opensbi 1 reboot"; do
	read -r fw cpus action <<<"$boot"
	what="$fw, $cpus hart(s), $action"
	run=$e2e_tmp/run-$fw-$cpus
	mkdir -p "$run"
	cp "$E2E_SRC/tests/e2e/debian/systemd.sh" "$run/run.sh"
	cp "$E2E_SRC/tests/e2e/debian/census.sh" "$run/"
	echo "$action" >"$run/action"
	e2e_rundisk "$run" "$run.img"
	fwopt=()
	[ "$fw" = opensbi ] && fwopt=(--bios "$OPENSBI")
	log=$e2e_tmp/console-$fw-$cpus.log
	e2e_boot_debian "$log" "$run.img" --cpus "$cpus" --no-reboot "${fwopt[@]}"
	e2e_check "$what: systemd is running ('$(e2e_value "$log" state)')" \
		[ "$(e2e_value "$log" state)" = running ]
	e2e_check "$what: no failed units ($(e2e_value "$log" failed))" \
		[ "$(e2e_value "$log" failed)" = "[]" ]
	e2e_check "$what: multi-user.target is active" \
		[ "$(e2e_value "$log" multi-user)" = active ]
	e2e_check "$what: the guest sees $cpus CPU(s) ('$(e2e_value "$log" cpus)')" \
		[ "$(e2e_value "$log" cpus)" = "$cpus" ]
	e2e_check_census "$log" "$what"
	want=0
	[ "$action" = reboot ] && want=3
	e2e_check "$what: systemctl $action gave exit status $RC (want $want)" [ "$RC" -eq "$want" ]
	[ "$e2e_failures" -eq 0 ] || e2e_finish "$log"
done
e2e_check "e2fsck finds the root file system clean after the last boot" e2fsck -fn "$ROOTFS"
e2e_finish
