# Guest side of tests/e2e/net_user.sh (virtio-net on user-mode networking): gets an address by
# DHCP, fetches a file from the host's HTTP server through 10.0.2.2, then serves a page on port
# 80 for the host to fetch through hostfwd until the host says it is done. The host's HTTP
# port comes from the kernel command line (vireo.httpport=N).
port=$(sed -n 's/.*vireo\.httpport=\([0-9]*\).*/\1/p' /proc/cmdline)
echo "vireo-e2e: eth0 $(cat /sys/class/net/eth0/address 2>/dev/null || echo missing)"
ip link set lo up
ip link set eth0 up
udhcpc -i eth0 -s /vireo/e2e/net_udhcpc.sh -n -q -t 10 -T 2 >/dev/null 2>&1
echo "vireo-e2e: ip $(ip -4 addr show dev eth0 | sed -n 's/.*inet \([0-9.]*\).*/\1/p')"
echo "vireo-e2e: gateway $(ip route | sed -n 's/^default via \([0-9.]*\).*/\1/p')"
t0=$(cut -d' ' -f1 /proc/uptime)
wget -q -T 30 -O /tmp/payload "http://10.0.2.2:$port/payload.bin"
rc=$?
t1=$(cut -d' ' -f1 /proc/uptime)
echo "vireo-e2e: wget-status $rc"
echo "vireo-e2e: payload-sha256 $(sha256sum /tmp/payload | cut -d' ' -f1)"
echo "vireo-e2e: payload-bytes $(wc -c </tmp/payload)"
echo "vireo-e2e: payload-seconds $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')"
mkdir -p /tmp/www
echo "served by the vireo guest" >/tmp/www/index.html
httpd -p 80 -h /tmp/www
echo "vireo-e2e: httpd ready"
i=0
while [ $i -lt 120 ] && ! wget -q -T 5 -O /dev/null "http://10.0.2.2:$port/done" 2>/dev/null; do
	sleep 1
	i=$((i + 1))
done
echo "vireo-e2e: host done after $i s"
