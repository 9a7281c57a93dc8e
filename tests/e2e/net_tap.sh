#!/usr/bin/env bash
# e2e: virtio-net on a TAP interface (--net tap,ifname=...). Makes a private network namespace
# with a persistent tap at 192.0.2.1/24 (TEST-NET-1) and an HTTP server on it, runs Vireo in
# that namespace; the guest (192.0.2.15) pings the host end and fetches a file. Nothing leaves
# the namespace. Needs root (ip netns); skipped (status 77) otherwise.
. "$(dirname "$0")/lib.sh"
if [ "$(id -u)" -ne 0 ] || ! command -v ip >/dev/null || ! command -v python3 >/dev/null ||
	[ ! -e /dev/net/tun ]; then
	echo "$e2e_name: SKIP: needs root, iproute2, python3 and /dev/net/tun"
	exit 77
fi
e2e_assets
log=$e2e_tmp/console.log
www=$e2e_tmp/www
ns=vireo-e2e-$$
tap=vtap0
port=8080
mkdir -p "$www"
head -c $((1 << 20)) /dev/urandom >"$www/payload.bin"
want_sha=$(sha256sum "$www/payload.bin" | cut -d' ' -f1)

ip netns add "$ns" || e2e_die "cannot create network namespace $ns"
http_pid=
cleanup() {
	[ -n "$http_pid" ] && kill "$http_pid" 2>/dev/null
	ip netns delete "$ns" 2>/dev/null
	rm -rf "$e2e_tmp"
}
trap cleanup EXIT
ip -n "$ns" link set lo up
ip -n "$ns" tuntap add "$tap" mode tap || e2e_die "cannot create $tap in $ns"
ip -n "$ns" addr add 192.0.2.1/24 dev "$tap"
ip -n "$ns" link set "$tap" up
ip netns exec "$ns" python3 -m http.server --bind 192.0.2.1 --directory "$www" "$port" \
	>"$e2e_tmp/http.log" 2>&1 &
http_pid=$!
# The guest must not race the server's start-up.
for _ in $(seq 50); do
	ip netns exec "$ns" python3 -c 'import socket, sys; socket.create_connection(("192.0.2.1", int(sys.argv[1])), 1)' \
		"$port" 2>/dev/null && break
	sleep 0.2
done

t0=$SECONDS
ip netns exec "$ns" timeout "$E2E_TIMEOUT" "$VIREO" run --kernel "$KERNEL" --initrd "$INITRD" \
	--mem 512M --net "tap,ifname=$tap" \
	--append "console=ttyS0 vireo.run=/vireo/e2e/net_tap.sh vireo.httpport=$port" \
	</dev/null 2>&1 | e2e_stamp >"$log"
RC=${PIPESTATUS[0]}
echo "$e2e_name: vireo exited with status $RC after $((SECONDS - t0)) s"

e2e_check "the guest pinged the host end of the tap" [ "$(e2e_value "$log" ping-status)" = 0 ]
e2e_check "wget from the HTTP server in the namespace succeeded" \
	[ "$(e2e_value "$log" wget-status)" = 0 ]
e2e_check "the guest's copy has the host file's sha256" \
	[ "$(e2e_value "$log" payload-sha256)" = "$want_sha" ]
e2e_check "clean poweroff: exit status $RC is 0" [ "$RC" -eq 0 ]
e2e_finish "$log"
