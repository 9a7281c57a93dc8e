#!/usr/bin/env bash
# e2e: the host console on a virtio-console (--console virtio). Linux boots with
# "console=ttyS0 console=hvc0": init's first messages (before virtio_mmio is loaded) go to the
# UART, whose output still reaches stdout; hvc0, named last, then becomes /dev/console and
# init's shell runs on it. stdin is a pipe here, so it is passed through as it is. The test
# waits for "vireo-guest: init ready" (input sent earlier could be flushed by the tty layer),
# then types commands into the shell and checks their output: the shell's terminal is
# /dev/hvc0, a 20 KiB here-document arrives intact (sha256), and a reader of /dev/ttyS0 got
# nothing meanwhile.
# shellcheck source-path=SCRIPTDIR
# shellcheck disable=SC2016 # the single-quoted commands are expanded by the guest's shell
. "$(dirname "$0")/lib.sh"
e2e_assets
log=$e2e_tmp/console.log
fifo=$e2e_tmp/stdin
mkfifo "$fifo" || e2e_die "mkfifo failed"

# Waits until the guest reported KEY ("vireo-e2e: KEY ..." at the start of a console line, not
# the echo of the command that prints it), while vireo runs; false on time-out.
wait_for() {
	local t=0
	until [ -n "$(e2e_value "$log" "$1")" ]; do
		[ -f "$e2e_tmp/rc" ] && return 1
		((t++ < E2E_TIMEOUT * 5)) || return 1
		sleep 0.2
	done
}

# What the guest gets typed: 300 lines of text, and the host's sha256 of them.
for i in $(seq 300); do
	printf 'line %03d: the quick brown fox jumps over the lazy dog %d\n' "$i" $((i * i))
done >"$e2e_tmp/input.txt"
want_sha=$(sha256sum "$e2e_tmp/input.txt" | cut -d' ' -f1)

echo "$e2e_name: running: vireo run --kernel vmlinuz --initrd initramfs --mem 512M --console virtio" \
	"--append 'console=ttyS0 console=hvc0' <pipe"
t0=$SECONDS
{
	timeout "$E2E_TIMEOUT" "$VIREO" run --kernel "$KERNEL" --initrd "$INITRD" --mem 512M \
		--console virtio --append "console=ttyS0 console=hvc0" <"$fifo" 2>&1
	echo $? >"$e2e_tmp/rc"
} | e2e_stamp >"$log" &
# A write after vireo exited must not kill this script (SIGPIPE): it fails instead.
trap "" PIPE
exec 3>"$fifo" # hold the guest's stdin open until the end

# Each command is typed once the previous one answered, so echo and output do not interleave.
until e2e_has "$log" "vireo-guest: init ready"; do
	[ -f "$e2e_tmp/rc" ] && break
	sleep 0.2
done
if e2e_has "$log" "vireo-guest: init ready"; then
	echo "$e2e_name: init ready after $((SECONDS - t0)) s"
	echo 'echo "vireo-e2e: tty $(tty)"' >&3
	wait_for tty &&
		echo 'echo "vireo-e2e: calc $((6 * 7))"' >&3 &&
		wait_for calc &&
		# Anything the UART receives meanwhile lands in /tmp/uart.bin: there must be nothing.
		echo 'stty -F /dev/ttyS0 raw -echo; cat /dev/ttyS0 >/tmp/uart.bin & echo "vireo-e2e: reader $!"' >&3 &&
		wait_for reader &&
		{
			echo "cat >/tmp/input.txt <<'EOF'"
			cat "$e2e_tmp/input.txt"
			echo "EOF"
			echo 'echo "vireo-e2e: sha256 $(sha256sum </tmp/input.txt | cut -d" " -f1)"'
		} >&3 &&
		wait_for sha256 &&
		echo 'kill $!; echo "vireo-e2e: uart_rx $(wc -c </tmp/uart.bin)"' >&3 &&
		wait_for uart_rx
	echo 'poweroff -f' >&3
fi
exec 3>&-
wait
RC=$(cat "$e2e_tmp/rc" 2>/dev/null || echo none)
echo "$e2e_name: vireo exited with status $RC after $((SECONDS - t0)) s"

e2e_check "the guest printed 'vireo-guest: init ready' (on the UART)" \
	e2e_has "$log" "vireo-guest: init ready"
e2e_check "hvc0 became a console" e2e_has "$log" "console [hvc0] enabled"
e2e_check "the shell's terminal is /dev/hvc0 ('$(e2e_value "$log" tty)')" \
	[ "$(e2e_value "$log" tty)" = /dev/hvc0 ]
e2e_check "a command typed on stdin ran: 6 * 7 = '$(e2e_value "$log" calc)'" \
	[ "$(e2e_value "$log" calc)" = 42 ]
e2e_check "20 KiB typed into a here-document arrived intact (sha256 $(e2e_value "$log" sha256))" \
	[ "$(e2e_value "$log" sha256)" = "$want_sha" ]
e2e_check "the UART received no host input ('$(e2e_value "$log" uart_rx)' bytes)" \
	[ "$(e2e_value "$log" uart_rx)" = 0 ]
e2e_check "clean poweroff: exit status $RC is 0" [ "$RC" = 0 ]
e2e_finish "$log"
