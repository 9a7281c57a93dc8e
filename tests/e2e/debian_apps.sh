#!/usr/bin/env bash
# e2e: everyday programs of a full Debian system (scripts/mkrootfs.sh's image) doing real work
# on the built-in SBI: date, bash, python3 (json, sqlite3, hashlib, a numeric loop), sqlite3
# (10k rows), openssl dgst, tar/gzip, ps/top, DHCP through --net user (systemd-networkd) and a
# file fetched from an HTTP server on the host's loopback. Each answer is compared with the
# host's own. The guest then writes and syncs a file and powers off with systemctl; the host
# finds the file in the image and e2fsck finds the file system clean.
. "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || e2e_die "python3 is needed for the host side"
command -v sqlite3 >/dev/null || e2e_die "sqlite3 is needed for the host side"
e2e_assets
e2e_rootfs
www=$e2e_tmp/www
mkdir -p "$www"
head -c $((1 << 20)) /dev/urandom >"$www/payload.bin"
want_sha=$(sha256sum "$www/payload.bin" | cut -d' ' -f1)
http_port=$(python3 -c '
import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 -m http.server --bind 127.0.0.1 --directory "$www" "$http_port" >"$e2e_tmp/http.log" 2>&1 &
http_pid=$!
trap 'kill "$http_pid" 2>/dev/null; rm -rf "$e2e_tmp"' EXIT

run=$e2e_tmp/run
mkdir -p "$run"
cp "$E2E_SRC/tests/e2e/debian/apps.sh" "$run/run.sh"
echo "$http_port" >"$run/httpport"
e2e_rundisk "$run" "$run.img"
log=$e2e_tmp/console.log
e2e_boot_debian "$log" "$run.img" --net user,host-loopback=on

v() { e2e_value "$log" "$1"; }
e2e_check "systemd is running ('$(v state)')" [ "$(v state)" = running ]
stamp=$(e2e_stamp_of "$log" epoch)
e2e_check "date in the guest '$(v epoch)' is within 60 s of the host's '$stamp'" \
	e2e_near "$(v epoch)" "$stamp" 60
e2e_check "bash arrays and arithmetic: '$(v bash)' (14)" [ "$(v bash)" = 14 ]
want_py=$(python3 - <<'PY'
import hashlib
n = 0
for i in range(200000):
    n = (n * 31 + i) % 1000003
print(n, 1000, sum(range(1000)), hashlib.sha256(b"vireo").hexdigest())
PY
)
e2e_check "python3 loop, sqlite3, json, hashlib: '$(v python)' ($want_py)" [ "$(v python)" = "$want_py" ]
want_sql=$(sqlite3 :memory: "create table t(k integer primary key, v text);
with recursive c(x) as (select 1 union all select x + 1 from c where x < 10000)
insert into t select x, printf('row%d', x) from c;
select count(*), sum(k), max(v) from t where k % 7 = 0;")
e2e_check "sqlite3 10k-row insert and select: '$(v sqlite)' ($want_sql)" [ "$(v sqlite)" = "$want_sql" ]
want_dgst=$(printf 'vireo openssl\n' | sha256sum | cut -d' ' -f1)
e2e_check "openssl dgst -sha256 agrees with the host" [ "$(v openssl)" = "$want_dgst" ]
e2e_check "tar/gzip round trip" [ "$(v tar)" = ok ]
e2e_check "ps lists systemd once ('$(v ps)')" [ "$(v ps)" = 1 ]
e2e_check "top -bn1 works" [ "$(v top)" = ok ]
e2e_check "DHCP (systemd-networkd) gave 10.0.2.15 ('$(v ip)')" [ "$(v ip)" = 10.0.2.15 ]
e2e_check "default route via 10.0.2.2 ('$(v gateway)')" [ "$(v gateway)" = 10.0.2.2 ]
e2e_check "wget from the host's HTTP server succeeded" [ "$(v wget-status)" = 0 ]
e2e_check "the download has the host file's sha256" [ "$(v payload-sha256)" = "$want_sha" ]
e2e_check "the guest synced its files" [ "$(v synced)" = yes ]
e2e_check "systemctl poweroff: exit status $RC is 0" [ "$RC" -eq 0 ]
e2e_check "e2fsck finds the root file system clean" e2fsck -fn "$ROOTFS"
got=$(debugfs -R "cat /root/guest.txt" "$ROOTFS" 2>/dev/null)
e2e_check "the guest's /root/guest.txt is in the image ('$got')" \
	[ "$got" = "written by the Debian guest" ]
sha=$(debugfs -R "cat /root/from-guest.bin" "$ROOTFS" 2>/dev/null | sha256sum | cut -d' ' -f1)
e2e_check "the guest's copy of the download is intact in the image" [ "$sha" = "$want_sha" ]
e2e_finish "$log"
