# Guest side of tests/e2e/disk.sh: mounts the ext4 disk /dev/vda, reads the host's file,
# writes files, syncs and unmounts; checks that the read-only /dev/vdb refuses writes and
# that virtio-rng feeds /dev/hwrng. Reports lines "vireo-e2e: KEY VALUE" for the host.
echo "vireo-e2e: vda_sectors $(cat /sys/block/vda/size 2>/dev/null)"
echo "vireo-e2e: vdb_ro $(cat /sys/block/vdb/ro 2>/dev/null)"
mkdir -p /mnt
if mount -t ext4 /dev/vda /mnt; then
	echo "vireo-e2e: mounted yes"
	echo "vireo-e2e: hostfile $(cat /mnt/hello.txt)"
	echo "written by the guest" >/mnt/guest.txt
	mkdir -p /mnt/dir
	dd if=/dev/urandom of=/mnt/dir/big.bin bs=64k count=64 2>/dev/null
	echo "vireo-e2e: big_sha256 $(sha256sum /mnt/dir/big.bin | cut -d' ' -f1)"
	sync
	echo "vireo-e2e: synced yes"
	umount /mnt && echo "vireo-e2e: umounted yes"
fi
if dd if=/dev/zero of=/dev/vdb bs=512 count=1 conv=fsync 2>/dev/null; then
	echo "vireo-e2e: ro_write allowed"
else
	echo "vireo-e2e: ro_write refused"
fi
echo "vireo-e2e: vdb_head $(dd if=/dev/vdb bs=16 count=1 2>/dev/null)"
echo "vireo-e2e: rng $(cat /sys/class/misc/hw_random/rng_current 2>/dev/null)"
echo "vireo-e2e: hwrng_bytes $(dd if=/dev/hwrng bs=32 count=1 2>/dev/null | wc -c)"
