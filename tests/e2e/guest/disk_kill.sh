# Guest side of tests/e2e/disk_kill.sh: write a file on /dev/vda, sync, say so, then wait to be
# killed: what sync promised must be in the host's image although Vireo never exits cleanly.
mkdir -p /mnt
if ! mount -t ext4 /dev/vda /mnt; then
	echo "vireo-e2e: mounted no"
	exit 1
fi
seq 1 50000 >/mnt/durable.txt
echo "vireo-e2e: durable-sha $(sha256sum /mnt/durable.txt | cut -d' ' -f1)"
sync
echo "vireo-e2e: synced yes"
sleep 600
