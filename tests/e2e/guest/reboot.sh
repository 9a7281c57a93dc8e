# Guest side of tests/e2e/reboot.sh: restart the machine at once.
echo "vireo-e2e: rebooting"
reboot -f
