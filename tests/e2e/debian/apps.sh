# run.sh of tests/e2e/debian_apps.sh: everyday programs of a Debian system doing real work,
# each reported as "vireo-e2e: KEY VALUE" for the host to compare with its own answers; then a
# file written and synced to the root disk, and a clean power off through systemd.
# The host writes its HTTP port to the file "httpport".
r() { echo "vireo-e2e: $*"; }

r state "$(systemctl is-system-running --wait)"
r epoch "$(date +%s)"
r bash "$(bash -c 'a=(3 1 2); s=0; for x in "${a[@]}"; do s=$((s + x * x)); done; echo $s')"
r python "$(python3 - <<'PY'
import hashlib, json, sqlite3
n = 0
for i in range(200000):
    n = (n * 31 + i) % 1000003
db = sqlite3.connect(":memory:")
db.execute("create table t (k integer primary key, v text)")
db.executemany("insert into t values (?, ?)", ((i, "v%d" % i) for i in range(1000)))
rows = db.execute("select count(*), sum(k) from t").fetchone()
doc = json.loads(json.dumps({"loop": n, "rows": rows, "sha": hashlib.sha256(b"vireo").hexdigest()}))
print(doc["loop"], doc["rows"][0], doc["rows"][1], doc["sha"])
PY
)"
r sqlite "$(sqlite3 :memory: "create table t(k integer primary key, v text);
with recursive c(x) as (select 1 union all select x + 1 from c where x < 10000)
insert into t select x, printf('row%d', x) from c;
select count(*), sum(k), max(v) from t where k % 7 = 0;")"
printf 'vireo openssl\n' >/tmp/o.txt
r openssl "$(openssl dgst -sha256 -r /tmp/o.txt | cut -d' ' -f1)"
mkdir -p /tmp/tar/src && seq 1 20000 >/tmp/tar/src/numbers && cp /etc/os-release /tmp/tar/src/
tar -czf /tmp/tar/a.tgz -C /tmp/tar src && mkdir /tmp/tar/out && tar -xzf /tmp/tar/a.tgz -C /tmp/tar/out &&
	diff -r /tmp/tar/src /tmp/tar/out/src && r tar ok || r tar failed
r ps "$(ps -e -o comm= | grep -cx systemd)"
top -bn1 | head -n 1 | grep -q '^top' && r top ok || r top failed
# DHCP through --net user (systemd-networkd), then a file from the host's HTTP server.
i=0
while [ $i -lt 60 ] && ! ip -4 -o addr show scope global | grep -q 10.0.2.15; do
	sleep 1
	i=$((i + 1))
done
r ip "$(ip -4 -o addr show scope global | awk '{ split($4, a, "/"); print a[1]; exit }')"
r gateway "$(ip route show default | awk '{ print $3; exit }')"
wget -q -O /tmp/payload.bin "http://10.0.2.2:$(cat httpport)/payload.bin"
r wget-status $?
r payload-sha256 "$(sha256sum /tmp/payload.bin | cut -d' ' -f1)"
# Written through the page cache and synced: the host checks it after power off.
cp /tmp/payload.bin /root/from-guest.bin
echo "written by the Debian guest" >/root/guest.txt
sync
r synced yes
systemctl poweroff
