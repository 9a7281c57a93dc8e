# Settings of the Debian image that need its own (riscv64) tools, run in a chroot of the new
# root by stage2.sh after debootstrap's second stage.
# The console logs in as root without a password (autologin, see serial-getty drop-in).
passwd -d root
systemctl enable systemd-networkd.service vireo-run.service
# No hardware clock to wait for and no network time: the RTC is the host's clock.
systemctl mask systemd-networkd-wait-online.service
# Set by mkrootfs.sh for the build only: from now on dpkg syncs what it unpacks again.
rm -f /etc/dpkg/dpkg.cfg.d/vireo-build-unsafe-io
apt-get clean
rm -rf /var/lib/apt/lists/*
# What went in, for the host to record next to the image.
dpkg-query -W -f '${Package}=${Version}\n' >/var/lib/vireo/packages
