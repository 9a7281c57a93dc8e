#!/usr/bin/env bash
# e2e (a): Linux boots with Vireo's built-in SBI, runs a script (ISA string, RTC date, CPU
# results) and powers off cleanly: exit status 0.
# shellcheck source-path=SCRIPTDIR
. "$(dirname "$0")/lib.sh"
e2e_assets
log=$e2e_tmp/console.log
e2e_boot "$log" --append "console=ttyS0 vireo.run=/vireo/e2e/check.sh"
e2e_check_guest_report "$log"
e2e_check "clean poweroff: exit status $RC is 0" [ "$RC" -eq 0 ]
e2e_finish "$log"
