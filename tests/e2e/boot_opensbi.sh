#!/usr/bin/env bash
# e2e (b): the same as boot_sbi.sh, with Debian's OpenSBI (fw_dynamic) as the M-mode firmware.
# shellcheck source-path=SCRIPTDIR
. "$(dirname "$0")/lib.sh"
[ -f "$OPENSBI" ] || e2e_die "$OPENSBI missing (Debian package opensbi: scripts/install-deps.sh)"
e2e_assets
log=$e2e_tmp/console.log
e2e_boot "$log" --bios "$OPENSBI" --append "console=ttyS0 vireo.run=/vireo/e2e/check.sh"
e2e_check "OpenSBI ran (its banner is on the console)" e2e_has "$log" "OpenSBI"
e2e_check_guest_report "$log"
e2e_check "clean poweroff: exit status $RC is 0" [ "$RC" -eq 0 ]
e2e_finish "$log"
