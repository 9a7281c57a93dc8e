# Guest side of tests/e2e/boot_sbi.sh and boot_opensbi.sh: reports what the host checks.
echo "vireo-e2e: isa $(sed -n 's/^isa[[:space:]]*:[[:space:]]*//p' /proc/cpuinfo | head -n 1)"
echo "vireo-e2e: harts $(grep -c '^processor' /proc/cpuinfo)"
echo "vireo-e2e: epoch $(date +%s)"
# Shell arithmetic, awk floating point (calc.awk) and a hash: the CPU engine has to get
# all of them right.
a=0 b=1 i=0
while [ $i -lt 90 ]; do t=$((a + b)); a=$b; b=$t; i=$((i + 1)); done
echo "vireo-e2e: fib90 $a"
echo "vireo-e2e: awk $(awk -f /vireo/e2e/calc.awk)"
echo "vireo-e2e: sha256 $(printf 'vireo e2e\n' | sha256sum | cut -d' ' -f1)"
echo "vireo-e2e: modules $(cut -d' ' -f1 /proc/modules | sort | tr '\n' ' ')"
