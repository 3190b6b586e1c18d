/*
 * json_check.h - strict RFC 8259 validation, run before cJSON sees a byte.
 *
 * Purpose
 *   cJSON accepts input a careful reader must reject (leading zeros, "1.",
 *   "-.5", "\uqqqq", raw control bytes and NUL in strings, any byte <= 0x20 as
 *   white space, invalid UTF-8, 1e400). keel_json_check accepts exactly one
 *   RFC 8259 value, surrounded only by SP/TAB/CR/LF, and additionally
 *   rejects: a BOM, NUL bytes, "\u0000", lone or misordered surrogate
 *   escapes, invalid UTF-8 (overlongs, surrogates, > U+10FFFF), numbers that
 *   overflow to infinity or underflow to zero, nesting deeper than
 *   max_depth, and strings (decoded or raw) longer than max_string bytes.
 *   It reads only buf[0 .. len-1] and allocates nothing; it is proved free
 *   of run-time errors and to terminate (make prove).
 *
 * Calling sequence
 *   struct keel_json_defect d;
 *   if (keel_json_check(buf, len, KEEL_JSON_DEPTH_MAX, KEEL_JSON_STRING_MAX,
 *                       &d) != 0)
 *       report(d.offset, d.defect, d.message);
 *
 * Error handling
 *   Returns 0 if valid, -1 otherwise with *out filled: offset of the first
 *   offending byte, defect kind (SYNTAX, or LIMIT for depth/length), and a
 *   static one-line message. On success *out is filled too (offset 0,
 *   KEEL_DEFECT_NONE, message "valid").
 *
 *   "First offending byte" is the first byte at which the input stops being
 *   a prefix of an acceptable document, or len if it ends too early: "01"
 *   reports 1, "1." reports 2, "-.5" reports 1, "tru" reports 3. Except:
 *   a \u escape with a forbidden value (\u0000, a lone low surrogate)
 *   reports its backslash, a high surrogate whose next escape is not a low
 *   one reports that next escape's backslash; a number out of double range
 *   reports its first byte; limits report the first byte beyond them (the
 *   bracket opening one level too many, string byte max_string + 1 after
 *   the quote, number byte KEEL_JSON_NUMBER_MAX + 1).
 *
 * Limits
 *   Nesting: at most min(max_depth, KEEL_JSON_NEST_CAP) open containers.
 *   Strings (keys too): max_string counts the raw bytes between the quotes
 *   (an escape counts as its 2 or 6 bytes), which also bounds the decoded
 *   length. Numbers: at most KEEL_JSON_NUMBER_MAX bytes.
 */
#ifndef KEEL_JSON_CHECK_H
#define KEEL_JSON_CHECK_H

#include <stddef.h>

#include "error.h"

/* Documented limits (spec/SPEC.md, G10). cJSON's compiled-in limit is 1000. */
#define KEEL_JSON_DEPTH_MAX 64
#define KEEL_JSON_STRING_MAX 65536

/* Internal bound on nesting, whatever max_depth the caller passes: the
   checker keeps one byte per open container in a fixed array of this size,
   so a document nested deeper than min(max_depth, KEEL_JSON_NEST_CAP) is
   rejected as LIMIT. Equal to cJSON's compiled-in nesting limit, so every
   document that passes the check also stays within cJSON's. */
#define KEEL_JSON_NEST_CAP 1000

/* Longest number token accepted, in bytes (LIMIT beyond it). The
   strtod side copies the token into a buffer of this size plus a NUL. */
#define KEEL_JSON_NUMBER_MAX 512

struct keel_json_defect {
    size_t offset;
    keel_defect defect;
    const char *message;
};

/* Does the number token s[0..n-1] (already syntactically valid) denote a
   finite double that is not an underflow of a non-zero literal to zero?
   Returns 0 also for n > KEEL_JSON_NUMBER_MAX (the checker rejects such
   tokens as LIMIT before asking). Implemented with strtod in json_number.c,
   which WP proves against this contract (make prove); that strtod rounds
   correctly is libc's part, checked by tests. */
/*@ requires n > 0 && \valid_read(s + (0 .. n - 1));
    assigns \nothing;
    ensures \result == 0 || \result == 1;
 */
int keel_json_number_ok(const char *s, size_t n);

/*@ requires \valid_read(buf + (0 .. len - 1)) || len == 0;
    requires \valid(out);
    requires 1 <= max_depth <= 100000;
    assigns *out;
    ensures \result == 0 || \result == -1;
    ensures \result == -1 ==> out->offset <= len;
 */
int keel_json_check(const char *buf, size_t len, size_t max_depth,
                    size_t max_string, struct keel_json_defect *out);

#endif
