// SPDX-License-Identifier: Apache-2.0
/* Checks the failure path: SRST shutdown with reason "system failure" must fail the run. */
#include "sbi_rt.h"

int main(void)
{
	put("sbi_fail: reporting a failure on purpose\n");
	return 1;
}
