/*
 * name.c - account-name rules (name.h).
 *
 * A name becomes the file name <accounts>/<name>.json, so the rule
 * ^[A-Za-z0-9][A-Za-z0-9._@+-]*$ with at most KEEL_NAME_MAX bytes is what
 * keeps a name from ever forming a path: no '/', never "." or ".." (the first
 * byte is alphanumeric), and it fits a char[KEEL_NAME_MAX + 1] with its NUL.
 * The contract in name.h is proved by Frama-C WP (make prove).
 */
#include "name.h"

/* May c start a name? Only ASCII letters and digits: in particular never
   '.', so a valid name is neither "." nor "..", nor a hidden file. */
/*@ assigns \nothing;
    ensures \result == 0 || \result == 1;
    ensures \result == 1 <==> name_first_char(c);
 */
static int name_first_ok(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
           (c >= '0' && c <= '9');
}

/* May c appear after the first byte? Letters, digits and "._@+-": never '/',
   NUL or a byte >= 0x80, so no path separator and no UTF-8 look-alikes. */
/*@ assigns \nothing;
    ensures \result == 0 || \result == 1;
    ensures \result == 1 <==> name_char(c);
 */
static int name_rest_ok(char c)
{
    return name_first_ok(c) || c == '.' || c == '_' || c == '@' || c == '+' ||
           c == '-';
}

int keel_name_valid(const char *s, size_t len)
{
    /* The empty name would be the file ".json"; more than KEEL_NAME_MAX
       bytes would not fit the callers' fixed buffers (G10). */
    if (len == 0 || len > KEEL_NAME_MAX)
        return 0;
    if (!name_first_ok(s[0]))
        return 0;
    /*@ loop invariant 1 <= i <= len;
        loop invariant \forall integer k; 0 <= k < i ==> name_char(s[k]);
        loop assigns i;
        loop variant len - i;
     */
    for (size_t i = 1; i < len; i++) {
        if (!name_rest_ok(s[i]))
            return 0;
    }
    return 1;
}
