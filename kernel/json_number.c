/*
 * json_number.c - is a JSON number token inside double range?
 *
 * keel_json_number_ok (contract in json_check.h) is the one piece of the
 * strict checker that needs libc: deciding whether a decimal literal rounds
 * to infinity or to zero takes a correctly rounding strtod. It is kept out
 * of the Frama-C proof (json_check.c relies on its contract only) and is
 * covered by tests/unit/test_json_check.c instead.
 *
 * Tokens longer than KEEL_JSON_NUMBER_MAX bytes are refused (0): the copy
 * lives in a fixed stack buffer, nothing is allocated. keel_json_check
 * rejects such tokens as LIMIT before it calls here, so this is a second
 * line only.
 */
#include <locale.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "json_check.h"

/* Longest locale decimal point substituted for '.' (glibc's are 1-3 bytes). */
#define DECIMAL_POINT_MAX 8

/* Does the mantissa (the part before any 'e'/'E') have a non-zero digit?
   Then a result of zero is an underflow, not the literal's true value. */
/*@ requires n > 0 && \valid_read(s + (0 .. n - 1));
    assigns \nothing;
    ensures \result == 0 || \result == 1;
 */
static int mantissa_nonzero(const char *s, size_t n)
{
    for (size_t i = 0; i < n && s[i] != 'e' && s[i] != 'E'; i++) {
        if (s[i] >= '1' && s[i] <= '9')
            return 1;
    }
    return 0;
}

int keel_json_number_ok(const char *s, size_t n)
{
    /* strtod reads the locale's decimal point, which is not '.' in many
       locales (cJSON substitutes it the same way). */
    char copy[KEEL_JSON_NUMBER_MAX + DECIMAL_POINT_MAX + 1];
    const char *dp = localeconv()->decimal_point;
    size_t dp_len = dp != NULL ? strlen(dp) : 0;
    size_t k = 0;
    char *end = NULL;
    double v;

    if (n == 0 || n > KEEL_JSON_NUMBER_MAX)
        return 0;
    /* Without an exponent, a literal of at most 300 bytes has at most 300
       integer digits (< 1e300: finite) and fewer than 300 leading zeros
       after the point (> 1e-300: no underflow). Most numbers in a registry
       take this path and skip strtod, the costliest part of the check. */
    if (n <= 300 && memchr(s, 'e', n) == NULL && memchr(s, 'E', n) == NULL)
        return 1;
    if (dp_len == 0 || dp_len > DECIMAL_POINT_MAX) {
        dp = ".";
        dp_len = 1;
    }
    for (size_t i = 0; i < n; i++) {
        /* A JSON number has at most one '.', so this always fits; a caller
           breaking the contract with several is refused, not overrun. */
        if (k + (s[i] == '.' ? dp_len : 1) > sizeof copy - 1)
            return 0;
        if (s[i] == '.') {
            memcpy(copy + k, dp, dp_len);
            k += dp_len;
        } else {
            copy[k++] = s[i];
        }
    }
    copy[k] = '\0';

    v = strtod(copy, &end);
    /* The token is syntactically valid JSON, so strtod must use all of it;
       anything else means the caller broke the contract: refuse. */
    if (end != copy + k)
        return 0;
    /* Overflow: strtod returns +-HUGE_VAL, i.e. infinity. */
    if (isinf(v) || isnan(v))
        return 0;
    /* Underflow to zero: a non-zero literal whose value is 0 (1e-400).
       Subnormal results (4.9e-324) are non-zero and accepted. */
    if (v == 0.0 && mantissa_nonzero(s, n))
        return 0;
    return 1;
}
