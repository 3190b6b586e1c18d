/*
 * test_name.c - the account-name rules (kernel/name.h): a valid name can
 * never form a path, and fits KEEL_NAME_MAX bytes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "name.h"

static int valid(const char *s)
{
    return keel_name_valid(s, strlen(s));
}

static void accepts_plain_names(void **state)
{
    (void)state;
    assert_int_equal(valid("work"), 1);
    assert_int_equal(valid("a"), 1);
    assert_int_equal(valid("Z"), 1);
    assert_int_equal(valid("7"), 1);
    assert_int_equal(valid("Work2"), 1);
}

static void accepts_every_allowed_punctuation_after_first(void **state)
{
    (void)state;
    assert_int_equal(valid("me@example.com"), 1);
    assert_int_equal(valid("a.b_c-d+e@f"), 1);
    assert_int_equal(valid("a-"), 1);
    assert_int_equal(valid("a."), 1);
    assert_int_equal(valid("a.."), 1);
}

static void accepts_exactly_64_bytes(void **state)
{
    (void)state;
    char s[KEEL_NAME_MAX + 1];
    memset(s, 'a', KEEL_NAME_MAX);
    s[KEEL_NAME_MAX] = '\0';
    assert_int_equal(keel_name_valid(s, KEEL_NAME_MAX), 1);
}

static void rejects_65_bytes(void **state)
{
    (void)state;
    char s[KEEL_NAME_MAX + 2];
    memset(s, 'a', KEEL_NAME_MAX + 1);
    s[KEEL_NAME_MAX + 1] = '\0';
    assert_int_equal(keel_name_valid(s, KEEL_NAME_MAX + 1), 0);
}

static void rejects_empty_name(void **state)
{
    (void)state;
    assert_int_equal(keel_name_valid("", 0), 0);
    assert_int_equal(keel_name_valid(NULL, 0), 0);
}

static void rejects_dot_and_dot_dot(void **state)
{
    (void)state;
    assert_int_equal(valid("."), 0);
    assert_int_equal(valid(".."), 0);
}

static void rejects_leading_dot(void **state)
{
    (void)state;
    assert_int_equal(valid(".hidden"), 0);
    assert_int_equal(valid("./a"), 0);
}

static void rejects_slash_anywhere(void **state)
{
    (void)state;
    assert_int_equal(valid("a/b"), 0);
    assert_int_equal(valid("/a"), 0);
    assert_int_equal(valid("a/"), 0);
    assert_int_equal(valid("../etc"), 0);
}

static void rejects_non_alphanumeric_first_byte(void **state)
{
    (void)state;
    assert_int_equal(valid("-a"), 0);
    assert_int_equal(valid("_a"), 0);
    assert_int_equal(valid("@a"), 0);
    assert_int_equal(valid("+a"), 0);
}

static void rejects_utf8_bytes(void **state)
{
    (void)state;
    assert_int_equal(valid("caf\xc3\xa9"), 0);       /* café */
    assert_int_equal(valid("\xc3\xa9t\xc3\xa9"), 0); /* été */
    assert_int_equal(valid("a\xe2\x81\x84"
                           "b"),
                     0); /* U+2044 FRACTION SLASH */
}

static void rejects_space_backslash_and_controls(void **state)
{
    (void)state;
    assert_int_equal(valid("a b"), 0);
    assert_int_equal(valid("a\\b"), 0);
    assert_int_equal(valid("a\tb"), 0);
    assert_int_equal(valid("a:b"), 0);
    assert_int_equal(valid("a*"), 0);
}

static void rejects_embedded_nul(void **state)
{
    (void)state;
    /* The length, not the NUL, delimits the name: "ab\0c" is not "ab". */
    assert_int_equal(keel_name_valid("ab\0c", 4), 0);
}

static void reads_only_len_bytes(void **state)
{
    (void)state;
    /* The byte after the name ('/') is outside it and must not matter. */
    assert_int_equal(keel_name_valid("ab/", 2), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(accepts_plain_names),
        cmocka_unit_test(accepts_every_allowed_punctuation_after_first),
        cmocka_unit_test(accepts_exactly_64_bytes),
        cmocka_unit_test(rejects_65_bytes),
        cmocka_unit_test(rejects_empty_name),
        cmocka_unit_test(rejects_dot_and_dot_dot),
        cmocka_unit_test(rejects_leading_dot),
        cmocka_unit_test(rejects_slash_anywhere),
        cmocka_unit_test(rejects_non_alphanumeric_first_byte),
        cmocka_unit_test(rejects_utf8_bytes),
        cmocka_unit_test(rejects_space_backslash_and_controls),
        cmocka_unit_test(rejects_embedded_nul),
        cmocka_unit_test(reads_only_len_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
