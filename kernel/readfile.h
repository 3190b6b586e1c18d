/*
 * readfile.h - read a whole small file, refusing symlinks and oversize.
 *
 * Purpose
 *   keel_read_file opens `name` in dirfd with O_NOFOLLOW (a symlink is
 *   refused, G8), checks it is a regular file no larger than `cap` bytes
 *   (G10), and reads it whole into a fresh buffer with a NUL after the last
 *   byte (so buf[len] == 0, as cJSON's call form needs).
 *
 * Calling sequence
 *   char *buf; size_t len;
 *   st = keel_read_file(dirfd, "registry.json", KEEL_REGISTRY_SIZE_MAX,
 *                       &buf, &len, &err);
 *   ... free(buf);
 *
 * Error handling
 *   KEEL_E_NOT_FOUND if the name does not exist; KEEL_E_SYMLINK;
 *   KEEL_E_CORRUPT with defect LIMIT and offset = cap if larger than cap;
 *   KEEL_E_SYS with step READ_OPEN / READ_STAT / READ; KEEL_E_NOMEM.
 *   *buf is NULL on every failure. Allocates *buf (caller frees).
 */
#ifndef KEEL_READFILE_H
#define KEEL_READFILE_H

#include <stddef.h>

#include "error.h"

keel_status keel_read_file(int dirfd, const char *name, size_t cap,
                           char **buf, size_t *len, struct keel_err *err);

#endif
