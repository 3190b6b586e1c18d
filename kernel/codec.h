/*
 * codec.h - registry.json bytes <-> registry model.
 *
 * Purpose
 *   Decode is strict: the bytes pass keel_json_check (RFC 8259 and Keel's
 *   limits) before cJSON parses them; then duplicate keys are rejected at
 *   every level, keys are looked up case-sensitively only, and the structure
 *   is checked (top level an object, version 1, accounts an object of
 *   objects, each key equal to its "name" and a valid name). Field values
 *   Keel does not understand are kept and reported as warnings.
 *
 *   Encode writes exactly what the Node tool writes for the same value:
 *   JSON.stringify(value, null, 2) plus "\n" - keys in stored order (array
 *   index keys first, ascending, as JavaScript orders them), numbers in the
 *   shortest form that round-trips, strings escaped as JSON.stringify does.
 *
 * Calling sequence
 *   struct keel_registry *r; struct keel_warnings w = {0};
 *   if (keel_codec_decode(buf, len, &r, &w, &err) != KEEL_OK) report(&err);
 *   char *out; size_t n;
 *   keel_codec_encode(r, &out, &n, &err); ... free(out);
 *
 * Error handling
 *   Decode: KEEL_E_CORRUPT with err.defect SYNTAX (err.offset), SCHEMA
 *   (err.json_path; duplicate keys are reported here too, with offset -1,
 *   as cJSON's tree keeps no offsets) or LIMIT (err.offset), err.message
 *   one line; or KEEL_E_NOMEM. Encode: KEEL_E_NOMEM, or KEEL_E_INVALID if
 *   a tree edit brought in a value that could not be read back (invalid
 *   UTF-8, or containers nested deeper than KEEL_JSON_DEPTH_MAX). The
 *   encoding is NUL-terminated (the NUL is not counted). Both allocate
 *   what they return.
 */
#ifndef KEEL_CODEC_H
#define KEEL_CODEC_H

#include <stddef.h>

#include "error.h"
#include "registry.h"
#include "../spec/alloc_model.h"

/* Largest registry file Keel reads (G10). */
#define KEEL_REGISTRY_SIZE_MAX (8u * 1024u * 1024u)

#define KEEL_WARNINGS_MAX 16
struct keel_warnings {
    size_t count;                     /* total found (may exceed MAX) */
    struct {
        char json_path[KEEL_JSON_PATH_MAX];
        const char *message;          /* static */
    } item[KEEL_WARNINGS_MAX];
};

/* w may be NULL. On failure *out is NULL and err says why. */
/*@ requires len == 0 || \valid_read(buf + (0 .. len - 1));
    requires \valid(out) && \valid(err) && \separated(out, err);
    requires w == \null || (\valid(w) && \separated(w, out, err));
    assigns *out, *w, *err, __fc_heap_status, json_heap, keel_heap[..],
            keel_node_heap[..];
    ensures \result == KEEL_OK || \result == KEEL_E_CORRUPT ||
            \result == KEEL_E_NOMEM;
    ensures \result == KEEL_OK ==> valid_registry(*out);
    ensures \result != KEEL_OK ==> *out == \null && err->status == \result;
 */
keel_status keel_codec_decode(const char *buf, size_t len,
                              struct keel_registry **out,
                              struct keel_warnings *w, struct keel_err *err);

/* err may be NULL. On success *out holds *len bytes and a NUL, in a block
   the caller frees; on failure *out is NULL and *len 0. */
/*@ requires valid_registry(r);
    requires \valid(out) && \valid(len) && \separated(out, len);
    requires err == \null || (\valid(err) && \separated(err, out, len));
    assigns *out, *len, *err, __fc_heap_status, keel_heap[..],
            keel_node_heap[..];
    ensures \result == KEEL_OK || \result == KEEL_E_NOMEM ||
            \result == KEEL_E_INVALID;
    ensures \result == KEEL_OK ==> heap_block(*out) &&
            \valid(*out + (0 .. *len)) && (*out)[*len] == '\0';
    ensures \result != KEEL_OK ==> *out == \null && *len == 0;
    ensures \result != KEEL_OK && err != \null ==> err->status == \result;
 */
keel_status keel_codec_encode(const struct keel_registry *r, char **out,
                              size_t *len, struct keel_err *err);

#endif
