/* SPDX-License-Identifier: Apache-2.0 */
/* Library errors: a negative errno for the caller and a sentence for the user. */
#include <stdarg.h>
#include <stdio.h>

#include "core/errmsg.h"

int errmsg(int err, char *msg, size_t msglen, const char *fmt, ...)
{
	va_list ap;

	if (msg && msglen) {
		va_start(ap, fmt);
		vsnprintf(msg, msglen, fmt, ap);
		va_end(ap);
	}
	return err;
}
