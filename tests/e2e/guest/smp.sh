# Guest side of tests/e2e/smp.sh: which CPUs are online, and a threaded workload on all of them.
echo "vireo-e2e: online $(cat /sys/devices/system/cpu/online)"
echo "vireo-e2e: nproc $(nproc)"
/vireo/e2e/smp_threads "$(nproc)"
echo "vireo-e2e: threads-status $?"
