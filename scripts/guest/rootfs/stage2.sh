#!/bin/sh
# Second stage of scripts/mkrootfs.sh, run by the busybox initramfs inside Vireo itself
# (vireo.run=): the riscv64 half of debootstrap (unpacking and configuring every package, which
# runs the packages' riscv64 maintainer scripts), then the settings that need the guest's own
# tools. Each step's failure ends the run with a line the host looks for.
fail() {
	echo "vireo-rootfs: FAILED: $*"
	exit 1
}

mkdir -p /mnt
mount -t ext4 /dev/vda /mnt || fail "cannot mount /dev/vda"
mount -t proc proc /mnt/proc || fail "cannot mount /proc"
mount -t sysfs sysfs /mnt/sys || fail "cannot mount /sys"
mount -o bind /dev /mnt/dev || fail "cannot bind /dev"

if [ -x /mnt/debootstrap/debootstrap ]; then
	echo "vireo-rootfs: debootstrap second stage"
	chroot /mnt /debootstrap/debootstrap --second-stage || {
		tail -n 30 /mnt/debootstrap/debootstrap.log 2>/dev/null
		fail "debootstrap --second-stage"
	}
fi
echo "vireo-rootfs: configuring"
chroot /mnt /bin/sh -e /var/lib/vireo/configure.sh || fail "configure.sh"
rm -f /mnt/var/lib/vireo/configure.sh

umount /mnt/dev /mnt/sys /mnt/proc
umount /mnt || fail "cannot unmount /dev/vda"
echo "vireo-rootfs: second stage complete"
