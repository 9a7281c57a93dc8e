/* SPDX-License-Identifier: Apache-2.0 */
/* The vireo command's device options (--drive, --net) turned into struct vireo_device. */
#ifndef VIREO_CLI_ARGS_H
#define VIREO_CLI_ARGS_H

#include <stddef.h>

#include "vireo/vireo.h"

/** Size of the path buffer cli_parse_drive needs. */
#define CLI_PATH_MAX 4096

/**
 * Parses a --drive value ("file=PATH[,format=raw|qcow2][,ro=on|off]") into the blk part of d;
 * the path is copied to path (CLI_PATH_MAX bytes), which must outlive d. 0 or -EINVAL + msg.
 */
int cli_parse_drive(const char *spec, struct vireo_device *d, char *path, char *msg, size_t msglen);

/**
 * Parses a --net value ("user[,hostfwd=...]...[,host-loopback=on|off]" or "tap,ifname=NAME")
 * into the net part of d; 0 or -EINVAL with msg.
 */
int cli_parse_net(const char *spec, struct vireo_device *d, char *msg, size_t msglen);

#endif
