# Guest side of bench/disk.sh: virtio-blk throughput on /dev/vda, which the host made as a
# fresh raw image. Reports, as "vireo-e2e: KEY VALUE" console lines: the seconds a sequential
# write of vireo.mib MiB takes (dd bs=1M conv=fsync, from /dev/zero) and a sequential read of
# them after dropping the page cache (dd bs=1M iflag=direct), then 4 KiB random read and write
# IOPS with O_DIRECT for vireo.secs seconds each (randio). Times come from /proc/uptime.
mib=256
secs=10
# shellcheck disable=SC2013 # the command line is one line of words
for arg in $(cat /proc/cmdline); do
	case $arg in
	vireo.mib=*) mib=${arg#*=} ;;
	vireo.secs=*) secs=${arg#*=} ;;
	esac
done
dev=/dev/vda
now() { cut -d' ' -f1 /proc/uptime; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }

echo "vireo-e2e: sectors $(cat /sys/block/vda/size 2>/dev/null || echo none)"
t0=$(now)
if dd if=/dev/zero of=$dev bs=1M count="$mib" conv=fsync 2>/tmp/dd.log; then
	echo "vireo-e2e: seqwrite_seconds $(since "$t0")"
else
	echo "vireo-e2e: seqwrite failed: $(tail -n 1 /tmp/dd.log)"
fi
sync
echo 3 >/proc/sys/vm/drop_caches
t0=$(now)
if dd if=$dev of=/dev/null bs=1M count="$mib" iflag=direct 2>/tmp/dd.log; then
	echo "vireo-e2e: seqread_seconds $(since "$t0")"
else
	echo "vireo-e2e: seqread failed: $(tail -n 1 /tmp/dd.log)"
fi
/vireo/bench/randio read $dev "$secs" || echo "vireo-e2e: randread failed"
/vireo/bench/randio write $dev "$secs" || echo "vireo-e2e: randwrite failed"
