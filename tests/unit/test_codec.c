/*
 * test_codec.c - strict decoding: one test per rejection rule, with the
 * defect kind and the byte offset (syntax, limit) or JSON path (schema);
 * warnings for known fields Keel does not understand, which are kept.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../kernel/codec.h"
#include "../../kernel/json_check.h"
#include "../../kernel/tree.h"

/* The tests build and inspect trees with cJSON itself (keel_json is
   struct cJSON). */
#include <cjson/cJSON.h>

/* Decode s from a heap buffer of exactly strlen(s) bytes (no NUL after it,
   so ASan catches any read past len). */
static keel_status decode_exact(const char *s, struct keel_registry **r,
                                struct keel_warnings *w, struct keel_err *err)
{
    size_t n = strlen(s);
    char *buf = malloc(n > 0 ? n : 1);
    assert_non_null(buf);
    memcpy(buf, s, n);
    keel_err_clear(err);
    err->file = "registry.json";
    keel_status st = keel_codec_decode(buf, n, r, w, err);
    free(buf);
    return st;
}

/* s must be rejected as a schema defect at path. */
static void expect_schema(const char *s, const char *path)
{
    struct keel_registry *r = (struct keel_registry *)1;
    struct keel_err err;
    assert_int_equal(decode_exact(s, &r, NULL, &err), KEEL_E_CORRUPT);
    assert_null(r);
    assert_int_equal(err.defect, KEEL_DEFECT_SCHEMA);
    assert_int_equal(err.step, KEEL_STEP_DECODE);
    assert_int_equal(err.offset, -1);
    assert_string_equal(err.json_path, path);
    assert_non_null(err.message);
    assert_null(strchr(err.message, '\n'));
    assert_string_equal(err.file, "registry.json"); /* left as set */
}

/* s must be rejected as a syntax (or limit) defect at offset. */
static void expect_bytes(const char *s, keel_defect defect, long long offset)
{
    struct keel_registry *r = (struct keel_registry *)1;
    struct keel_err err;
    assert_int_equal(decode_exact(s, &r, NULL, &err), KEEL_E_CORRUPT);
    assert_null(r);
    assert_int_equal(err.defect, defect);
    assert_int_equal(err.step, KEEL_STEP_DECODE);
    assert_int_equal(err.offset, offset);
    assert_non_null(err.message);
    assert_string_equal(err.file, "registry.json");
}

/* s must decode; returns the registry. */
static struct keel_registry *expect_ok(const char *s, struct keel_warnings *w)
{
    struct keel_registry *r = NULL;
    struct keel_err err;
    assert_int_equal(decode_exact(s, &r, w, &err), KEEL_OK);
    assert_non_null(r);
    return r;
}

#define ACC(name) "\"" name "\": {\"name\": \"" name "\"}"

/* ---- accepted ----------------------------------------------------------- */

static void minimal_registry_decodes(void **state)
{
    (void)state;
    struct keel_warnings w;
    struct keel_registry *r =
        expect_ok("{\"version\": 1, \"accounts\": {" ACC("work") "}}", &w);
    assert_int_equal(w.count, 0);
    assert_int_equal(keel_registry_count(r), 1);
    assert_string_equal(keel_registry_name_at(r, 0), "work");
    keel_registry_free(r);
}

static void absent_accounts_is_empty(void **state)
{
    (void)state;
    struct keel_registry *r = expect_ok("{\"version\": 1}", NULL);
    assert_int_equal(keel_registry_count(r), 0);
    keel_registry_free(r);
}

static void version_one_point_zero_is_one(void **state)
{
    (void)state;
    /* JSON.parse reads 1.0 as 1, and JSON.stringify writes it as 1. */
    struct keel_registry *r =
        expect_ok("{\"version\": 1.0, \"accounts\": {}}", NULL);
    char *out = NULL;
    size_t n = 0;
    struct keel_err err;
    assert_int_equal(keel_codec_encode(r, &out, &n, &err), KEEL_OK);
    assert_string_equal(out, "{\n  \"version\": 1,\n  \"accounts\": {}\n}\n");
    free(out);
    keel_registry_free(r);
}

/* ---- schema rejections -------------------------------------------------- */

static void rejects_duplicate_top_key(void **state)
{
    (void)state;
    expect_schema("{\"version\": 1, \"accounts\": {}, \"version\": 1}",
                  "version");
}

static void rejects_duplicate_nested_key(void **state)
{
    (void)state;
    expect_schema("{\"version\": 1, \"accounts\": {\"work\": {\"name\": "
                  "\"work\", \"email\": \"a\", \"email\": \"b\"}}}",
                  "accounts.work.email");
}

static void rejects_duplicate_key_in_array_element(void **state)
{
    (void)state;
    expect_schema("{\"version\": 1, \"x\": [1, {\"a\": 1, \"a\": 2}]}",
                  "x[1].a");
}

static void rejects_duplicate_account_among_many(void **state)
{
    (void)state;
    /* More members than the pairwise check handles: the sorted path. */
    char *s = malloc(100000);
    assert_non_null(s);
    strcpy(s, "{\"version\": 1, \"accounts\": {");
    for (int i = 0; i < 500; i++) {
        char one[80];
        snprintf(one, sizeof one, "%s\"a%d\": {\"name\": \"a%d\"}",
                 i ? ", " : "", i == 400 ? 17 : i, i == 400 ? 17 : i);
        strcat(s, one);
    }
    strcat(s, "}}");
    expect_schema(s, "accounts.a17");
    free(s);
}

static void case_variant_keys_are_distinct(void **state)
{
    (void)state;
    /* "Version" is not "version": the lookup is case-sensitive only. */
    expect_schema("{\"Version\": 1, \"accounts\": {}}", "version");
    expect_schema("{\"version\": 1, \"accounts\": {\"work\": {\"Name\": "
                  "\"work\"}}}",
                  "accounts.work.name");
    /* ... and both spellings side by side are two distinct keys, kept. */
    struct keel_registry *r = expect_ok(
        "{\"version\": 1, \"Version\": 2, \"accounts\": {" ACC("Work") ", "
        ACC("work") "}}",
        NULL);
    assert_int_equal(keel_registry_count(r), 2);
    assert_string_equal(keel_registry_name_at(r, 0), "Work");
    assert_string_equal(keel_registry_name_at(r, 1), "work");
    const cJSON *v = keel_tree_get(keel_registry_doc_const(r), "Version");
    assert_non_null(v);
    assert_true(v->valuedouble == 2);
    keel_registry_free(r);
}

static void rejects_top_level_not_object(void **state)
{
    (void)state;
    expect_schema("[1, 2]", "");
    expect_schema("\"version\"", "");
    expect_schema("null", "");
}

static void rejects_version_not_one(void **state)
{
    (void)state;
    expect_schema("{\"version\": 2, \"accounts\": {}}", "version");
    expect_schema("{\"version\": \"1\", \"accounts\": {}}", "version");
    expect_schema("{\"version\": true, \"accounts\": {}}", "version");
    expect_schema("{\"accounts\": {}}", "version");
}

static void rejects_accounts_not_object(void **state)
{
    (void)state;
    expect_schema("{\"version\": 1, \"accounts\": []}", "accounts");
    expect_schema("{\"version\": 1, \"accounts\": null}", "accounts");
    expect_schema("{\"version\": 1, \"accounts\": \"work\"}", "accounts");
}

static void rejects_account_not_object(void **state)
{
    (void)state;
    expect_schema("{\"version\": 1, \"accounts\": {\"work\": \"work\"}}",
                  "accounts.work");
    expect_schema("{\"version\": 1, \"accounts\": {\"work\": null}}",
                  "accounts.work");
}

static void rejects_account_key_differing_from_name(void **state)
{
    (void)state;
    expect_schema("{\"version\": 1, \"accounts\": {\"work\": {\"name\": "
                  "\"home\"}}}",
                  "accounts.work.name");
    expect_schema("{\"version\": 1, \"accounts\": {\"work\": {\"name\": "
                  "\"Work\"}}}",
                  "accounts.work.name");
    expect_schema("{\"version\": 1, \"accounts\": {\"work\": {}}}",
                  "accounts.work.name");
    expect_schema("{\"version\": 1, \"accounts\": {\"work\": {\"name\": 7}}}",
                  "accounts.work.name");
}

static void rejects_invalid_account_name(void **state)
{
    (void)state;
    expect_schema("{\"version\": 1, \"accounts\": {\"../x\": {\"name\": "
                  "\"../x\"}}}",
                  "accounts.../x");
    expect_schema("{\"version\": 1, \"accounts\": {\".hidden\": {\"name\": "
                  "\".hidden\"}}}",
                  "accounts..hidden");
    expect_schema("{\"version\": 1, \"accounts\": {\"\": {\"name\": \"\"}}}",
                  "accounts.");
    expect_schema("{\"version\": 1, \"accounts\": {\"a b\": {\"name\": "
                  "\"a b\"}}}",
                  "accounts.a b");
    /* 65 bytes: one over KEEL_NAME_MAX. */
    char s[400], name[66];
    memset(name, 'a', 65);
    name[65] = '\0';
    snprintf(s, sizeof s,
             "{\"version\": 1, \"accounts\": {\"%s\": {\"name\": \"%s\"}}}",
             name, name);
    char path[80];
    snprintf(path, sizeof path, "accounts.%s", name);
    expect_schema(s, path);
    /* 64 bytes is fine. */
    name[64] = '\0';
    snprintf(s, sizeof s,
             "{\"version\": 1, \"accounts\": {\"%s\": {\"name\": \"%s\"}}}",
             name, name);
    keel_registry_free(expect_ok(s, NULL));
}

/* ---- limit and syntax rejections (through keel_json_check) --------------- */

static void rejects_file_over_size_cap(void **state)
{
    (void)state;
    size_t n = KEEL_REGISTRY_SIZE_MAX + 1u;
    char *buf = malloc(n);
    assert_non_null(buf);
    memset(buf, ' ', n);
    struct keel_registry *r = NULL;
    struct keel_err err;
    keel_err_clear(&err);
    assert_int_equal(keel_codec_decode(buf, n, &r, NULL, &err),
                     KEEL_E_CORRUPT);
    assert_null(r);
    assert_int_equal(err.defect, KEEL_DEFECT_LIMIT);
    assert_int_equal(err.offset, (long long)KEEL_REGISTRY_SIZE_MAX);
    free(buf);
}

static void rejects_trailing_bytes(void **state)
{
    (void)state;
    expect_bytes("{\"version\": 1} x", KEEL_DEFECT_SYNTAX, 15);
    expect_bytes("{\"version\": 1}{}", KEEL_DEFECT_SYNTAX, 14);
}

static void rejects_leading_zero(void **state)
{
    (void)state;
    expect_bytes("{\"version\": 01}", KEEL_DEFECT_SYNTAX, 13);
}

static void rejects_bom(void **state)
{
    (void)state;
    expect_bytes("\xEF\xBB\xBF{\"version\": 1}", KEEL_DEFECT_SYNTAX, 0);
}

static void rejects_escaped_nul(void **state)
{
    (void)state;
    /* cJSON would truncate the key "admin\u0000x" to "admin". */
    expect_bytes("{\"version\": 1, \"admin\\u0000x\": 1}", KEEL_DEFECT_SYNTAX,
                 21);
}

static void rejects_raw_control_byte(void **state)
{
    (void)state;
    expect_bytes("{\"version\": 1, \"a\": \"x\ty\"}", KEEL_DEFECT_SYNTAX, 22);
}

static void rejects_nul_byte(void **state)
{
    (void)state;
    struct keel_registry *r = NULL;
    struct keel_err err;
    keel_err_clear(&err);
    assert_int_equal(keel_codec_decode("{\"version\": 1}\0", 15, &r, NULL, &err),
                     KEEL_E_CORRUPT);
    assert_int_equal(err.defect, KEEL_DEFECT_SYNTAX);
    assert_int_equal(err.offset, 14);
}

static void rejects_number_overflow_and_underflow(void **state)
{
    (void)state;
    expect_bytes("{\"version\": 1, \"x\": 1e400}", KEEL_DEFECT_SYNTAX, 20);
    expect_bytes("{\"version\": 1, \"x\": -1e-400}", KEEL_DEFECT_SYNTAX, 20);
}

static void rejects_deep_nesting(void **state)
{
    (void)state;
    /* Object at depth 1, then arrays: the 65th container is too deep. */
    char s[200];
    size_t n = 0;
    n += (size_t)snprintf(s, sizeof s, "{\"x\":");
    for (int i = 0; i < KEEL_JSON_DEPTH_MAX; i++)
        s[n++] = '[';
    s[n] = '\0';
    expect_bytes(s, KEEL_DEFECT_LIMIT, 5 + KEEL_JSON_DEPTH_MAX - 1);
}

static void rejects_long_string(void **state)
{
    (void)state;
    size_t n = KEEL_JSON_STRING_MAX + 100;
    char *s = malloc(n + 40);
    assert_non_null(s);
    strcpy(s, "{\"version\": 1, \"x\": \"");
    size_t at = strlen(s);
    memset(s + at, 'a', KEEL_JSON_STRING_MAX + 1);
    strcpy(s + at + KEEL_JSON_STRING_MAX + 1, "\"}");
    expect_bytes(s, KEEL_DEFECT_LIMIT, (long long)(at + KEEL_JSON_STRING_MAX));
    free(s);
}

static void rejects_invalid_utf8(void **state)
{
    (void)state;
    expect_bytes("{\"version\": 1, \"x\": \"\xC0\xAF\"}", KEEL_DEFECT_SYNTAX,
                 21);
}

static void rejects_empty_input(void **state)
{
    (void)state;
    expect_bytes("", KEEL_DEFECT_SYNTAX, 0);
}

/* ---- the number check keel_json_check relies on (json_number.c) --------- */

static int num_ok(const char *s)
{
    return keel_json_number_ok(s, strlen(s));
}

static void number_check_finds_overflow_and_underflow(void **state)
{
    (void)state;
    assert_int_equal(num_ok("0"), 1);
    assert_int_equal(num_ok("-0"), 1);
    assert_int_equal(num_ok("0.000e-99999"), 1); /* zero literal */
    assert_int_equal(num_ok("42.5"), 1);
    assert_int_equal(num_ok("1.7976931348623157e308"), 1);
    assert_int_equal(num_ok("1.8e308"), 0);
    assert_int_equal(num_ok("1e400"), 0);
    assert_int_equal(num_ok("4.9e-324"), 1); /* smallest denormal */
    assert_int_equal(num_ok("2e-324"), 0);   /* rounds to zero */
    assert_int_equal(num_ok("1e-400"), 0);
    assert_int_equal(num_ok("1E+2"), 1);
    assert_int_equal(num_ok("1e99999999999999999999"), 0);
    assert_int_equal(num_ok("1e-99999999999999999999"), 0);
    /* Long mantissas (within KEEL_JSON_NUMBER_MAX), scaled back into range
       by the exponent; the token is not NUL-terminated at n. */
    char s[KEEL_JSON_NUMBER_MAX + 8];
    memset(s, '0', sizeof s);
    s[0] = '1';
    strcpy(s + 401, "e-100"); /* 1e400 * 1e-100 = 1e300 */
    assert_int_equal(num_ok(s), 1);
    strcpy(s + 401, "e-800"); /* 1e-400 */
    assert_int_equal(num_ok(s), 0);
    s[0] = '0';
    s[1] = '.';
    s[401] = '1'; /* 0.000...01 with 399 zeros: 1e-400 */
    assert_int_equal(keel_json_number_ok(s, 402), 0);
    assert_int_equal(keel_json_number_ok(s, 300), 1); /* "0.000..." zero */
}

/* ---- warnings: kept, reported, and written back unchanged ----------------- */

static void mistyped_known_fields_warn_and_survive(void **state)
{
    (void)state;
    const char *s =
        "{\n"
        "  \"version\": 1,\n"
        "  \"autoSwitch\": {\n"
        "    \"enabled\": \"yes\",\n"
        "    \"threshold5hPercent\": \"10\",\n"
        "    \"thresholdWeeklyPercent\": 5\n"
        "  },\n"
        "  \"api\": [],\n"
        "  \"activeAccountName\": \"gone\",\n"
        "  \"accounts\": {\n"
        "    \"work\": {\n"
        "      \"name\": \"work\",\n"
        "      \"email\": 42,\n"
        "      \"lastUsage\": {\n"
        "        \"primary\": {\n"
        "          \"usedPercent\": \"high\"\n"
        "        },\n"
        "        \"secondary\": null,\n"
        "        \"source\": false\n"
        "      }\n"
        "    }\n"
        "  }\n"
        "}\n";
    struct keel_warnings w;
    struct keel_registry *r = expect_ok(s, &w);
    assert_int_equal(w.count, 7);
    assert_string_equal(w.item[0].json_path, "autoSwitch.enabled");
    assert_string_equal(w.item[1].json_path, "autoSwitch.threshold5hPercent");
    assert_string_equal(w.item[2].json_path, "api");
    assert_string_equal(w.item[3].json_path, "activeAccountName");
    assert_string_equal(w.item[4].json_path, "accounts.work.email");
    assert_string_equal(w.item[5].json_path,
                        "accounts.work.lastUsage.primary.usedPercent");
    assert_string_equal(w.item[6].json_path, "accounts.work.lastUsage.source");
    for (size_t i = 0; i < w.count; i++)
        assert_non_null(w.item[i].message);
    /* Getters see "absent"; the bytes are kept. */
    struct keel_account_view v;
    assert_int_equal(keel_registry_view(r, "work", &v), KEEL_OK);
    assert_null(v.field[KEEL_F_EMAIL]);
    assert_int_equal(v.primary.present, 1);
    assert_true(v.primary.used_percent == 0);
    assert_int_equal(v.secondary.present, 0);
    char *out = NULL;
    size_t n = 0;
    struct keel_err err;
    assert_int_equal(keel_codec_encode(r, &out, &n, &err), KEEL_OK);
    assert_int_equal(n, strlen(s));
    assert_memory_equal(out, s, n);
    free(out);
    keel_registry_free(r);
}

static void warning_count_goes_past_the_array(void **state)
{
    (void)state;
    char s[4000];
    strcpy(s, "{\"version\": 1, \"accounts\": {");
    for (int i = 0; i < 20; i++) {
        char one[80];
        snprintf(one, sizeof one, "%s\"a%d\": {\"name\": \"a%d\", \"email\": 1}",
                 i ? ", " : "", i, i);
        strcat(s, one);
    }
    strcat(s, "}}");
    struct keel_warnings w;
    struct keel_registry *r = expect_ok(s, &w);
    assert_int_equal(w.count, 20);
    assert_string_equal(w.item[KEEL_WARNINGS_MAX - 1].json_path,
                        "accounts.a15.email");
    keel_registry_free(r);
}

static void null_known_fields_do_not_warn(void **state)
{
    (void)state;
    struct keel_warnings w;
    struct keel_registry *r = expect_ok(
        "{\"version\": 1, \"activeAccountName\": null, \"accounts\": "
        "{\"work\": {\"name\": \"work\", \"email\": null}}}",
        &w);
    assert_int_equal(w.count, 0);
    assert_null(keel_registry_active(r));
    keel_registry_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(minimal_registry_decodes),
        cmocka_unit_test(absent_accounts_is_empty),
        cmocka_unit_test(version_one_point_zero_is_one),
        cmocka_unit_test(rejects_duplicate_top_key),
        cmocka_unit_test(rejects_duplicate_nested_key),
        cmocka_unit_test(rejects_duplicate_key_in_array_element),
        cmocka_unit_test(rejects_duplicate_account_among_many),
        cmocka_unit_test(case_variant_keys_are_distinct),
        cmocka_unit_test(rejects_top_level_not_object),
        cmocka_unit_test(rejects_version_not_one),
        cmocka_unit_test(rejects_accounts_not_object),
        cmocka_unit_test(rejects_account_not_object),
        cmocka_unit_test(rejects_account_key_differing_from_name),
        cmocka_unit_test(rejects_invalid_account_name),
        cmocka_unit_test(rejects_file_over_size_cap),
        cmocka_unit_test(rejects_trailing_bytes),
        cmocka_unit_test(rejects_leading_zero),
        cmocka_unit_test(rejects_bom),
        cmocka_unit_test(rejects_escaped_nul),
        cmocka_unit_test(rejects_raw_control_byte),
        cmocka_unit_test(rejects_nul_byte),
        cmocka_unit_test(rejects_number_overflow_and_underflow),
        cmocka_unit_test(rejects_deep_nesting),
        cmocka_unit_test(rejects_long_string),
        cmocka_unit_test(rejects_invalid_utf8),
        cmocka_unit_test(rejects_empty_input),
        cmocka_unit_test(number_check_finds_overflow_and_underflow),
        cmocka_unit_test(mistyped_known_fields_warn_and_survive),
        cmocka_unit_test(warning_count_goes_past_the_array),
        cmocka_unit_test(null_known_fields_do_not_warn),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
