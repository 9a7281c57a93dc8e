#!/usr/bin/env bash
# e2e: durability of virtio-blk. The guest (guest/disk_kill.sh) writes a file on an ext4 image,
# runs sync and prints a marker; the host kills Vireo with SIGKILL the moment the marker shows,
# then finds the file, whole, in the image (debugfs), also after e2fsck replays the journal.
. "$(dirname "$0")/lib.sh"
e2e_need_e2fsprogs
E2E_MODULES=(ext4)
e2e_assets
img=$e2e_tmp/disk.img
mke2fs -q -F -t ext4 "$img" 64M || e2e_die "mke2fs failed"

log=$e2e_tmp/console.log
echo "$e2e_name: running: vireo run ... --drive file=disk.img (killed after the guest's sync)"
"$VIREO" run --kernel "$KERNEL" --initrd "$INITRD" --mem 512M --drive "file=$img" \
	--append "console=ttyS0 vireo.run=/vireo/e2e/disk_kill.sh" </dev/null >"$log" 2>&1 &
pid=$!
for _ in $(seq 600); do
	grep -q "vireo-e2e: synced yes" "$log" && break
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.5
done
synced=no
grep -q "vireo-e2e: synced yes" "$log" && synced=yes
kill -KILL "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
e2e_check "the guest's sync returned before the kill" [ "$synced" = yes ]
want=$(seq 1 50000 | sha256sum | cut -d' ' -f1)
e2e_check "the guest wrote the expected file ($(sed -n 's/^vireo-e2e: durable-sha //p' "$log"))" \
	[ "$(sed -n 's/^vireo-e2e: durable-sha //p' "$log" | tr -d '\r')" = "$want" ]
got=$(debugfs -R "cat /durable.txt" "$img" 2>/dev/null | sha256sum | cut -d' ' -f1)
e2e_check "after SIGKILL the image holds the synced file ($got)" [ "$got" = "$want" ]
# The file system was never unmounted: e2fsck replays the journal and may fix summary counts
# (exit 1); anything worse (exit >= 2) would mean the image was damaged.
e2fsck -fy "$img" >"$e2e_tmp/e2fsck.log" 2>&1
fsck_rc=$?
e2e_check "e2fsck after journal replay: exit status $fsck_rc is 0 or 1" [ "$fsck_rc" -le 1 ]
e2e_check "the synced file is still whole after e2fsck" \
	[ "$(debugfs -R "cat /durable.txt" "$img" 2>/dev/null | sha256sum | cut -d' ' -f1)" = "$want" ]
e2e_finish "$log"
