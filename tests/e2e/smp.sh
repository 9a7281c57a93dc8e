#!/usr/bin/env bash
# e2e (SMP): Linux on 2 and on 4 harts (more harts than this 2-core host has cores): every CPU
# comes online, and a multi-threaded program (tests/e2e/src/smp_threads.c: AMOs, LR/SC
# compare-and-swap, mutexes; one thread pinned per CPU) gets the exact answer.
# shellcheck source-path=SCRIPTDIR
. "$(dirname "$0")/lib.sh"
command -v riscv64-linux-gnu-gcc >/dev/null || e2e_die "riscv64-linux-gnu-gcc is needed"
riscv64-linux-gnu-gcc -O2 -static -pthread -Wall -Wextra -Werror -o "$e2e_tmp/smp_threads" \
	"$E2E_SRC/tests/e2e/src/smp_threads.c" || e2e_die "cannot build smp_threads"
E2E_EXTRA=("$e2e_tmp/smp_threads:/vireo/e2e/smp_threads")
e2e_assets
for n in 2 4; do
	log=$e2e_tmp/console-$n.log
	e2e_boot "$log" --cpus "$n" --append "console=ttyS0 vireo.run=/vireo/e2e/smp.sh"
	e2e_check "$n harts: all CPUs online ('$(e2e_value "$log" online)')" \
		[ "$(e2e_value "$log" online)" = "0-$((n - 1))" ]
	e2e_check "$n harts: nproc is $n" [ "$(e2e_value "$log" nproc)" = "$n" ]
	e2e_check "$n harts: threaded workload result ('$(e2e_value "$log" threads)')" \
		[ "$(e2e_value "$log" threads)" = "ok $n $((n * 200000))" ]
	e2e_check "$n harts: clean poweroff, exit status $RC is 0" [ "$RC" -eq 0 ]
	[ "$e2e_failures" -eq 0 ] || e2e_finish "$log"
done
e2e_finish "$log"
