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
 *   KEEL_E_INVALID if it is not a regular file; KEEL_E_CORRUPT with defect
 *   LIMIT and offset = cap if larger than cap; KEEL_E_SYS with step
 *   READ_OPEN / READ_STAT / READ (EAGAIN: the file grew while it was read);
 *   KEEL_E_NOMEM. *buf is NULL and *len 0 on every failure, and err is
 *   filled. Allocates *buf (at most cap + 2 bytes; the caller frees it).
 *   Proved (spec/prove.sh): the contract below, and that the read loop
 *   stays inside the buffer and ends.
 */
#ifndef KEEL_READFILE_H
#define KEEL_READFILE_H

#include <stddef.h>

#include "error.h"
#include "../spec/alloc_model.h"

/* The largest cap a caller may pass: Keel reads small files (G10). */
#define KEEL_READ_CAP_MAX (1024u * 1024u * 1024u)

/*@ requires cap <= KEEL_READ_CAP_MAX;
    requires \valid(buf) && \valid(len) && \valid(err);
    requires \separated(buf, len, err);
    assigns *buf, *len, *err, __fc_heap_status, keel_heap[..];
    ensures \result == KEEL_OK || \result == KEEL_E_NOT_FOUND ||
            \result == KEEL_E_SYMLINK || \result == KEEL_E_INVALID ||
            \result == KEEL_E_CORRUPT || \result == KEEL_E_SYS ||
            \result == KEEL_E_NOMEM;
    ensures \result == KEEL_OK ==> *len <= cap && heap_block(*buf) &&
            \valid(*buf + (0 .. *len)) && (*buf)[*len] == '\0';
    ensures \result != KEEL_OK ==> *buf == \null && *len == 0 &&
            err->status == \result;
    ensures \result == KEEL_E_CORRUPT ==>
            err->defect == KEEL_DEFECT_LIMIT && err->offset == cap;
 */
keel_status keel_read_file(int dirfd, const char *name, size_t cap,
                           char **buf, size_t *len, struct keel_err *err);

#endif
