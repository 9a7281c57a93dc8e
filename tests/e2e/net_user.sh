#!/usr/bin/env bash
# e2e: virtio-net with user-mode networking (--net user,hostfwd=...). The guest gets 10.0.2.15
# by DHCP (busybox udhcpc), fetches a file from an HTTP server this test runs on 127.0.0.1
# through 10.0.2.2, and serves a page that a host client fetches through the forwarded port.
# All traffic stays on this machine's loopback (host-loopback=on: the default keeps the guest
# away from the host's 127.0.0.1). Prints the guest's download rate.
. "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || e2e_die "python3 is needed for the host side"
e2e_assets
log=$e2e_tmp/console.log
www=$e2e_tmp/www
mkdir -p "$www"
head -c $((4 << 20)) /dev/urandom >"$www/payload.bin"
want_sha=$(sha256sum "$www/payload.bin" | cut -d' ' -f1)

# Two free loopback ports, picked by the kernel.
read -r http_port fwd_port < <(python3 -c '
import socket
s = [socket.socket() for _ in range(2)]
for x in s: x.bind(("127.0.0.1", 0))
print(*(x.getsockname()[1] for x in s))')

python3 -m http.server --bind 127.0.0.1 --directory "$www" "$http_port" \
	>"$e2e_tmp/http.log" 2>&1 &
http_pid=$!
trap 'kill "$http_pid" 2>/dev/null; rm -rf "$e2e_tmp"' EXIT
# The guest must not race the server's start-up.
for _ in $(seq 50); do
	python3 -c 'import socket, sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1)' \
		"$http_port" 2>/dev/null && break
	sleep 0.2
done

echo "$e2e_name: HTTP server on 127.0.0.1:$http_port, hostfwd 127.0.0.1:$fwd_port -> guest :80"
t0=$SECONDS
timeout "$E2E_TIMEOUT" "$VIREO" run --kernel "$KERNEL" --initrd "$INITRD" --mem 512M \
	--net "user,host-loopback=on,hostfwd=tcp:127.0.0.1:$fwd_port-:80" \
	--append "console=ttyS0 vireo.run=/vireo/e2e/net.sh vireo.httpport=$http_port" \
	</dev/null 2>&1 | e2e_stamp >"$log" &
vireo_pid=$!

# Wait for the guest's web server, then fetch its page through the forwarded port.
page=
while kill -0 "$vireo_pid" 2>/dev/null && [ $((SECONDS - t0)) -lt "$E2E_TIMEOUT" ]; do
	if e2e_has "$log" "vireo-e2e: httpd ready"; then
		page=$(python3 -c '
import sys, urllib.request
print(urllib.request.urlopen("http://127.0.0.1:%s/index.html" % sys.argv[1], timeout=30).read().decode().strip())' \
			"$fwd_port" 2>"$e2e_tmp/fetch.err")
		touch "$www/done"
		break
	fi
	sleep 1
done
wait "$vireo_pid"
RC=$?
echo "$e2e_name: vireo exited with status $RC after $((SECONDS - t0)) s"

e2e_check "the guest NIC has MAC 52:54:00:12:34:50" \
	[ "$(e2e_value "$log" eth0)" = 52:54:00:12:34:50 ]
e2e_check "DHCP gave the guest 10.0.2.15 ('$(e2e_value "$log" ip)')" \
	[ "$(e2e_value "$log" ip)" = 10.0.2.15 ]
e2e_check "default route via 10.0.2.2 ('$(e2e_value "$log" gateway)')" \
	[ "$(e2e_value "$log" gateway)" = 10.0.2.2 ]
e2e_check "wget from the host's HTTP server succeeded" [ "$(e2e_value "$log" wget-status)" = 0 ]
e2e_check "the guest's copy has the host file's sha256" \
	[ "$(e2e_value "$log" payload-sha256)" = "$want_sha" ]
e2e_check "hostfwd: the host fetched the guest's page ('$page')" \
	[ "$page" = "served by the vireo guest" ]
e2e_check "the guest saw the host finish" e2e_has "$log" "vireo-e2e: host done"
e2e_check "clean poweroff: exit status $RC is 0" [ "$RC" -eq 0 ]
secs=$(e2e_value "$log" payload-seconds)
bytes=$(e2e_value "$log" payload-bytes)
if [[ $secs =~ ^[0-9.]+$ && $bytes =~ ^[0-9]+$ ]]; then
	echo "$e2e_name: guest download: $bytes bytes in $secs s ($(awk -v b="$bytes" -v s="$secs" \
		'BEGIN { printf "%.2f", (s > 0) ? b * 8 / s / 1e6 : 0 }') Mbit/s)"
fi
e2e_finish "$log"
