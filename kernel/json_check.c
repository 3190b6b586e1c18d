/*
 * json_check.c - strict RFC 8259 validation (json_check.h).
 *
 * An iterative recursive-descent checker: one loop reads a value at a time,
 * a fixed array records the kind of each open container, and an inner loop
 * closes containers and takes the commas between values. Every helper reads
 * only buf[0 .. len-1], advances a position by at least one byte on success,
 * and returns the new position, or 0 after filling *out (no successful scan
 * can end at 0: it consumes at least one byte). Frama-C WP proves every
 * function free of run-time errors (out-of-bounds reads, overflow), every
 * loop terminating, and the nesting never exceeding max_depth (make prove).
 *
 * Offsets: a defect is reported at the first byte at which the input stops
 * being a prefix of an acceptable document (len if the input ends too
 * early), with these exceptions, reported at the start of what is wrong as a
 * whole: a \u escape with a forbidden value (\u0000, a lone low surrogate, a
 * high surrogate whose next escape is not a low one: at that next escape's
 * backslash), a number out of double range (its first byte), and limits (the
 * first byte beyond the limit: the container that opens one level too deep,
 * the string byte max_string + 1, the number byte KEEL_JSON_NUMBER_MAX + 1).
 */
#include "json_check.h"

/* Kinds of open containers, one byte each in the nesting array. */
enum { KIND_ARRAY = 1, KIND_OBJECT = 2 };

/* Fill the defect record; returns -1 for keel_json_check to pass on. */
/*@ requires \valid(out);
    assigns *out;
    ensures out->offset == off;
    ensures \result == -1;
 */
static int fail(struct keel_json_defect *out, size_t off, keel_defect kind,
                const char *msg)
{
    out->offset = off;
    out->defect = kind;
    out->message = msg;
    return -1;
}

/* The same for scanners, which return 0 for "failed" (never a position a
   successful scan returns, as each consumes at least one byte). */
/*@ requires \valid(out);
    assigns *out;
    ensures out->offset == off;
    ensures \result == 0;
 */
static size_t fail_at(struct keel_json_defect *out, size_t off,
                      keel_defect kind, const char *msg)
{
    (void)fail(out, off, kind, msg);
    return 0;
}

/* buf[i] as a byte value 0..255, whatever the signedness of char. */
/*@ requires \valid_read(buf + i);
    assigns \nothing;
    ensures 0 <= \result <= 255;
 */
static int byte_at(const char *buf, size_t i)
{
    const int c = buf[i];
    return c < 0 ? c + 256 : c;
}

/* RFC 8259 white space is exactly SP, TAB, LF, CR. Not FF, VT, NBSP or any
   other byte that cJSON (every byte <= 0x20) or isspace() would skip. */
/*@ assigns \nothing;
    ensures \result == 0 || \result == 1;
 */
static int is_ws(int c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/*@ assigns \nothing;
    ensures \result == 0 || \result == 1;
 */
static int is_digit(int c)
{
    return c >= '0' && c <= '9';
}

/*@ assigns \nothing;
    ensures \result == 0 || \result == 1;
 */
static int is_hex(int c)
{
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* Value of a hex digit; 0 for any other byte (callers check is_hex first). */
/*@ assigns \nothing;
    ensures 0 <= \result <= 15;
 */
static int hex_val(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return 0;
}

/* A message for a byte that cannot start what was expected, naming the
   rules people trip over (NUL, exotic white space) before the generic one. */
/*@ assigns \result \from c, dflt;
 */
static const char *unexpected(int c, const char *dflt)
{
    if (c == 0)
        return "NUL byte outside a string";
    if (c == 0x0b || c == 0x0c)
        return "white space other than space, tab, CR or LF";
    if (c < 0x20)
        return "control byte outside a string";
    if (c >= 0x80)
        return "non-ASCII byte outside a string";
    return dflt;
}

/*@ requires \valid_read(buf + (0 .. len - 1));
    requires pos <= len;
    assigns \nothing;
    ensures pos <= \result <= len;
 */
static size_t skip_ws(const char *buf, size_t len, size_t pos)
{
    size_t q = pos;
    /*@ loop invariant pos <= q <= len;
        loop assigns q;
        loop variant len - q;
     */
    while (q < len && is_ws(byte_at(buf, q)))
        q++;
    return q;
}

/*@ requires \valid_read(buf + (0 .. len - 1));
    requires pos <= len;
    assigns \nothing;
    ensures pos <= \result <= len;
 */
static size_t skip_digits(const char *buf, size_t len, size_t pos)
{
    size_t q = pos;
    /*@ loop invariant pos <= q <= len;
        loop assigns q;
        loop variant len - q;
     */
    while (q < len && is_digit(byte_at(buf, q)))
        q++;
    return q;
}

/* How many of the (up to) four bytes at buf[at..] are hex digits, stopping
   at the first that is not, or at the end of the input. */
/*@ requires \valid_read(buf + (0 .. len - 1));
    requires at <= len;
    assigns \nothing;
    ensures 0 <= \result <= 4;
    ensures at + \result <= len;
 */
static size_t hex_digits(const char *buf, size_t len, size_t at)
{
    size_t n = 0;
    /*@ loop invariant 0 <= n <= 4;
        loop invariant n <= len - at;
        loop assigns n;
        loop variant 4 - n;
     */
    while (n < 4 && n < len - at && is_hex(byte_at(buf, at + n)))
        n++;
    return n;
}

/* The code unit written by the four hex digits h[0..3]. */
/*@ requires \valid_read(h + (0 .. 3));
    assigns \nothing;
    ensures 0 <= \result <= 0xffff;
 */
static int hex4_value(const char *h)
{
    return hex_val(byte_at(h, 0)) * 4096 + hex_val(byte_at(h, 1)) * 256 +
           hex_val(byte_at(h, 2)) * 16 + hex_val(byte_at(h, 3));
}

/* Four hex digits at buf[h..h+3]. Returns h + 4, or 0 having reported
   the first byte that is not a hex digit (or len, if the input ends). */
/*@ requires \valid_read(buf + (0 .. len - 1));
    requires h <= len;
    requires \valid(out);
    assigns *out;
    ensures \result == 0 || (\result == h + 4 && \result <= len);
    ensures \result == 0 ==> out->offset <= len;
 */
static size_t scan_hex4(const char *buf, size_t len, size_t h,
                        struct keel_json_defect *out)
{
    const size_t n = hex_digits(buf, len, h);
    if (n < 4)
        return fail_at(out, h + n, KEEL_DEFECT_SYNTAX,
                       h + n == len ? "unexpected end of input in a \\u escape"
                                    : "\\u escape needs four hex digits");
    return h + 4;
}

/* After a high surrogate escape, ending at buf[q]: the low half of the pair
   must follow at once, as an escape \uDC00-\uDFFF. */
/*@ requires \valid_read(buf + (0 .. len - 1));
    requires q <= len;
    requires \valid(out);
    assigns *out;
    ensures \result == 0 || q < \result <= len;
    ensures \result == 0 ==> out->offset <= len;
 */
static size_t scan_low_half(const char *buf, size_t len, size_t q,
                            struct keel_json_defect *out)
{
    static const char *const no_low =
        "high surrogate escape not followed by a low surrogate escape";
    if (q == len)
        return fail_at(out, len, KEEL_DEFECT_SYNTAX, no_low);
    if (byte_at(buf, q) != '\\')
        return fail_at(out, q, KEEL_DEFECT_SYNTAX, no_low);
    if (len - q < 2)
        return fail_at(out, len, KEEL_DEFECT_SYNTAX, no_low);
    if (byte_at(buf, q + 1) != 'u')
        return fail_at(out, q + 1, KEEL_DEFECT_SYNTAX, no_low);
    const size_t r = scan_hex4(buf, len, q + 2, out);
    if (r == 0)
        return 0;
    const int u = hex4_value(buf + q + 2);
    if (u < 0xdc00 || u > 0xdfff)
        return fail_at(out, q, KEEL_DEFECT_SYNTAX, no_low);
    return r;
}

/* A \u escape at buf[p] ('\\') and buf[p+1] ('u'), with a second escape
   for a surrogate pair. Rejected: fewer than four hex digits; \u0000 (cJSON
   would cut the string there: a key "admin\u0000x" would be found as
   "admin"); a low surrogate on its own; a high surrogate not followed at
   once by a \uDC00-\uDFFF escape. */
/*@ requires \valid_read(buf + (0 .. len - 1));
    requires p + 1 < len;
    requires \valid(out);
    assigns *out;
    ensures \result == 0 || p + 1 < \result <= len;
    ensures \result == 0 ==> out->offset <= len;
 */
static size_t scan_u_escape(const char *buf, size_t len, size_t p,
                            struct keel_json_defect *out)
{
    const size_t r = scan_hex4(buf, len, p + 2, out);
    if (r == 0)
        return 0;
    const int u = hex4_value(buf + p + 2);
    if (u == 0)
        return fail_at(out, p, KEEL_DEFECT_SYNTAX, "\\u0000 is not allowed");
    if (u >= 0xdc00 && u <= 0xdfff)
        return fail_at(out, p, KEEL_DEFECT_SYNTAX,
                       "low surrogate escape without a high surrogate");
    if (u >= 0xd800 && u <= 0xdbff)
        return scan_low_half(buf, len, r, out);
    return r;
}

/* The escapes of one character: \" \\ \/ \b \f \n \r \t. */
/*@ assigns \nothing;
    ensures \result == 0 || \result == 1;
 */
static int is_short_escape(int e)
{
    return e == '"' || e == '\\' || e == '/' || e == 'b' || e == 'f' ||
           e == 'n' || e == 'r' || e == 't';
}

/* An escape sequence starting with the backslash at buf[p]. */
/*@ requires \valid_read(buf + (0 .. len - 1));
    requires p < len;
    requires \valid(out);
    assigns *out;
    ensures \result == 0 || p < \result <= len;
    ensures \result == 0 ==> out->offset <= len;
 */
static size_t scan_escape(const char *buf, size_t len, size_t p,
                          struct keel_json_defect *out)
{
    if (len - p < 2)
        return fail_at(out, len, KEEL_DEFECT_SYNTAX,
                       "unexpected end of input in a string");
    const int e = byte_at(buf, p + 1);
    if (e == 'u')
        return scan_u_escape(buf, len, p, out);
    if (!is_short_escape(e))
        return fail_at(out, p + 1, KEEL_DEFECT_SYNTAX, "invalid escape");
    return p + 2;
}

/* How many continuation bytes the UTF-8 lead byte c announces; 0 for a
   byte that cannot lead: 80-BF (a continuation), C0 and C1 (they could
   only start overlong forms of ASCII), F5-FF (beyond U+10FFFF). */
/*@ assigns \nothing;
    ensures 0 <= \result <= 3;
 */
static size_t utf8_tail(int c)
{
    if (c >= 0xc2 && c <= 0xdf)
        return 1;
    if (c >= 0xe0 && c <= 0xef)
        return 2;
    if (c >= 0xf0 && c <= 0xf4)
        return 3;
    return 0;
}

/* May b be the k-th continuation byte after lead? Always 80-BF; the first
   one is narrowed as in RFC 3629 section 4: after E0 to A0-BF (else
   overlong), after ED to 80-9F (else a UTF-16 surrogate), after F0 to
   90-BF (else overlong), after F4 to 80-8F (else beyond U+10FFFF). */
/*@ assigns \nothing;
    ensures \result == 0 || \result == 1;
 */
static int utf8_cont_ok(int lead, size_t k, int b)
{
    int lo = 0x80;
    int hi = 0xbf;
    if (k == 1) {
        if (lead == 0xe0)
            lo = 0xa0;
        else if (lead == 0xed)
            hi = 0x9f;
        else if (lead == 0xf0)
            lo = 0x90;
        else if (lead == 0xf4)
            hi = 0x8f;
    }
    return b >= lo && b <= hi;
}

/* One UTF-8 encoded character whose lead byte buf[p] is >= 0x80. */
/*@ requires \valid_read(buf + (0 .. len - 1));
    requires p < len;
    requires \valid(out);
    assigns *out;
    ensures \result == 0 || p < \result <= len;
    ensures \result == 0 ==> out->offset <= len;
 */
static size_t scan_utf8(const char *buf, size_t len, size_t p,
                        struct keel_json_defect *out)
{
    const int c = byte_at(buf, p);
    const size_t need = utf8_tail(c);
    if (need == 0)
        return fail_at(out, p, KEEL_DEFECT_SYNTAX, "invalid UTF-8 lead byte");
    /*@ loop invariant 1 <= k <= need + 1;
        loop invariant k <= len - p;
        loop assigns k, *out;
        loop variant need + 1 - k;
     */
    for (size_t k = 1; k <= need; k++) {
        if (k == len - p)
            return fail_at(out, len, KEEL_DEFECT_SYNTAX,
                           "unexpected end of input in a UTF-8 sequence");
        if (!utf8_cont_ok(c, k, byte_at(buf, p + k)))
            return fail_at(out, p + k, KEEL_DEFECT_SYNTAX,
                           "invalid UTF-8 continuation byte");
    }
    return p + need + 1;
}

/* A string whose opening quote is buf[p]. Its length limit counts the raw
   bytes between the quotes (an escape counts as its 2 or 6 bytes), which
   bounds the decoded length as well. */
/*@ requires \valid_read(buf + (0 .. len - 1));
    requires p < len;
    requires \valid(out);
    assigns *out;
    ensures \result == 0 || p < \result <= len;
    ensures \result == 0 ==> out->offset <= len;
 */
static size_t scan_string(const char *buf, size_t len, size_t p,
                          size_t max_string, struct keel_json_defect *out)
{
    size_t q = p + 1;
    /*@ loop invariant p + 1 <= q <= len;
        loop assigns q, *out;
        loop variant len - q;
     */
    while (q < len) {
        const int c = byte_at(buf, q);
        size_t r;
        if (c == '"') {
            /* An escape can step over the limit: check the total too. */
            if (q - (p + 1) > max_string)
                return fail_at(out, p + 1 + max_string, KEEL_DEFECT_LIMIT,
                               "string longer than the limit");
            return q + 1;
        }
        if (q - (p + 1) >= max_string)
            return fail_at(out, p + 1 + max_string, KEEL_DEFECT_LIMIT,
                           "string longer than the limit");
        if (c < 0x20)
            return fail_at(out, q, KEEL_DEFECT_SYNTAX,
                           c == 0 ? "NUL byte in a string"
                                  : "raw control byte in a string");
        if (c == '\\')
            r = scan_escape(buf, len, q, out);
        else if (c >= 0x80)
            r = scan_utf8(buf, len, q, out);
        else
            r = q + 1;
        if (r == 0)
            return 0;
        q = r;
    }
    return fail_at(out, len, KEEL_DEFECT_SYNTAX,
                   "unexpected end of input in a string");
}

/* The integer part of a number at buf[q] (after any '-'): 0, or a
   non-zero digit and more digits. "01" is not JSON (and octal to some
   readers); "-.5" and "-" lack the digit. */
/*@ requires \valid_read(buf + (0 .. len - 1));
    requires q <= len;
    requires \valid(out);
    assigns *out;
    ensures \result == 0 || q < \result <= len;
    ensures \result == 0 ==> out->offset <= len;
 */
static size_t scan_int_part(const char *buf, size_t len, size_t q,
                            struct keel_json_defect *out)
{
    if (q == len)
        return fail_at(out, len, KEEL_DEFECT_SYNTAX,
                       "unexpected end of input in a number");
    const int c = byte_at(buf, q);
    if (c == '0') {
        if (len - q > 1 && is_digit(byte_at(buf, q + 1)))
            return fail_at(out, q + 1, KEEL_DEFECT_SYNTAX,
                           "leading zero in number");
        return q + 1;
    }
    if (c < '1' || c > '9')
        return fail_at(out, q, KEEL_DEFECT_SYNTAX, "expected a digit");
    return skip_digits(buf, len, q + 1);
}

/* An optional fraction at buf[q]: a '.' needs at least one digit ("1." and
   "1.e5" are not JSON). */
/*@ requires \valid_read(buf + (0 .. len - 1));
    requires 1 <= q <= len;
    requires \valid(out);
    assigns *out;
    ensures \result == 0 || q <= \result <= len;
    ensures \result == 0 ==> out->offset <= len;
 */
static size_t scan_fraction(const char *buf, size_t len, size_t q,
                            struct keel_json_defect *out)
{
    if (q == len || byte_at(buf, q) != '.')
        return q;
    if (len - q < 2 || !is_digit(byte_at(buf, q + 1)))
        return fail_at(out, q + 1, KEEL_DEFECT_SYNTAX,
                       "expected a digit after the decimal point");
    return skip_digits(buf, len, q + 1);
}

/* An optional exponent at buf[q]: [eE] [+-]? and at least one digit. */
/*@ requires \valid_read(buf + (0 .. len - 1));
    requires 1 <= q <= len;
    requires \valid(out);
    assigns *out;
    ensures \result == 0 || q <= \result <= len;
    ensures \result == 0 ==> out->offset <= len;
 */
static size_t scan_exponent(const char *buf, size_t len, size_t q,
                            struct keel_json_defect *out)
{
    if (q == len || (byte_at(buf, q) != 'e' && byte_at(buf, q) != 'E'))
        return q;
    size_t d = q + 1;
    if (d < len && (byte_at(buf, d) == '+' || byte_at(buf, d) == '-'))
        d++;
    if (d == len || !is_digit(byte_at(buf, d)))
        return fail_at(out, d, KEEL_DEFECT_SYNTAX,
                       "expected a digit in the exponent");
    return skip_digits(buf, len, d);
}

/* A number starting at buf[p] ('-' or a digit):
   -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?
   ("+1" never reaches here: '+' cannot start a value). Then its value must
   be a finite double, and not zero unless the literal is zero
   (keel_json_number_ok): cJSON would turn 1e400 into inf and 1e-400 into
   a silent 0. */
/*@ requires \valid_read(buf + (0 .. len - 1));
    requires p < len;
    requires \valid(out);
    assigns *out;
    ensures \result == 0 || p < \result <= len;
    ensures \result == 0 ==> out->offset <= len;
 */
static size_t scan_number(const char *buf, size_t len, size_t p,
                          struct keel_json_defect *out)
{
    size_t q = scan_int_part(buf, len, byte_at(buf, p) == '-' ? p + 1 : p, out);
    if (q == 0)
        return 0;
    q = scan_fraction(buf, len, q, out);
    if (q == 0)
        return 0;
    q = scan_exponent(buf, len, q, out);
    if (q == 0)
        return 0;
    if (q - p > KEEL_JSON_NUMBER_MAX)
        return fail_at(out, p + KEEL_JSON_NUMBER_MAX, KEEL_DEFECT_LIMIT,
                       "number longer than the limit");
    if (!keel_json_number_ok(buf + p, q - p))
        return fail_at(out, p, KEEL_DEFECT_SYNTAX,
                       "number overflows to infinity or underflows to zero");
    return q;
}

/* Byte k of the literal that starts with `first`: "true", "false" or
   "null" (spelled out here: WP reasons poorly about string literals). */
/*@ assigns \nothing;
 */
static int word_byte(int first, size_t k)
{
    if (first == 't') {
        if (k == 0)
            return 't';
        if (k == 1)
            return 'r';
        return k == 2 ? 'u' : 'e';
    }
    if (first == 'f') {
        if (k == 0)
            return 'f';
        if (k == 1)
            return 'a';
        if (k == 2)
            return 'l';
        return k == 3 ? 's' : 'e';
    }
    if (k == 0)
        return 'n';
    return k == 1 ? 'u' : 'l';
}

/* The n-byte literal (true, false or null) whose first byte is buf[p]. */
/*@ requires \valid_read(buf + (0 .. len - 1));
    requires p < len;
    requires 1 <= n <= 5;
    requires \valid(out);
    assigns *out;
    ensures \result == 0 || p < \result <= len;
    ensures \result == 0 ==> out->offset <= len;
 */
static size_t scan_word(const char *buf, size_t len, size_t p, size_t n,
                        struct keel_json_defect *out)
{
    const int first = byte_at(buf, p);
    /*@ loop invariant 0 <= k <= n;
        loop invariant k <= len - p;
        loop assigns k, *out;
        loop variant n - k;
     */
    for (size_t k = 0; k < n; k++) {
        if (k == len - p)
            return fail_at(out, len, KEEL_DEFECT_SYNTAX,
                           "unexpected end of input in a literal");
        if (byte_at(buf, p + k) != word_byte(first, k))
            return fail_at(out, p + k, KEEL_DEFECT_SYNTAX,
                           "invalid literal (expected true, false or null)");
    }
    return p + n;
}

/* A value that is not a container, starting at buf[p]. */
/*@ requires \valid_read(buf + (0 .. len - 1));
    requires p < len;
    requires \valid(out);
    assigns *out;
    ensures \result == 0 || p < \result <= len;
    ensures \result == 0 ==> out->offset <= len;
 */
static size_t scan_scalar(const char *buf, size_t len, size_t p,
                          size_t max_string, struct keel_json_defect *out)
{
    const int c = byte_at(buf, p);
    if (c == '"')
        return scan_string(buf, len, p, max_string, out);
    if (c == '-' || is_digit(c))
        return scan_number(buf, len, p, out);
    if (c == 't')
        return scan_word(buf, len, p, 4, out);
    if (c == 'f')
        return scan_word(buf, len, p, 5, out);
    if (c == 'n')
        return scan_word(buf, len, p, 4, out);
    return fail_at(out, p, KEEL_DEFECT_SYNTAX,
                   unexpected(c, "expected a value"));
}

/* An object key at buf[p] (white space already skipped), its ':' and the
   white space after it: returns where the member's value starts. */
/*@ requires \valid_read(buf + (0 .. len - 1));
    requires p <= len;
    requires \valid(out);
    assigns *out;
    ensures \result == 0 || p < \result <= len;
    ensures \result == 0 ==> out->offset <= len;
 */
static size_t scan_key(const char *buf, size_t len, size_t p, size_t max_string,
                       struct keel_json_defect *out)
{
    if (p == len)
        return fail_at(out, len, KEEL_DEFECT_SYNTAX,
                       "unexpected end of input, expected a string key");
    const int c = byte_at(buf, p);
    if (c != '"')
        return fail_at(out, p, KEEL_DEFECT_SYNTAX,
                       unexpected(c, "expected a string key"));
    size_t q = scan_string(buf, len, p, max_string, out);
    if (q == 0)
        return 0;
    q = skip_ws(buf, len, q);
    if (q == len)
        return fail_at(out, len, KEEL_DEFECT_SYNTAX,
                       "unexpected end of input, expected ':'");
    if (byte_at(buf, q) != ':')
        return fail_at(out, q, KEEL_DEFECT_SYNTAX,
                       "expected ':' after an object key");
    return skip_ws(buf, len, q + 1);
}

/* Where the checker stands: the position, and the kind of every open
   container (kinds[i] for the one at depth i + 1). The array's fixed size
   bounds the nesting whatever max_depth says (json_check.h). */
struct cursor {
    size_t pos;
    size_t depth;
    unsigned char kinds[KEEL_JSON_NEST_CAP];
};

/*@ predicate cursor_ok(struct cursor *c, integer len, integer limit) =
      c->pos <= len && c->depth <= limit && limit <= KEEL_JSON_NEST_CAP;
 */

/* What a step leaves the main loop to do. */
enum { STEP_FAIL = -1, STEP_DONE = 0, STEP_VALUE = 1, STEP_ENDED = 2 };

/* Read what starts at cur->pos (not at the end): a scalar, after which a
   value has ended (STEP_ENDED), or the opening of a container. An empty
   container is a value that has ended too; a non-empty one leaves the
   cursor at its first value (STEP_VALUE), past the first key of an object.
   Opening a container beyond `limit` is a LIMIT defect. */
/*@ requires \valid_read(buf + (0 .. len - 1));
    requires \valid(cur) && \valid(out) && \separated(cur, out);
    requires cursor_ok(cur, len, limit) && cur->pos < len;
    assigns cur->pos, cur->depth, cur->kinds[0 .. KEEL_JSON_NEST_CAP - 1],
            *out;
    ensures \result == STEP_FAIL || \result == STEP_VALUE ||
            \result == STEP_ENDED;
    ensures \result != STEP_FAIL ==>
            cursor_ok(cur, len, limit) && \old(cur->pos) < cur->pos;
    ensures \result == STEP_FAIL ==> out->offset <= len;
 */
static int read_value(const char *buf, size_t len, struct cursor *cur,
                      size_t limit, size_t max_string,
                      struct keel_json_defect *out)
{
    const size_t p = cur->pos;
    const int c = byte_at(buf, p);
    size_t r;
    if (c != '[' && c != '{') {
        r = scan_scalar(buf, len, p, max_string, out);
        if (r == 0)
            return STEP_FAIL;
        cur->pos = r;
        return STEP_ENDED;
    }
    if (cur->depth >= limit)
        return fail(out, p, KEEL_DEFECT_LIMIT, "nesting deeper than the limit");
    /* The depth bound: never more than limit <= max_depth open containers,
       and the index stays inside kinds[]. */
    cur->kinds[cur->depth] = c == '{' ? KIND_OBJECT : KIND_ARRAY;
    cur->depth++;
    r = skip_ws(buf, len, p + 1);
    if (r < len && byte_at(buf, r) == (c == '{' ? '}' : ']')) {
        cur->depth--;
        cur->pos = r + 1;
        return STEP_ENDED;
    }
    if (c == '{') {
        r = scan_key(buf, len, r, max_string, out);
        if (r == 0)
            return STEP_FAIL;
    }
    cur->pos = r;
    return STEP_VALUE;
}

/* A value has ended at cur->pos: close the containers that end here, then
   either finish (depth 0: only white space may follow, STEP_DONE) or take
   one comma (and the next key, in an object) and expect a value. */
/*@ requires \valid_read(buf + (0 .. len - 1));
    requires \valid(cur) && \valid(out) && \separated(cur, out);
    requires cur->pos <= len && cur->depth <= KEEL_JSON_NEST_CAP;
    assigns cur->pos, cur->depth, *out;
    ensures \result == STEP_FAIL || \result == STEP_DONE ||
            \result == STEP_VALUE;
    ensures \result != STEP_FAIL ==>
            \old(cur->pos) <= cur->pos <= len &&
            cur->depth <= \old(cur->depth);
    ensures \result == STEP_FAIL ==> out->offset <= len;
 */
static int after_value(const char *buf, size_t len, struct cursor *cur,
                       size_t max_string, struct keel_json_defect *out)
{
    size_t pos = cur->pos;
    /*@ loop invariant \at(cur->pos, Pre) <= pos <= len;
        loop invariant cur->depth <= \at(cur->depth, Pre);
        loop assigns pos, cur->depth;
        loop variant len - pos;
     */
    for (;;) {
        pos = skip_ws(buf, len, pos);
        if (cur->depth == 0) {
            if (pos != len)
                return fail(out, pos, KEEL_DEFECT_SYNTAX,
                            "trailing bytes after the value");
            cur->pos = pos;
            return STEP_DONE;
        }
        if (pos == len)
            return fail(out, len, KEEL_DEFECT_SYNTAX,
                        "unexpected end of input inside a container");
        const int d = byte_at(buf, pos);
        const int is_object = cur->kinds[cur->depth - 1] == KIND_OBJECT;
        if (d == (is_object ? '}' : ']')) {
            cur->depth--;
            pos++;
            continue;
        }
        if (d != ',')
            return fail(out, pos, KEEL_DEFECT_SYNTAX,
                        is_object
                            ? "expected ',' or '}' after an object member"
                            : "expected ',' or ']' after an array element");
        pos = skip_ws(buf, len, pos + 1);
        if (is_object) {
            pos = scan_key(buf, len, pos, max_string, out);
            if (pos == 0)
                return STEP_FAIL;
        }
        cur->pos = pos;
        return STEP_VALUE;
    }
}

int keel_json_check(const char *buf, size_t len, size_t max_depth,
                    size_t max_string, struct keel_json_defect *out)
{
    struct cursor cur;
    const size_t limit =
        max_depth < KEEL_JSON_NEST_CAP ? max_depth : KEEL_JSON_NEST_CAP;

    /* A UTF-8 byte order mark is not JSON (RFC 8259 section 8.1 lets a
       parser ignore it; a strict checker does not). */
    if (len >= 3 && byte_at(buf, 0) == 0xef && byte_at(buf, 1) == 0xbb &&
        byte_at(buf, 2) == 0xbf)
        return fail(out, 0, KEEL_DEFECT_SYNTAX, "byte order mark");

    cur.pos = skip_ws(buf, len, 0);
    cur.depth = 0;
    /* Each turn reads one value (or opens a container up to its first
       value), and after a value closes what ends there and takes a comma:
       every turn consumes at least one byte. */
    /*@ loop invariant cursor_ok(&cur, len, limit);
        loop invariant limit <= max_depth;
        loop assigns cur, *out;
        loop variant len - cur.pos;
     */
    for (;;) {
        int step;
        if (cur.pos == len)
            return fail(out, len, KEEL_DEFECT_SYNTAX,
                        "unexpected end of input, expected a value");
        step = read_value(buf, len, &cur, limit, max_string, out);
        if (step == STEP_FAIL)
            return -1;
        /*@ assert cur.depth <= max_depth; */
        if (step == STEP_ENDED) {
            step = after_value(buf, len, &cur, max_string, out);
            if (step == STEP_FAIL)
                return -1;
            if (step == STEP_DONE) {
                out->offset = 0;
                out->defect = KEEL_DEFECT_NONE;
                out->message = "valid";
                return 0;
            }
        }
    }
}
