/* SPDX-License-Identifier: Apache-2.0 */
/* Placeholder while the built-in SBI is written: every call answers SBI_ERR_NOT_SUPPORTED. */
#include "core/vm.h"
#include "cpu/hart.h"
#include "fw/sbi.h"

int sbi_ecall(struct hart *h)
{
	h->x[10] = (uint64_t)-2;
	h->pc += 4;
	return 0;
}

void sbi_boot(struct vm *vm, uint64_t entry, uint64_t fdt_addr)
{
	(void)vm;
	(void)entry;
	(void)fdt_addr;
}
