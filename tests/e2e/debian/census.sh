# Sourced by the Debian e2e scripts: runs common programs of the image with --version or a
# trivial input and reports each that fails, naming the signal that killed it if one did
# ("vireo-e2e: census-fail NAME status N [signal S]"), then "vireo-e2e: census OK/TOTAL".
census_ok=0
census_total=0
t=$(mktemp -d)
printf 'b\na\nc\na\n' >"$t/lines"
printf 'vireo census\n' >"$t/text"

# census NAME COMMAND...: runs COMMAND with no input and its output discarded.
census() {
	name=$1
	shift
	census_total=$((census_total + 1))
	"$@" </dev/null >/dev/null 2>"$t/err"
	st=$?
	if [ $st -eq 0 ]; then
		census_ok=$((census_ok + 1))
	elif [ $st -gt 128 ]; then
		echo "vireo-e2e: census-fail $name status $st signal $(kill -l $((st - 128)))"
	else
		echo "vireo-e2e: census-fail $name status $st: $(head -c 200 "$t/err" | tr '\n' ' ')"
	fi
}

census sh sh -c 'exit 0'
census bash bash -c 'x=$((6 * 7)); [ "$x" = 42 ]'
census date date
census date-utc date -u +%s
census ls ls -l /
census cat cat "$t/text"
census cp cp "$t/text" "$t/copy"
census mv mv "$t/copy" "$t/moved"
census rm rm "$t/moved"
census mkdir mkdir -p "$t/d/e"
census touch touch "$t/d/f"
census ln ln -s "$t/text" "$t/link"
census readlink readlink -f "$t/link"
census chmod chmod 600 "$t/text"
census stat stat "$t/text"
census grep grep -q census "$t/text"
census sed sed -n 1p "$t/text"
census awk awk '{ n++ } END { exit n != 1 }' "$t/text"
census find find /etc -maxdepth 1 -name hostname
census xargs sh -c "echo /etc/hostname | xargs cat"
census sort sort "$t/lines"
census uniq sh -c "sort '$t/lines' | uniq -c"
census wc wc -l "$t/lines"
census head head -n 1 "$t/lines"
census tail tail -n 1 "$t/lines"
census cut cut -c1-3 "$t/text"
census tr tr a-z A-Z <"$t/text"
census tee tee "$t/tee" <"$t/text"
census du du -s /etc
census df df -h /
census id id
census whoami whoami
census uname uname -a
census hostname hostname
census env env
census expr expr 6 \* 7
census seq seq 10
census sha256sum sha256sum "$t/text"
census md5sum md5sum "$t/text"
census base64 base64 "$t/text"
census od od -c "$t/text"
census diff diff "$t/text" "$t/text"
census cmp cmp "$t/text" "$t/text"
census gzip sh -c "gzip -c '$t/text' | gzip -dc"
census xz sh -c "xz -c '$t/text' | xz -dc"
census bzip2 sh -c "bzip2 -c '$t/text' | bzip2 -dc"
census tar tar -cf "$t/a.tar" -C "$t" text
census less less --version
census file file /bin/bash
census ps ps aux
census top top -bn1
census free free -m
census uptime uptime
census pgrep pgrep -x systemd
census ip ip addr
census ss ss -tln
census ping ping -c 1 -W 5 127.0.0.1
census python3 python3 -c 'import json, sqlite3, hashlib; print(json.dumps([1]))'
census sqlite3 sqlite3 :memory: 'select 6 * 7;'
census openssl openssl version
census openssl-dgst openssl dgst -sha256 "$t/text"
census wget wget --version
census perl perl -e 'print 6 * 7'
census systemctl systemctl --version
census journalctl journalctl -n 1 --no-pager
census udevadm udevadm --version
census lsmod lsmod
census modinfo modinfo ext4
census mount mount
census findmnt findmnt /
census lsblk lsblk
census dmesg dmesg
census getent getent passwd root
census apt-get apt-get --version
census dpkg dpkg -l dpkg
census mktemp mktemp -u
census realpath realpath /etc/../etc
census basename basename /a/b
census timeout timeout 5 true
census nice nice true
census factor factor 1234567
census numfmt numfmt --to=iec 1048576
census paste paste "$t/lines" "$t/lines"
census nl nl "$t/lines"
census rev rev "$t/text"
census logger logger vireo census
census dd dd if=/dev/zero of=/dev/null bs=4k count=16
census sleep sleep 0.1
echo "vireo-e2e: census $census_ok/$census_total"
rm -rf "$t"
