/*
 * test_json_check.c - the strict RFC 8259 checker (kernel/json_check.h):
 * one test per rejection rule, each asserting the defect kind and the exact
 * byte offset, and acceptance of the documents Keel must read.
 *
 * Every document is copied into a heap buffer of exactly its length, so an
 * ASan build (make test-asan) catches any read past buf[len - 1].
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "json_check.h"

/* Check doc[0..len-1] with the given limits, from an exact-size copy. */
static int check_limits(const char *doc, size_t len, size_t max_depth,
                        size_t max_string, struct keel_json_defect *d)
{
    char *buf = malloc(len > 0 ? len : 1);
    assert_non_null(buf);
    memcpy(buf, doc, len);
    int rc = keel_json_check(buf, len, max_depth, max_string, d);
    free(buf);
    return rc;
}

static void accept_n(const char *doc, size_t len)
{
    struct keel_json_defect d;
    int rc =
        check_limits(doc, len, KEEL_JSON_DEPTH_MAX, KEEL_JSON_STRING_MAX, &d);
    if (rc != 0)
        print_error("rejected at %zu: %s\n", d.offset, d.message);
    assert_int_equal(rc, 0);
}

static void accept(const char *doc)
{
    accept_n(doc, strlen(doc));
}

static void reject_n(const char *doc, size_t len, keel_defect kind,
                     size_t offset)
{
    struct keel_json_defect d;
    memset(&d, 0, sizeof d);
    int rc =
        check_limits(doc, len, KEEL_JSON_DEPTH_MAX, KEEL_JSON_STRING_MAX, &d);
    assert_int_equal(rc, -1);
    assert_int_equal(d.defect, kind);
    assert_int_equal(d.offset, offset);
    assert_non_null(d.message);
    /* One line, for the CLI's error envelope. */
    assert_null(strchr(d.message, '\n'));
}

static void reject(const char *doc, keel_defect kind, size_t offset)
{
    reject_n(doc, strlen(doc), kind, offset);
}

/* For rules whose offset another rule would also produce (a BOM is also a
   byte that cannot start a value; "01" also has a trailing "1"): the
   message must name the rule. */
static void reject_msg(const char *doc, keel_defect kind, size_t offset,
                       const char *needle)
{
    struct keel_json_defect d;
    reject(doc, kind, offset);
    (void)check_limits(doc, strlen(doc), KEEL_JSON_DEPTH_MAX,
                       KEEL_JSON_STRING_MAX, &d);
    if (strstr(d.message, needle) == NULL)
        print_error("message \"%s\" lacks \"%s\"\n", d.message, needle);
    assert_non_null(strstr(d.message, needle));
}

#define SYNTAX KEEL_DEFECT_SYNTAX
#define LIMIT KEEL_DEFECT_LIMIT

/* ---- acceptance ---------------------------------------------------------- */

/* registry.json as the Node tool writes it (DESIGN.md section 1). */
static const char registry_json[] =
    "{\n"
    "  \"version\": 1,\n"
    "  \"autoSwitch\": {\n"
    "    \"enabled\": false,\n"
    "    \"threshold5hPercent\": 10,\n"
    "    \"thresholdWeeklyPercent\": 5\n"
    "  },\n"
    "  \"api\": {\n"
    "    \"usage\": true\n"
    "  },\n"
    "  \"activeAccountName\": \"work\",\n"
    "  \"accounts\": {\n"
    "    \"work\": {\n"
    "      \"name\": \"work\",\n"
    "      \"email\": \"me@example.com\",\n"
    "      \"accountId\": \"acc-123\",\n"
    "      \"userId\": \"user-456\",\n"
    "      \"planType\": \"plus\",\n"
    "      \"createdAt\": \"2026-05-01T10:00:00.000Z\",\n"
    "      \"lastUsageAt\": \"2026-05-02T08:00:00.000Z\",\n"
    "      \"lastUsage\": {\n"
    "        \"primary\": {\n"
    "          \"usedPercent\": 42.5,\n"
    "          \"windowMinutes\": 300,\n"
    "          \"resetsAt\": 1777777777\n"
    "        },\n"
    "        \"secondary\": {\n"
    "          \"usedPercent\": 7,\n"
    "          \"windowMinutes\": 10080,\n"
    "          \"resetsAt\": 1778000000\n"
    "        },\n"
    "        \"planType\": \"plus\",\n"
    "        \"fetchedAt\": \"2026-05-02T08:00:00.000Z\",\n"
    "        \"source\": \"api\"\n"
    "      }\n"
    "    },\n"
    "    \"caf\xc3\xa9-\\u00e9\\ud83d\\ude00\": {\n"
    "      \"name\": \"x\",\n"
    "      \"note\": [null, true, false, -0, 0.5, 1e-5, 2E+10, \"\", [], {}]\n"
    "    }\n"
    "  },\n"
    "  \"unknownFutureField\": {\"nested\": [[[]]]}\n"
    "}\n";

static void accepts_realistic_registry(void **state)
{
    (void)state;
    accept(registry_json);
}

static void accepts_every_scalar_at_top_level(void **state)
{
    (void)state;
    accept("0");
    accept("-0");
    accept("123");
    accept("-1.5e10");
    accept("0.0e-0");
    accept("true");
    accept("false");
    accept("null");
    accept("\"\"");
    accept("[]");
    accept("{}");
    accept(" \t\r\n[ 1 , { \"a\" : [ ] } ]\n\r\t ");
}

static void accepts_every_escape_and_a_surrogate_pair(void **state)
{
    (void)state;
    accept("\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\u0001\\uD83D\\uDE00\\uFFFF"
           "\"");
    accept("\"\\uDBFF\\uDFFF\""); /* U+10FFFF */
}

static void accepts_utf8_at_every_boundary(void **state)
{
    (void)state;
    accept("\"\xc2\x80\xdf\xbf\""); /* U+0080, U+07FF */
    accept("\"\xe0\xa0\x80\xed\x9f\xbf\xee\x80\x80\xef\xbf\xbf\"");
    /* U+0800, U+D7FF, U+E000, U+FFFF */
    accept("\"\xf0\x90\x80\x80\xf4\x8f\xbf\xbf\""); /* U+10000, U+10FFFF */
    accept("\"\x7f\""); /* DEL is not a control byte in JSON */
}

static void accepts_extreme_finite_numbers(void **state)
{
    (void)state;
    accept("1.7976931348623157e308"); /* DBL_MAX */
    accept("-1.7976931348623157e308");
    accept("4.9e-324");  /* smallest subnormal: not zero */
    accept("0e-999999"); /* a zero literal is zero, not an underflow */
    accept("-0.000e+999999");
}

static void make_nested(char *buf, size_t depth)
{
    for (size_t i = 0; i < depth; i++) {
        buf[i] = '[';
        buf[2 * depth - 1 - i] = ']';
    }
}

static void accepts_nesting_at_exactly_the_limit(void **state)
{
    (void)state;
    char buf[2 * KEEL_JSON_DEPTH_MAX];
    make_nested(buf, KEEL_JSON_DEPTH_MAX);
    accept_n(buf, sizeof buf);
}

static void accepts_objects_nested_at_exactly_the_limit(void **state)
{
    (void)state;
    /* {"a":{"a":...{}...}} with KEEL_JSON_DEPTH_MAX objects. */
    char buf[KEEL_JSON_DEPTH_MAX * 6];
    size_t n = 0;
    for (size_t i = 0; i + 1 < KEEL_JSON_DEPTH_MAX; i++) {
        memcpy(buf + n, "{\"a\":", 5);
        n += 5;
    }
    buf[n++] = '{';
    for (size_t i = 0; i < KEEL_JSON_DEPTH_MAX; i++)
        buf[n++] = '}';
    accept_n(buf, n);
    struct keel_json_defect d;
    assert_int_equal(
        check_limits(buf, n, KEEL_JSON_DEPTH_MAX - 1, KEEL_JSON_STRING_MAX, &d),
        -1);
    assert_int_equal(d.defect, LIMIT);
    assert_int_equal(d.offset, (KEEL_JSON_DEPTH_MAX - 1) * 5);
}

static void accepts_string_at_exactly_the_length_limit(void **state)
{
    (void)state;
    static char buf[KEEL_JSON_STRING_MAX + 2];
    memset(buf, 'x', sizeof buf);
    buf[0] = '"';
    buf[KEEL_JSON_STRING_MAX + 1] = '"';
    accept_n(buf, sizeof buf);
}

static void accepts_key_at_exactly_the_length_limit(void **state)
{
    (void)state;
    struct keel_json_defect d;
    assert_int_equal(check_limits("{\"abcd\":\"wxyz\"}", 15, 4, 4, &d), 0);
}

static void reads_only_len_bytes(void **state)
{
    (void)state;
    /* The bytes after len (here "]]" and garbage) are not the document. */
    accept_n("[1]]] garbage", 3);
    accept_n("\"ab\"\x80", 4);
}

/* ---- nesting and length limits (LIMIT) ----------------------------------- */

static void rejects_nesting_one_beyond_the_limit(void **state)
{
    (void)state;
    char buf[2 * (KEEL_JSON_DEPTH_MAX + 1)];
    make_nested(buf, KEEL_JSON_DEPTH_MAX + 1);
    /* Reported at the bracket that opens level KEEL_JSON_DEPTH_MAX + 1. */
    reject_n(buf, sizeof buf, LIMIT, KEEL_JSON_DEPTH_MAX);
}

static void rejects_nesting_beyond_internal_cap_whatever_max_depth(void **state)
{
    (void)state;
    static char buf[2 * (KEEL_JSON_NEST_CAP + 1)];
    struct keel_json_defect d;
    make_nested(buf, KEEL_JSON_NEST_CAP);
    assert_int_equal(check_limits(buf, 2 * KEEL_JSON_NEST_CAP, 100000,
                                  KEEL_JSON_STRING_MAX, &d),
                     0);
    make_nested(buf, KEEL_JSON_NEST_CAP + 1);
    assert_int_equal(
        check_limits(buf, sizeof buf, 100000, KEEL_JSON_STRING_MAX, &d), -1);
    assert_int_equal(d.defect, LIMIT);
    assert_int_equal(d.offset, KEEL_JSON_NEST_CAP);
}

static void rejects_string_one_byte_over_the_limit(void **state)
{
    (void)state;
    static char buf[KEEL_JSON_STRING_MAX + 3];
    memset(buf, 'x', sizeof buf);
    buf[0] = '"';
    buf[KEEL_JSON_STRING_MAX + 2] = '"';
    /* The first byte beyond the limit. */
    reject_n(buf, sizeof buf, LIMIT, 1 + KEEL_JSON_STRING_MAX);
}

static void rejects_string_over_the_limit_before_later_defects(void **state)
{
    (void)state;
    struct keel_json_defect d;
    /* The limit is hit at byte 5, before the bad escape at 6 is read. */
    assert_int_equal(check_limits("\"abcd\\x\"", 8, 4, 4, &d), -1);
    assert_int_equal(d.defect, LIMIT);
    assert_int_equal(d.offset, 5);
    /* And before the input runs out. */
    assert_int_equal(check_limits("\"abcdefgh", 9, 4, 4, &d), -1);
    assert_int_equal(d.defect, LIMIT);
    assert_int_equal(d.offset, 5);
}

static void rejects_string_over_the_limit_through_an_escape(void **state)
{
    (void)state;
    struct keel_json_defect d;
    /* Raw bytes count: \u0041 is 6 bytes, so "ab\u0041" is 8 > 4. */
    assert_int_equal(check_limits("\"ab\\u0041\"", 10, 4, 4, &d), -1);
    assert_int_equal(d.defect, LIMIT);
    assert_int_equal(d.offset, 5);
}

static void rejects_key_over_the_limit(void **state)
{
    (void)state;
    struct keel_json_defect d;
    assert_int_equal(check_limits("{\"abcde\":1}", 11, 4, 4, &d), -1);
    assert_int_equal(d.defect, LIMIT);
    assert_int_equal(d.offset, 6);
}

static void rejects_number_over_the_length_limit(void **state)
{
    (void)state;
    static char buf[KEEL_JSON_NUMBER_MAX + 1];
    memset(buf, '0', sizeof buf);
    buf[0] = '1';
    buf[1] = '.';
    accept_n(buf, KEEL_JSON_NUMBER_MAX); /* exactly at the limit */
    reject_n(buf, sizeof buf, LIMIT, KEEL_JSON_NUMBER_MAX);
}

/* ---- bytes outside strings ----------------------------------------------- */

static void rejects_empty_input(void **state)
{
    (void)state;
    reject("", SYNTAX, 0);
    reject(" \n\t\r", SYNTAX, 4);
}

static void rejects_byte_order_mark(void **state)
{
    (void)state;
    reject_msg("\xef\xbb\xbf{}", SYNTAX, 0, "byte order mark");
    reject(" \xef\xbb\xbf{}", SYNTAX, 1);
}

static void rejects_nul_byte_outside_string(void **state)
{
    (void)state;
    reject_n("\0", 1, SYNTAX, 0);
    reject_n("[1,\0 2]", 7, SYNTAX, 3);
    reject_n("{}\0", 3, SYNTAX, 2);
}

static void rejects_whitespace_other_than_sp_tab_cr_lf(void **state)
{
    (void)state;
    reject_msg("[1,\f2]", SYNTAX, 3, "white space"); /* form feed */
    reject_msg("[1,\v2]", SYNTAX, 3, "white space"); /* vertical tab */
    reject("\xc2\xa0[]", SYNTAX, 0);                 /* NO-BREAK SPACE */
    reject("[1\x1c]", SYNTAX, 2); /* cJSON skips any byte <= 0x20 */
}

static void rejects_trailing_bytes_after_the_value(void **state)
{
    (void)state;
    reject("{} x", SYNTAX, 3);
    reject("1 2", SYNTAX, 2);
    reject("[]]", SYNTAX, 2);
    reject("{}{}", SYNTAX, 2);
    reject("truex", SYNTAX, 4);
}

static void rejects_bad_literal(void **state)
{
    (void)state;
    reject("tru", SYNTAX, 3);
    reject("nul1", SYNTAX, 3);
    reject("True", SYNTAX, 0);
    reject("[fals]", SYNTAX, 5);
    reject("undefined", SYNTAX, 0);
}

/* ---- numbers ------------------------------------------------------------- */

static void rejects_leading_zero(void **state)
{
    (void)state;
    /* At the digit after the zero: "0" alone is a complete number. */
    reject_msg("01", SYNTAX, 1, "leading zero");
    reject_msg("[-012]", SYNTAX, 3, "leading zero");
    reject_msg("00", SYNTAX, 1, "leading zero");
}

static void rejects_decimal_point_without_fraction_digits(void **state)
{
    (void)state;
    reject("1.", SYNTAX, 2);
    reject("[1.]", SYNTAX, 3);
    reject("1.e5", SYNTAX, 2);
}

static void rejects_missing_integer_part(void **state)
{
    (void)state;
    reject("-.5", SYNTAX, 1);
    reject(".5", SYNTAX, 0);
    reject("-", SYNTAX, 1);
    reject("[-]", SYNTAX, 2);
}

static void rejects_plus_sign(void **state)
{
    (void)state;
    reject("+1", SYNTAX, 0);
    reject("[+1]", SYNTAX, 1);
}

static void rejects_incomplete_exponent(void **state)
{
    (void)state;
    reject("1e", SYNTAX, 2);
    reject("1e+", SYNTAX, 3);
    reject("[1E-x]", SYNTAX, 4);
}

static void rejects_non_json_number_forms(void **state)
{
    (void)state;
    reject("0x10", SYNTAX, 1);
    reject("Infinity", SYNTAX, 0);
    reject("NaN", SYNTAX, 0);
    reject("-Infinity", SYNTAX, 1);
}

static void rejects_number_overflowing_to_infinity(void **state)
{
    (void)state;
    reject("1e400", SYNTAX, 0);
    reject("[1, -1e309]", SYNTAX, 4);
    reject("1.7976931348623159e308", SYNTAX, 0); /* rounds to inf */
}

static void rejects_number_underflowing_to_zero(void **state)
{
    (void)state;
    reject("1e-400", SYNTAX, 0);
    reject("{\"a\": -2e-324}", SYNTAX, 6); /* below half the least subnormal */
    reject("0.0001e-999", SYNTAX, 0);
}

/* ---- strings ------------------------------------------------------------- */

static void rejects_unterminated_string(void **state)
{
    (void)state;
    reject("\"abc", SYNTAX, 4);
    reject("\"abc\\", SYNTAX, 5);
    reject("[\"a]", SYNTAX, 4);
}

static void rejects_nul_byte_in_string(void **state)
{
    (void)state;
    reject_n("\"a\0b\"", 5, SYNTAX, 2);
}

static void rejects_raw_control_byte_in_string(void **state)
{
    (void)state;
    reject("\"a\tb\"", SYNTAX, 2);
    reject("\"a\nb\"", SYNTAX, 2);
    reject("\"\x1f\"", SYNTAX, 1);
    reject("{\"k\x01\":1}", SYNTAX, 3);
}

static void rejects_invalid_escape(void **state)
{
    (void)state;
    reject("\"\\x\"", SYNTAX, 2);
    reject("\"\\a\"", SYNTAX, 2);
    reject("\"\\U0041\"", SYNTAX, 2);
    reject("\"\\'\"", SYNTAX, 2);
}

static void rejects_bad_unicode_escape(void **state)
{
    (void)state;
    /* cJSON decodes "\uqqqq" as NUL. */
    reject("\"\\uqqqq\"", SYNTAX, 3);
    reject("\"\\u12g4\"", SYNTAX, 5);
    reject("\"\\u12\"", SYNTAX, 5);
}

static void rejects_incomplete_unicode_escape_at_end(void **state)
{
    (void)state;
    reject("\"\\u12", SYNTAX, 5);
    reject("\"\\u", SYNTAX, 3);
}

static void rejects_escaped_nul(void **state)
{
    (void)state;
    /* cJSON would truncate the key "admin\u0000x" to "admin". */
    reject("{\"admin\\u0000x\":1}", SYNTAX, 7);
    reject("\"\\u0000\"", SYNTAX, 1);
}

static void rejects_lone_low_surrogate(void **state)
{
    (void)state;
    reject("\"\\uDC00\"", SYNTAX, 1);
    reject("\"a\\udfff\"", SYNTAX, 2);
}

static void rejects_lone_high_surrogate(void **state)
{
    (void)state;
    reject("\"\\uD800\"", SYNTAX, 7); /* at the closing quote */
    reject("\"\\uD800x\\uDC00\"", SYNTAX, 7);
    reject("\"\\uDBFF", SYNTAX, 7); /* input ends */
}

static void rejects_high_surrogate_followed_by_non_low_escape(void **state)
{
    (void)state;
    reject("\"\\uD800\\u0041\"", SYNTAX, 7);
    reject("\"\\uD800\\uD800\"", SYNTAX, 7);
    reject("\"\\uD800\\n\"", SYNTAX, 8);
}

static void rejects_misordered_surrogates(void **state)
{
    (void)state;
    /* Low then high: the low one is lone. */
    reject("\"\\uDC00\\uD800\"", SYNTAX, 1);
}

static void rejects_overlong_utf8(void **state)
{
    (void)state;
    reject("\"\xc0\xaf\"", SYNTAX, 1); /* '/' in 2 bytes */
    reject("\"\xc1\xbf\"", SYNTAX, 1);
    reject("\"\xe0\x80\xaf\"", SYNTAX, 2);     /* '/' in 3 bytes */
    reject("\"\xf0\x80\x80\xaf\"", SYNTAX, 2); /* '/' in 4 bytes */
    reject("\"\xe0\x9f\xbf\"", SYNTAX, 2);     /* U+07FF in 3 bytes */
}

static void rejects_utf8_encoded_surrogate(void **state)
{
    (void)state;
    reject("\"\xed\xa0\x80\"", SYNTAX, 2); /* U+D800 */
    reject("\"\xed\xbf\xbf\"", SYNTAX, 2); /* U+DFFF */
}

static void rejects_utf8_beyond_u10ffff(void **state)
{
    (void)state;
    reject("\"\xf4\x90\x80\x80\"", SYNTAX, 2); /* U+110000 */
    reject("\"\xf5\x80\x80\x80\"", SYNTAX, 1);
    reject("\"\xff\"", SYNTAX, 1);
}

static void rejects_truncated_utf8(void **state)
{
    (void)state;
    reject("\"\xe2\x82\"", SYNTAX, 3); /* the quote is no continuation */
    reject("\"\xe2\x82", SYNTAX, 3);   /* input ends */
    reject("\"\xf0\x9f\x98 \"", SYNTAX, 4);
}

static void rejects_lone_continuation_byte(void **state)
{
    (void)state;
    reject("\"\x80\"", SYNTAX, 1);
    reject("\"a\xbf\"", SYNTAX, 2);
}

/* ---- structure ----------------------------------------------------------- */

static void rejects_unclosed_container(void **state)
{
    (void)state;
    reject("[1,", SYNTAX, 3);
    reject("{\"a\":1", SYNTAX, 6);
    reject("[", SYNTAX, 1);
    reject("{", SYNTAX, 1);
    reject("{\"a\":", SYNTAX, 5);
}

static void rejects_trailing_comma(void **state)
{
    (void)state;
    reject("[1,]", SYNTAX, 3);
    reject("{\"a\":1,}", SYNTAX, 7);
    reject("[,1]", SYNTAX, 1);
}

static void rejects_missing_comma(void **state)
{
    (void)state;
    reject("[1 2]", SYNTAX, 3);
    reject("{\"a\":1 \"b\":2}", SYNTAX, 7);
}

static void rejects_missing_colon(void **state)
{
    (void)state;
    reject("{\"a\" 1}", SYNTAX, 5);
    reject("{\"a\"}", SYNTAX, 4);
    reject("{\"a\"", SYNTAX, 4);
}

static void rejects_non_string_key(void **state)
{
    (void)state;
    reject("{1:2}", SYNTAX, 1);
    reject("{a:2}", SYNTAX, 1);
    reject("{'a':2}", SYNTAX, 1);
}

static void rejects_mismatched_bracket(void **state)
{
    (void)state;
    reject("[1}", SYNTAX, 2);
    reject("{\"a\":1]", SYNTAX, 6);
    reject("[{]}", SYNTAX, 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(accepts_realistic_registry),
        cmocka_unit_test(accepts_every_scalar_at_top_level),
        cmocka_unit_test(accepts_every_escape_and_a_surrogate_pair),
        cmocka_unit_test(accepts_utf8_at_every_boundary),
        cmocka_unit_test(accepts_extreme_finite_numbers),
        cmocka_unit_test(accepts_nesting_at_exactly_the_limit),
        cmocka_unit_test(accepts_objects_nested_at_exactly_the_limit),
        cmocka_unit_test(accepts_string_at_exactly_the_length_limit),
        cmocka_unit_test(accepts_key_at_exactly_the_length_limit),
        cmocka_unit_test(reads_only_len_bytes),
        cmocka_unit_test(rejects_nesting_one_beyond_the_limit),
        cmocka_unit_test(
            rejects_nesting_beyond_internal_cap_whatever_max_depth),
        cmocka_unit_test(rejects_string_one_byte_over_the_limit),
        cmocka_unit_test(rejects_string_over_the_limit_before_later_defects),
        cmocka_unit_test(rejects_string_over_the_limit_through_an_escape),
        cmocka_unit_test(rejects_key_over_the_limit),
        cmocka_unit_test(rejects_number_over_the_length_limit),
        cmocka_unit_test(rejects_empty_input),
        cmocka_unit_test(rejects_byte_order_mark),
        cmocka_unit_test(rejects_nul_byte_outside_string),
        cmocka_unit_test(rejects_whitespace_other_than_sp_tab_cr_lf),
        cmocka_unit_test(rejects_trailing_bytes_after_the_value),
        cmocka_unit_test(rejects_bad_literal),
        cmocka_unit_test(rejects_leading_zero),
        cmocka_unit_test(rejects_decimal_point_without_fraction_digits),
        cmocka_unit_test(rejects_missing_integer_part),
        cmocka_unit_test(rejects_plus_sign),
        cmocka_unit_test(rejects_incomplete_exponent),
        cmocka_unit_test(rejects_non_json_number_forms),
        cmocka_unit_test(rejects_number_overflowing_to_infinity),
        cmocka_unit_test(rejects_number_underflowing_to_zero),
        cmocka_unit_test(rejects_unterminated_string),
        cmocka_unit_test(rejects_nul_byte_in_string),
        cmocka_unit_test(rejects_raw_control_byte_in_string),
        cmocka_unit_test(rejects_invalid_escape),
        cmocka_unit_test(rejects_bad_unicode_escape),
        cmocka_unit_test(rejects_incomplete_unicode_escape_at_end),
        cmocka_unit_test(rejects_escaped_nul),
        cmocka_unit_test(rejects_lone_low_surrogate),
        cmocka_unit_test(rejects_lone_high_surrogate),
        cmocka_unit_test(rejects_high_surrogate_followed_by_non_low_escape),
        cmocka_unit_test(rejects_misordered_surrogates),
        cmocka_unit_test(rejects_overlong_utf8),
        cmocka_unit_test(rejects_utf8_encoded_surrogate),
        cmocka_unit_test(rejects_utf8_beyond_u10ffff),
        cmocka_unit_test(rejects_truncated_utf8),
        cmocka_unit_test(rejects_lone_continuation_byte),
        cmocka_unit_test(rejects_unclosed_container),
        cmocka_unit_test(rejects_trailing_comma),
        cmocka_unit_test(rejects_missing_comma),
        cmocka_unit_test(rejects_missing_colon),
        cmocka_unit_test(rejects_non_string_key),
        cmocka_unit_test(rejects_mismatched_bracket),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
