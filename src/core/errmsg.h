/* SPDX-License-Identifier: Apache-2.0 */
/* Library errors: a negative errno for the caller and a sentence for the user. */
#ifndef VIREO_CORE_ERRMSG_H
#define VIREO_CORE_ERRMSG_H

#include <stddef.h>

/**
 * Formats the message into msg (if msg and msglen are nonzero) and returns err, so that
 * `return errmsg(-EINVAL, msg, msglen, "...", ...)` ends a failing function.
 */
__attribute__((format(printf, 4, 5))) int errmsg(int err, char *msg, size_t msglen, const char *fmt,
						 ...);

#endif
