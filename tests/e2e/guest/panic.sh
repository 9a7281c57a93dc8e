# Guest side of tests/e2e/panic.sh: crash the kernel (sysrq 'c' calls panic()).
if grep -q '^pvpanic' /proc/modules; then echo "vireo-e2e: pvpanic loaded"; else echo "vireo-e2e: pvpanic absent"; fi
echo "vireo-e2e: crashing"
echo c >/proc/sysrq-trigger
