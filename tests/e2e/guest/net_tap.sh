# Guest side of tests/e2e/net_tap.sh (virtio-net on a host TAP in a private network namespace):
# takes 192.0.2.15/24, pings the host end 192.0.2.1 and fetches a file from its HTTP server.
port=$(sed -n 's/.*vireo\.httpport=\([0-9]*\).*/\1/p' /proc/cmdline)
ip link set lo up
ip link set eth0 up
ip addr add 192.0.2.15/24 dev eth0
ping -c 3 -W 5 192.0.2.1 >/dev/null 2>&1
echo "vireo-e2e: ping-status $?"
wget -q -T 30 -O /tmp/payload "http://192.0.2.1:$port/payload.bin"
echo "vireo-e2e: wget-status $?"
echo "vireo-e2e: payload-sha256 $(sha256sum /tmp/payload | cut -d' ' -f1)"
