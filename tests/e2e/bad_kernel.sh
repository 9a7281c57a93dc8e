#!/usr/bin/env bash
# e2e (e): a truncated kernel image is refused with a clear error and exit status 2, before
# anything runs: cut inside the Image header, and cut inside the body (Debian's vmlinuz has an
# EFI stub whose PE section table says how long the file must be).
# shellcheck source-path=SCRIPTDIR
. "$(dirname "$0")/lib.sh"
e2e_assets
size=$(stat -c %s "$KERNEL")

# Runs vireo on the first BYTES bytes of the kernel and checks how it refuses them.
truncated_case() {
	local bytes=$1 bad=$e2e_tmp/vmlinuz-truncated-$1 log=$e2e_tmp/err-$1.log rc
	head -c "$bytes" "$KERNEL" >"$bad"
	echo "$e2e_name: running: vireo run --kernel vmlinuz-truncated-$bytes ($bytes of $size bytes)"
	timeout 60 "$VIREO" run --kernel "$bad" --initrd "$INITRD" --mem 512M --append console=ttyS0 \
		</dev/null >"$e2e_tmp/stdout-$bytes" 2>"$log"
	rc=$?
	echo "$e2e_name: vireo said: $(head -n 3 "$log")"
	e2e_check "$bytes bytes: exit status $rc is 2" [ "$rc" -eq 2 ]
	e2e_check "$bytes bytes: the error names the kernel file" grep -qF -- "$bad" "$log"
	e2e_check "$bytes bytes: the error says the file is truncated or too short" \
		grep -qiE 'truncat|too short|short' "$log"
	e2e_check "$bytes bytes: nothing was booted (no console output)" [ ! -s "$e2e_tmp/stdout-$bytes" ]
}

truncated_case 40
truncated_case $((size / 3))
e2e_finish "$e2e_tmp/err-$((size / 3)).log"
