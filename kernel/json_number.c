/*
 * json_number.c - is a JSON number token inside double range?
 *
 * keel_json_number_ok (contract in json_check.h) is the one piece of the
 * strict checker that needs libc: deciding whether a decimal literal rounds
 * to infinity or to zero takes a correctly rounding strtod. Its run-time
 * safety and its contract are proved by Frama-C WP (make prove), against
 * Frama-C's specification of strtod and fpclassify; that strtod rounds
 * correctly is libc's part, checked by tests/unit/test_json_check.c and
 * tests/unit/test_codec.c.
 *
 * strtod reads the locale's decimal point, which is not '.' in many
 * locales. Rather than substitute it, the literal is rewritten without a
 * point: -I.Fe[+-]X becomes -IFe[-]Y with Y = +-X - len(F), the exponent
 * written as EXP_DIGITS digits. The rewrite denotes the same number, and a
 * literal made of a sign, digits and an exponent reads the same in every
 * locale.
 *
 * Tokens longer than KEEL_JSON_NUMBER_MAX bytes are refused (0): the
 * rewrite lives in a fixed stack buffer, nothing is allocated.
 * keel_json_check rejects such tokens as LIMIT before it calls here, so this
 * is a second line only. A token that is not a JSON number (the contract
 * says it is, the precondition cannot) is refused too, never overrun.
 */
#include <math.h>
#include <stdlib.h>

#include "json_check.h"

/* Exponents are read saturating at EXP_CAP: once the written exponent
   reaches it, further digits are ignored. That keeps the decision: the
   token's digits form an integer D < 10^512 and the literal is
   D * 10^(E - F), F <= 512 the digits after the point. When |E| >= EXP_CAP,
   D >= 1 puts it far beyond DBL_MAX (E > 0) or far below half the least
   subnormal (E < 0), whether E is exact or cut at the cap; D = 0 is 0
   either way. */
#define EXP_CAP 1000000L

/* Digits of the rewritten exponent: |e - fraction digits| is below
   10 * EXP_CAP + KEEL_JSON_NUMBER_MAX < 10^8. */
#define EXP_DIGITS 8

/* Rewritten literal: the token's sign and digits (at most
   KEEL_JSON_NUMBER_MAX bytes), 'e', the exponent's sign, EXP_DIGITS
   digits and the NUL. */
#define COPY_SIZE (KEEL_JSON_NUMBER_MAX + EXP_DIGITS + 3)

/* Is v, strtod's reading of a literal with (nonzero) or without a digit
   1-9 in its mantissa, the literal's value rather than an overflow or an
   underflow? (Its own function: the floating-point facts stay out of the
   proof of the parsing below.) */
/*@ assigns \nothing;
    ensures \result == 0 || \result == 1;
 */
static int value_ok(double v, int nonzero)
{
    /* Overflow: strtod returns +-HUGE_VAL, i.e. infinity. */
    if (isinf(v) || isnan(v))
        return 0;
    /* Underflow to zero: a non-zero literal whose value is 0 (1e-400).
       Subnormal results (4.9e-324) are non-zero and accepted. */
    if (v == 0.0 && nonzero)
        return 0;
    return 1;
}

/* The exponent after the 'e': is s[0 .. n-1] of the form [+-]?[0-9]+?
   Then *e is its value, saturated at EXP_CAP (see above). */
/*@ requires \valid_read(s + (0 .. n - 1));
    requires \valid(e);
    assigns *e;
    ensures \result == 0 || \result == 1;
    ensures \result == 1 ==> -10 * EXP_CAP < *e < 10 * EXP_CAP;
 */
static int read_exponent(const char *s, size_t n, long *e)
{
    size_t i = 0;
    int neg = 0;
    long v = 0;

    if (i < n && (s[i] == '+' || s[i] == '-')) {
        neg = s[i] == '-';
        i++;
    }
    if (i == n)
        return 0; /* no digits */
    /*@ loop invariant i <= n;
        loop invariant 0 <= v < 10 * EXP_CAP;
        loop assigns i, v;
        loop variant n - i;
     */
    for (; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
        if (v < EXP_CAP)
            v = v * 10 + (s[i] - '0');
    }
    *e = neg ? -v : v;
    return 1;
}

/* Writes x as exactly EXP_DIGITS decimal digits, leading zeros included
   (strtod reads "1e00000300" as 1e300). */
/*@ requires \valid(d + (0 .. EXP_DIGITS - 1));
    requires 0 <= x < 100000000;
    assigns d[0 .. EXP_DIGITS - 1];
 */
static void put_digits(char *d, long x)
{
    /*@ loop invariant 0 <= j <= EXP_DIGITS;
        loop invariant 0 <= x;
        loop assigns j, x, d[0 .. EXP_DIGITS - 1];
        loop variant j;
     */
    for (size_t j = EXP_DIGITS; j > 0; j--) {
        d[j - 1] = (char)('0' + x % 10);
        x /= 10;
    }
}

int keel_json_number_ok(const char *s, size_t n)
{
    char copy[COPY_SIZE];
    size_t i = 0;
    size_t k = 0;    /* bytes of copy written */
    size_t frac = 0; /* digits after the '.' */
    int point = 0;   /* seen the '.'? */
    int nonzero = 0; /* a digit 1-9 before any exponent? */
    long e = 0;      /* the exponent as written, saturated at EXP_CAP */
    long x;          /* the exponent of the rewritten literal */
    char *end = NULL;
    double v;

    if (n == 0 || n > KEEL_JSON_NUMBER_MAX)
        return 0;
    /* Mantissa: every byte but the '.', counting the digits after it. */
    /*@ loop invariant 0 <= i <= n;
        loop invariant point == 0 || point == 1;
        loop invariant nonzero == 0 || nonzero == 1;
        loop invariant k + point == i;
        loop invariant frac <= k;
        loop assigns i, k, frac, point, nonzero, copy[0 .. n - 1];
        loop variant n - i;
     */
    for (; i < n && s[i] != 'e' && s[i] != 'E'; i++) {
        if (s[i] == '.') {
            if (point)
                return 0; /* two points: not a JSON number */
            point = 1;
            continue;
        }
        if (s[i] >= '1' && s[i] <= '9')
            nonzero = 1;
        copy[k++] = s[i];
        if (point)
            frac++;
    }
    /* Without an exponent, a literal of at most 300 bytes has at most 300
       integer digits (< 1e300: finite) and fewer than 300 leading zeros
       after the point (> 1e-300: no underflow). Most numbers in a registry
       take this path and skip strtod, the costliest part of the check. */
    if (i == n && n <= 300)
        return 1;
    if (i < n && !read_exponent(s + i + 1, n - i - 1, &e))
        return 0;

    /* The point moves right past the fraction digits: the exponent drops
       by their number. */
    x = e - (long)frac;
    copy[k++] = 'e';
    if (x < 0) {
        copy[k++] = '-';
        x = -x;
    }
    put_digits(copy + k, x);
    k += EXP_DIGITS;
    copy[k] = '\0';

    v = strtod(copy, &end);
    /* A JSON number rewritten so is read whole; anything else means the
       caller broke the contract: refuse. */
    if (end != copy + k)
        return 0;
    return value_ok(v, nonzero);
}
