#!/bin/sh
# busybox udhcpc hook of tests/e2e/guest/net.sh: applies the lease (address, route, DNS).
case $1 in
deconfig)
	ip addr flush dev "$interface"
	;;
bound | renew)
	ip addr flush dev "$interface"
	ip addr add "$ip/${mask:-24}" dev "$interface"
	[ -n "$router" ] && ip route add default via "${router%% *}" dev "$interface"
	[ -n "$dns" ] && echo "nameserver ${dns%% *}" >/etc/resolv.conf
	;;
esac
exit 0
