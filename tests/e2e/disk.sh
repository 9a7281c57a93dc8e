#!/usr/bin/env bash
# e2e: virtio-blk and virtio-rng under Linux. The host makes an ext4 image with a file in it
# (mke2fs -d) and a small read-only image; the guest (guest/disk.sh) mounts /dev/vda, reads
# the file, writes new ones, syncs and powers off; the host then finds the guest's files in
# the image with debugfs, and e2fsck finds the file system clean.
. "$(dirname "$0")/lib.sh"
e2e_need_e2fsprogs
E2E_MODULES=(ext4)
e2e_assets

img=$e2e_tmp/disk.img
ro_img=$e2e_tmp/ro.img
mkdir -p "$e2e_tmp/root"
echo "hello from the host" >"$e2e_tmp/root/hello.txt"
mke2fs -q -F -t ext4 -d "$e2e_tmp/root" "$img" 64M || e2e_die "mke2fs failed"
printf 'read-only disk..' >"$ro_img"
truncate -s 1M "$ro_img"

log=$e2e_tmp/console.log
e2e_boot "$log" --drive "file=$img" --drive "file=$ro_img,ro=on" \
	--append "console=ttyS0 vireo.run=/vireo/e2e/disk.sh"

e2e_check "clean poweroff: exit status $RC is 0" [ "$RC" -eq 0 ]
e2e_check "the guest sees /dev/vda with 131072 sectors ($(e2e_value "$log" vda_sectors))" \
	[ "$(e2e_value "$log" vda_sectors)" = 131072 ]
e2e_check "the guest mounted /dev/vda (ext4)" [ "$(e2e_value "$log" mounted)" = yes ]
e2e_check "the guest read the host's file" \
	[ "$(e2e_value "$log" hostfile)" = "hello from the host" ]
e2e_check "sync and umount returned" [ "$(e2e_value "$log" umounted)" = yes ]
got=$(debugfs -R "cat /guest.txt" "$img" 2>/dev/null)
e2e_check "the guest's /guest.txt is in the image ('$got')" [ "$got" = "written by the guest" ]
sha=$(debugfs -R "cat /dir/big.bin" "$img" 2>/dev/null | sha256sum | cut -d' ' -f1)
e2e_check "the guest's 4 MiB /dir/big.bin has the same sha256 on the host ($sha)" \
	[ "$sha" = "$(e2e_value "$log" big_sha256)" ]
e2e_check "e2fsck finds the image clean" e2fsck -fn "$img"
e2e_check "/dev/vdb is read-only in the guest" [ "$(e2e_value "$log" vdb_ro)" = 1 ]
e2e_check "a write to /dev/vdb fails" [ "$(e2e_value "$log" ro_write)" = refused ]
e2e_check "the read-only image is unchanged" \
	[ "$(head -c 16 "$ro_img")" = "read-only disk.." ]
e2e_check "the guest reads /dev/vdb ('$(e2e_value "$log" vdb_head)')" \
	[ "$(e2e_value "$log" vdb_head)" = "read-only disk.." ]
e2e_check "virtio-rng is the guest's hwrng ($(e2e_value "$log" rng))" \
	eval '[[ $(e2e_value "$log" rng) == virtio_rng* ]]'
e2e_check "/dev/hwrng gives bytes ($(e2e_value "$log" hwrng_bytes))" \
	[ "$(e2e_value "$log" hwrng_bytes)" = 32 ]
e2e_finish "$log"
