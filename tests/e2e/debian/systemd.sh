# run.sh of tests/e2e/debian_boot.sh: how systemd's boot ended, the census, then the action
# the host wrote to the file "action" (poweroff or reboot).
state=$(systemctl is-system-running --wait)
echo "vireo-e2e: state $state"
echo "vireo-e2e: failed [$(systemctl list-units --failed --plain --no-legend | awk '{ print $1 }' | tr '\n' ' ')]"
echo "vireo-e2e: multi-user $(systemctl is-active multi-user.target)"
echo "vireo-e2e: cpus $(nproc)"
echo "vireo-e2e: kernel $(uname -r)"
. ./census.sh
action=$(cat action)
echo "vireo-e2e: action $action"
systemctl "$action"
