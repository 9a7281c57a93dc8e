#!/usr/bin/env bash
# e2e: virtio-blk on qcow2 overlays (docs/qcow2.md). The host makes an ext4 image with a file
# in it (mke2fs -d) and puts a qcow2 overlay over it with qemu-img (format probed by Vireo),
# and a read-only qcow2 overlay over a small raw image; the guest (guest/disk.sh, as in
# disk.sh) mounts /dev/vda, reads the file, writes new ones, syncs and powers off. The host
# then checks that the base image is untouched, that `qemu-img check` finds the overlay
# clean, and, on the overlay converted to raw, finds the guest's files with debugfs and a
# clean file system with e2fsck. Skipped (status 77) without qemu-img (Debian qemu-utils).
. "$(dirname "$0")/lib.sh"
command -v qemu-img >/dev/null || {
	echo "SKIP: qemu-img not found (Debian package qemu-utils)"
	exit 77
}
e2e_need_e2fsprogs
E2E_MODULES=(ext4)
e2e_assets

base=$e2e_tmp/base.img
ov=$e2e_tmp/overlay.qcow2
ro_base=$e2e_tmp/ro.raw
ro_ov=$e2e_tmp/ro.qcow2
mkdir -p "$e2e_tmp/root"
echo "hello from the host" >"$e2e_tmp/root/hello.txt"
mke2fs -q -F -t ext4 -d "$e2e_tmp/root" "$base" 64M || e2e_die "mke2fs failed"
base_sha=$(sha256sum "$base" | cut -d' ' -f1)
qemu-img create -q -f qcow2 -o cluster_size=65536 -b base.img -F raw "$ov" ||
	e2e_die "qemu-img create failed"
printf 'read-only disk..' >"$ro_base"
truncate -s 1M "$ro_base"
qemu-img create -q -f qcow2 -b ro.raw -F raw "$ro_ov" || e2e_die "qemu-img create failed"

log=$e2e_tmp/console.log
e2e_boot "$log" --drive "file=$ov" --drive "file=$ro_ov,format=qcow2,ro=on" \
	--append "console=ttyS0 vireo.run=/vireo/e2e/disk.sh"

e2e_check "clean poweroff: exit status $RC is 0" [ "$RC" -eq 0 ]
e2e_check "the guest sees /dev/vda with 131072 sectors ($(e2e_value "$log" vda_sectors))" \
	[ "$(e2e_value "$log" vda_sectors)" = 131072 ]
e2e_check "the guest mounted /dev/vda (ext4)" [ "$(e2e_value "$log" mounted)" = yes ]
e2e_check "the guest read the host's file through the overlay" \
	[ "$(e2e_value "$log" hostfile)" = "hello from the host" ]
e2e_check "sync and umount returned" [ "$(e2e_value "$log" umounted)" = yes ]
e2e_check "the base image is untouched" [ "$(sha256sum "$base" | cut -d' ' -f1)" = "$base_sha" ]
e2e_check "qemu-img check finds the overlay clean" qemu-img check -q "$ov"
qemu-img convert -O raw "$ov" "$e2e_tmp/flat.img" || e2e_die "qemu-img convert failed"
got=$(debugfs -R "cat /guest.txt" "$e2e_tmp/flat.img" 2>/dev/null)
e2e_check "the guest's /guest.txt is in the overlay ('$got')" [ "$got" = "written by the guest" ]
sha=$(debugfs -R "cat /dir/big.bin" "$e2e_tmp/flat.img" 2>/dev/null | sha256sum | cut -d' ' -f1)
e2e_check "the guest's 4 MiB /dir/big.bin has the same sha256 on the host ($sha)" \
	[ "$sha" = "$(e2e_value "$log" big_sha256)" ]
e2e_check "e2fsck finds the overlay's file system clean" e2fsck -fn "$e2e_tmp/flat.img"
e2e_check "/dev/vdb (a read-only qcow2 overlay) is read-only in the guest" \
	[ "$(e2e_value "$log" vdb_ro)" = 1 ]
e2e_check "a write to /dev/vdb fails" [ "$(e2e_value "$log" ro_write)" = refused ]
e2e_check "the guest reads /dev/vdb through the overlay ('$(e2e_value "$log" vdb_head)')" \
	[ "$(e2e_value "$log" vdb_head)" = "read-only disk.." ]
e2e_finish "$log"
