/*
 * test_registry.c - the registry model: a new registry is byte for byte the
 * Node tool's, edits keep every other field and its position, accounts stay
 * sorted for lookups, and the internal tree API merge.c uses behaves.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../kernel/codec.h"
#include "../../kernel/tree.h"

/* The tests build and inspect trees with cJSON itself (keel_json is
   struct cJSON). */
#include <cjson/cJSON.h>

/* Encode r and compare with the expected text. */
static void assert_encodes(const struct keel_registry *r, const char *want)
{
    char *out = NULL;
    size_t n = 0;
    struct keel_err err;
    keel_err_clear(&err);
    assert_int_equal(keel_codec_encode(r, &out, &n, &err), KEEL_OK);
    assert_non_null(out);
    assert_int_equal(out[n], '\0');
    if (n != strlen(want) || memcmp(out, want, n) != 0)
        print_error("got:\n%s\nwant:\n%s\n", out, want);
    assert_int_equal(n, strlen(want));
    assert_memory_equal(out, want, n);
    free(out);
}

static struct keel_registry *decode(const char *s)
{
    struct keel_registry *r = NULL;
    struct keel_err err;
    keel_err_clear(&err);
    assert_int_equal(keel_codec_decode(s, strlen(s), &r, NULL, &err), KEEL_OK);
    return r;
}

static const char new_registry_text[] =
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
    "  \"accounts\": {}\n"
    "}\n";

static void new_registry_matches_node_tool(void **state)
{
    (void)state;
    struct keel_registry *r = keel_registry_new();
    assert_non_null(r);
    assert_encodes(r, new_registry_text);
    assert_null(keel_registry_active(r));
    assert_int_equal(keel_registry_count(r), 0);
    struct keel_globals g;
    keel_registry_globals(r, &g);
    assert_int_equal(g.auto_enabled, 0);
    assert_true(g.threshold_5h == 10 && g.threshold_weekly == 5);
    assert_int_equal(g.api_usage, 1);
    keel_registry_free(r);
}

static void accounts_are_found_in_sorted_order(void **state)
{
    (void)state;
    struct keel_registry *r = keel_registry_new();
    struct keel_err err;
    const char *names[] = {"zeta", "Alpha", "beta", "10", "9", "a.b@c+d-e_f"};
    for (size_t i = 0; i < 6; i++)
        assert_int_equal(keel_registry_add(r, names[i], NULL, &err), KEEL_OK);
    const char *sorted[] = {"10", "9", "Alpha", "a.b@c+d-e_f", "beta", "zeta"};
    assert_int_equal(keel_registry_count(r), 6);
    for (size_t i = 0; i < 6; i++) {
        size_t at = 99;
        assert_string_equal(keel_registry_name_at(r, i), sorted[i]);
        assert_int_equal(keel_registry_find(r, sorted[i], &at), 1);
        assert_int_equal(at, i);
    }
    assert_null(keel_registry_name_at(r, 6));
    assert_int_equal(keel_registry_find(r, "alpha", NULL), 0);
    assert_int_equal(keel_registry_add(r, "beta", NULL, &err), KEEL_E_EXISTS);
    assert_int_equal(keel_registry_add(r, "../x", NULL, &err),
                     KEEL_E_INVALID);
    assert_int_equal(keel_registry_add(r, "", NULL, &err), KEEL_E_INVALID);
    keel_registry_free(r);
}

static void add_appends_in_file_order(void **state)
{
    (void)state;
    struct keel_registry *r = keel_registry_new();
    struct keel_err err;
    assert_int_equal(keel_registry_add(r, "work", "2026-05-01T10:00:00.000Z",
                                       &err),
                     KEEL_OK);
    assert_int_equal(keel_registry_add(r, "home", NULL, &err), KEEL_OK);
    assert_encodes(r, "{\n"
                      "  \"version\": 1,\n"
                      "  \"autoSwitch\": {\n"
                      "    \"enabled\": false,\n"
                      "    \"threshold5hPercent\": 10,\n"
                      "    \"thresholdWeeklyPercent\": 5\n"
                      "  },\n"
                      "  \"api\": {\n"
                      "    \"usage\": true\n"
                      "  },\n"
                      "  \"accounts\": {\n"
                      "    \"work\": {\n"
                      "      \"name\": \"work\",\n"
                      "      \"createdAt\": \"2026-05-01T10:00:00.000Z\"\n"
                      "    },\n"
                      "    \"home\": {\n"
                      "      \"name\": \"home\"\n"
                      "    }\n"
                      "  }\n"
                      "}\n");
    keel_registry_free(r);
}

static void add_creates_accounts_when_absent(void **state)
{
    (void)state;
    struct keel_registry *r = decode("{\"version\": 1, \"x\": 2}");
    struct keel_err err;
    assert_int_equal(keel_registry_add(r, "a", NULL, &err), KEEL_OK);
    assert_int_equal(keel_registry_count(r), 1);
    assert_encodes(r, "{\n  \"version\": 1,\n  \"x\": 2,\n  \"accounts\": {\n"
                      "    \"a\": {\n      \"name\": \"a\"\n    }\n  }\n}\n");
    keel_registry_free(r);
}

static void remove_deletes_only_that_account(void **state)
{
    (void)state;
    struct keel_registry *r = decode(
        "{\"version\": 1, \"accounts\": {\"b\": {\"name\": \"b\"}, \"a\": "
        "{\"name\": \"a\"}, \"c\": {\"name\": \"c\"}}}");
    struct keel_err err;
    assert_int_equal(keel_registry_remove(r, "a", &err), KEEL_OK);
    assert_int_equal(keel_registry_remove(r, "a", &err), KEEL_E_NOT_FOUND);
    assert_int_equal(keel_registry_count(r), 2);
    assert_string_equal(keel_registry_name_at(r, 0), "b");
    assert_string_equal(keel_registry_name_at(r, 1), "c");
    assert_encodes(r, "{\n  \"version\": 1,\n  \"accounts\": {\n"
                      "    \"b\": {\n      \"name\": \"b\"\n    },\n"
                      "    \"c\": {\n      \"name\": \"c\"\n    }\n  }\n}\n");
    keel_registry_free(r);
}

static void rename_keeps_fields_and_moves_last(void **state)
{
    (void)state;
    struct keel_registry *r = decode(
        "{\"version\": 1, \"accounts\": {\"a\": {\"name\": \"a\", \"x\": 1, "
        "\"email\": \"e\"}, \"b\": {\"name\": \"b\"}}}");
    struct keel_err err;
    assert_int_equal(keel_registry_rename(r, "a", "z", &err), KEEL_OK);
    assert_int_equal(keel_registry_rename(r, "b", "z", &err), KEEL_E_EXISTS);
    assert_int_equal(keel_registry_rename(r, "q", "y", &err),
                     KEEL_E_NOT_FOUND);
    assert_int_equal(keel_registry_rename(r, "b", "a/b", &err),
                     KEEL_E_INVALID);
    assert_int_equal(keel_registry_find(r, "a", NULL), 0);
    assert_string_equal(keel_registry_name_at(r, 1), "z");
    assert_encodes(r, "{\n  \"version\": 1,\n  \"accounts\": {\n"
                      "    \"b\": {\n      \"name\": \"b\"\n    },\n"
                      "    \"z\": {\n      \"name\": \"z\",\n"
                      "      \"x\": 1,\n      \"email\": \"e\"\n    }\n"
                      "  }\n}\n");
    keel_registry_free(r);
}

static void set_string_replaces_in_place_and_appends_new(void **state)
{
    (void)state;
    struct keel_registry *r = decode(
        "{\"version\": 1, \"accounts\": {\"a\": {\"name\": \"a\", \"email\": "
        "\"old\", \"later\": true}}}");
    struct keel_err err;
    assert_int_equal(keel_registry_set_string(r, "a", KEEL_F_EMAIL, "new",
                                              &err),
                     KEEL_OK);
    assert_int_equal(keel_registry_set_string(r, "a", KEEL_F_PLAN_TYPE,
                                              "plus", &err),
                     KEEL_OK);
    /* The tail after an in-place replacement of the last member. */
    assert_int_equal(keel_registry_set_string(r, "a", KEEL_F_PLAN_TYPE,
                                              "pro", &err),
                     KEEL_OK);
    assert_int_equal(keel_registry_set_string(r, "a", KEEL_F_USER_ID, "u",
                                              &err),
                     KEEL_OK);
    assert_encodes(r, "{\n  \"version\": 1,\n  \"accounts\": {\n"
                      "    \"a\": {\n      \"name\": \"a\",\n"
                      "      \"email\": \"new\",\n      \"later\": true,\n"
                      "      \"planType\": \"pro\",\n      \"userId\": \"u\"\n"
                      "    }\n  }\n}\n");
    assert_int_equal(keel_registry_set_string(r, "a", KEEL_F_EMAIL, NULL,
                                              &err),
                     KEEL_OK);
    struct keel_account_view v;
    assert_int_equal(keel_registry_view(r, "a", &v), KEEL_OK);
    assert_null(v.field[KEEL_F_EMAIL]);
    assert_string_equal(v.field[KEEL_F_PLAN_TYPE], "pro");
    assert_int_equal(keel_registry_set_string(r, "b", KEEL_F_EMAIL, "x", &err),
                     KEEL_E_NOT_FOUND);
    /* Nothing Keel would write unreadable: invalid UTF-8 is refused. */
    assert_int_equal(keel_registry_set_string(r, "a", KEEL_F_EMAIL,
                                              "bad\xC0\xAF", &err),
                     KEEL_E_INVALID);
    keel_registry_free(r);
}

static void set_usage_writes_node_layout_and_keeps_unknown(void **state)
{
    (void)state;
    struct keel_registry *r = decode(
        "{\"version\": 1, \"accounts\": {\"a\": {\"name\": \"a\", "
        "\"lastUsage\": {\"future\": [1], \"primary\": {\"usedPercent\": 1, "
        "\"extra\": \"keep\"}}}}}");
    struct keel_err err;
    struct keel_usage_window p = {1, 42.5, 300, 1777777777};
    struct keel_usage_window s = {1, 7, 10080, 1778000000};
    assert_int_equal(keel_registry_set_usage(r, "a", &p, &s, "plus",
                                             "2026-05-02T08:00:00.000Z", "api",
                                             "2026-05-02T08:00:00.000Z", &err),
                     KEEL_OK);
    assert_encodes(r,
                   "{\n  \"version\": 1,\n  \"accounts\": {\n"
                   "    \"a\": {\n      \"name\": \"a\",\n"
                   "      \"lastUsage\": {\n"
                   "        \"future\": [\n          1\n        ],\n"
                   "        \"primary\": {\n"
                   "          \"usedPercent\": 42.5,\n"
                   "          \"extra\": \"keep\",\n"
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
                   "      },\n"
                   "      \"lastUsageAt\": \"2026-05-02T08:00:00.000Z\"\n"
                   "    }\n  }\n}\n");
    struct keel_account_view v;
    assert_int_equal(keel_registry_view(r, "a", &v), KEEL_OK);
    assert_int_equal(v.has_last_usage, 1);
    assert_true(v.primary.used_percent == 42.5);
    assert_true(v.secondary.window_minutes == 10080);
    assert_string_equal(v.usage_source, "api");
    /* A window not present is removed; non-finite numbers are refused. */
    struct keel_usage_window none = {0, 0, 0, 0};
    struct keel_usage_window bad = {1, NAN, 1, 1};
    assert_int_equal(keel_registry_set_usage(r, "a", &bad, &none, NULL, NULL,
                                             NULL, NULL, &err),
                     KEEL_E_INVALID);
    assert_int_equal(keel_registry_set_usage(r, "a", &p, &none, NULL, NULL,
                                             NULL, NULL, &err),
                     KEEL_OK);
    assert_int_equal(keel_registry_view(r, "a", &v), KEEL_OK);
    assert_int_equal(v.secondary.present, 0);
    assert_null(v.usage_source);
    assert_null(v.field[KEEL_F_LAST_USAGE_AT]);
    keel_registry_free(r);
}

static void active_name_sits_before_accounts(void **state)
{
    (void)state;
    struct keel_registry *r = keel_registry_new();
    struct keel_err err;
    assert_int_equal(keel_registry_add(r, "work", NULL, &err), KEEL_OK);
    assert_int_equal(keel_registry_set_active(r, "work", &err), KEEL_OK);
    assert_string_equal(keel_registry_active(r), "work");
    assert_encodes(r, "{\n"
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
                      "      \"name\": \"work\"\n"
                      "    }\n"
                      "  }\n"
                      "}\n");
    assert_int_equal(keel_registry_set_active(r, "a/b", &err), KEEL_E_INVALID);
    assert_int_equal(keel_registry_set_active(r, NULL, &err), KEEL_OK);
    assert_null(keel_registry_active(r));
    assert_encodes(r, "{\n"
                      "  \"version\": 1,\n"
                      "  \"autoSwitch\": {\n"
                      "    \"enabled\": false,\n"
                      "    \"threshold5hPercent\": 10,\n"
                      "    \"thresholdWeeklyPercent\": 5\n"
                      "  },\n"
                      "  \"api\": {\n"
                      "    \"usage\": true\n"
                      "  },\n"
                      "  \"accounts\": {\n"
                      "    \"work\": {\n"
                      "      \"name\": \"work\"\n"
                      "    }\n"
                      "  }\n"
                      "}\n");
    keel_registry_free(r);
    /* Where the file has it elsewhere, it stays there. */
    r = decode("{\"version\": 1, \"accounts\": {}, \"activeAccountName\": "
               "\"x\"}");
    assert_int_equal(keel_registry_set_active(r, "y", &err), KEEL_OK);
    assert_encodes(r, "{\n  \"version\": 1,\n  \"accounts\": {},\n"
                      "  \"activeAccountName\": \"y\"\n}\n");
    keel_registry_free(r);
    /* "accounts" first: the name goes first, and the list stays linked. */
    r = decode("{\"accounts\": {}, \"version\": 1}");
    assert_int_equal(keel_registry_set_active(r, "y", &err), KEEL_OK);
    assert_int_equal(keel_tree_set(keel_registry_doc(r), "z",
                                   cJSON_CreateTrue()),
                     KEEL_OK);
    assert_encodes(r, "{\n  \"activeAccountName\": \"y\",\n"
                      "  \"accounts\": {},\n  \"version\": 1,\n"
                      "  \"z\": true\n}\n");
    keel_registry_free(r);
}

static void set_globals_changes_only_what_differs(void **state)
{
    (void)state;
    struct keel_registry *r = decode(
        "{\"version\": 1, \"autoSwitch\": {\"threshold5hPercent\": \"ten\", "
        "\"enabled\": false, \"new\": 1}, \"accounts\": {}}");
    struct keel_globals g;
    struct keel_err err;
    keel_registry_globals(r, &g);
    assert_true(g.threshold_5h == 0);
    g.auto_enabled = 1;
    g.threshold_weekly = 7.5;
    assert_int_equal(keel_registry_set_globals(r, &g, &err), KEEL_OK);
    assert_encodes(r, "{\n  \"version\": 1,\n  \"autoSwitch\": {\n"
                      "    \"threshold5hPercent\": \"ten\",\n"
                      "    \"enabled\": true,\n    \"new\": 1,\n"
                      "    \"thresholdWeeklyPercent\": 7.5\n  },\n"
                      "  \"accounts\": {}\n}\n");
    g.api_usage = 1;
    assert_int_equal(keel_registry_set_globals(r, &g, &err), KEEL_OK);
    keel_registry_globals(r, &g);
    assert_int_equal(g.api_usage, 1);
    assert_int_equal(g.auto_enabled, 1);
    g.threshold_5h = INFINITY;
    assert_int_equal(keel_registry_set_globals(r, &g, &err), KEEL_E_INVALID);
    keel_registry_free(r);
}

static void clone_is_equal_and_independent(void **state)
{
    (void)state;
    struct keel_registry *a = decode(
        "{\"version\": 1, \"z\": {\"q\": [1, 2.5, null]}, \"accounts\": "
        "{\"b\": {\"name\": \"b\"}, \"a\": {\"name\": \"a\"}}}");
    struct keel_registry *b = keel_registry_clone(a);
    struct keel_err err;
    assert_non_null(b);
    assert_int_equal(keel_registry_equal(a, b), 1);
    assert_int_equal(keel_registry_count(b), 2);
    assert_string_equal(keel_registry_name_at(b, 0), "a");
    assert_int_equal(keel_registry_set_string(b, "a", KEEL_F_EMAIL, "e", &err),
                     KEEL_OK);
    assert_int_equal(keel_registry_equal(a, b), 0);
    assert_int_equal(keel_registry_set_string(b, "a", KEEL_F_EMAIL, NULL,
                                              &err),
                     KEEL_OK);
    assert_int_equal(keel_registry_equal(a, b), 1);
    keel_registry_free(a);
    keel_registry_free(b);
}

static void equal_follows_encoding(void **state)
{
    (void)state;
    /* Same members in another stored order: different files. */
    struct keel_registry *a = decode("{\"version\": 1, \"x\": 1, \"y\": 2}");
    struct keel_registry *b = decode("{\"version\": 1, \"y\": 2, \"x\": 1}");
    assert_int_equal(keel_registry_equal(a, b), 0);
    keel_registry_free(a);
    keel_registry_free(b);
    /* Index keys are ordered by JavaScript either way: same file. */
    a = decode("{\"version\": 1, \"10\": 1, \"2\": 2, \"x\": 0}");
    b = decode("{\"2\": 2, \"version\": 1, \"x\": 0, \"10\": 1}");
    assert_int_equal(keel_registry_equal(a, b), 1);
    keel_registry_free(b);
    /* -0 and 0 both print 0; 1 and 1.0 are one number. */
    b = decode("{\"version\": 1.0, \"10\": 1e0, \"2\": 2, \"x\": -0}");
    assert_int_equal(keel_registry_equal(a, b), 1);
    keel_registry_free(b);
    b = decode("{\"version\": 1, \"10\": 1, \"2\": \"2\", \"x\": 0}");
    assert_int_equal(keel_registry_equal(a, b), 0);
    keel_registry_free(a);
    keel_registry_free(b);
}

/* ---- tree.h, as merge.c uses it ------------------------------------------------ */

static void tree_set_replace_last_then_append(void **state)
{
    (void)state;
    /* cJSON links the tail through child->prev: replacing the last member
       must keep that link, or the next append is lost. */
    cJSON *o = cJSON_CreateObject();
    assert_int_equal(keel_tree_set(o, "a", cJSON_CreateNumber(1)), KEEL_OK);
    assert_int_equal(keel_tree_set(o, "b", cJSON_CreateNumber(2)), KEEL_OK);
    assert_int_equal(keel_tree_set(o, "b", cJSON_CreateNumber(3)), KEEL_OK);
    assert_int_equal(keel_tree_set(o, "c", cJSON_CreateNumber(4)), KEEL_OK);
    assert_int_equal(keel_tree_set(o, "a", cJSON_CreateNumber(5)), KEEL_OK);
    char *s = cJSON_PrintUnformatted(o);
    assert_string_equal(s, "{\"a\":5,\"b\":3,\"c\":4}");
    free(s);
    assert_int_equal(keel_tree_remove(o, "c"), 1);
    assert_int_equal(keel_tree_remove(o, "c"), 0);
    assert_int_equal(keel_tree_set(o, "d", cJSON_CreateNull()), KEEL_OK);
    s = cJSON_PrintUnformatted(o);
    assert_string_equal(s, "{\"a\":5,\"b\":3,\"d\":null}");
    free(s);
    assert_null(keel_tree_get(o, "A"));
    assert_int_equal(keel_tree_set(o, "x", NULL), KEEL_E_INVALID);
    cJSON_Delete(o);
}

static void tree_index_keys_follow_javascript(void **state)
{
    (void)state;
    unsigned long v = 0;
    assert_int_equal(keel_tree_index_key("0", &v), 1);
    assert_int_equal(v, 0);
    assert_int_equal(keel_tree_index_key("4294967294", &v), 1);
    assert_int_equal(v, 4294967294ul);
    assert_int_equal(keel_tree_index_key("4294967295", NULL), 0);
    assert_int_equal(keel_tree_index_key("01", NULL), 0);
    assert_int_equal(keel_tree_index_key("-1", NULL), 0);
    assert_int_equal(keel_tree_index_key("1a", NULL), 0);
    assert_int_equal(keel_tree_index_key("", NULL), 0);
    assert_int_equal(keel_tree_index_key("99999999999", NULL), 0);
    struct keel_registry *r =
        decode("{\"b\": 1, \"10\": 2, \"version\": 1, \"2\": 3, \"01\": 4}");
    cJSON **order = NULL;
    size_t n = 0;
    assert_int_equal(keel_tree_js_order(keel_registry_doc(r), &order, &n),
                     KEEL_OK);
    assert_int_equal(n, 5);
    assert_non_null(order);
    const char *want[] = {"2", "10", "b", "version", "01"};
    for (size_t i = 0; i < n; i++)
        assert_string_equal(order[i]->string, want[i]);
    free(order);
    assert_encodes(r, "{\n  \"2\": 3,\n  \"10\": 2,\n  \"b\": 1,\n"
                      "  \"version\": 1,\n  \"01\": 4\n}\n");
    keel_registry_free(r);
}

static void put_account_replaces_in_place_and_appends(void **state)
{
    (void)state;
    struct keel_registry *r = decode(
        "{\"version\": 1, \"accounts\": {\"b\": {\"name\": \"b\"}, \"a\": "
        "{\"name\": \"a\"}}}");
    cJSON *na = cJSON_Parse("{\"name\": \"a\", \"email\": \"x\"}");
    assert_int_equal(keel_registry_put_account(r, na), KEEL_OK);
    cJSON *c = keel_tree_dup(keel_registry_account_find(r, "a"));
    assert_int_equal(keel_tree_set(c, "name", cJSON_CreateString("c")),
                     KEEL_OK);
    free(c->string);
    c->string = NULL; /* key taken from "name" */
    assert_int_equal(keel_registry_put_account(r, c), KEEL_OK);
    assert_int_equal(keel_registry_put_account(r, cJSON_CreateObject()),
                     KEEL_E_INVALID);
    assert_int_equal(keel_registry_count(r), 3);
    assert_string_equal(keel_registry_name_at(r, 2), "c");
    assert_ptr_equal(keel_registry_account_node(r, 0),
                     keel_registry_account_find(r, "a"));
    assert_null(keel_registry_account_node(r, 3));
    assert_encodes(r, "{\n  \"version\": 1,\n  \"accounts\": {\n"
                      "    \"b\": {\n      \"name\": \"b\"\n    },\n"
                      "    \"a\": {\n      \"name\": \"a\",\n"
                      "      \"email\": \"x\"\n    },\n"
                      "    \"c\": {\n      \"name\": \"c\",\n"
                      "      \"email\": \"x\"\n    }\n  }\n}\n");
    keel_registry_free(r);
}

static void reindex_after_direct_edit(void **state)
{
    (void)state;
    struct keel_registry *r = keel_registry_new();
    cJSON *acc = keel_tree_get(keel_registry_doc(r), "accounts");
    cJSON *x = cJSON_CreateObject();
    cJSON_AddStringToObject(x, "name", "x");
    cJSON_AddItemToObject(acc, "x", x);
    assert_int_equal(keel_registry_count(r), 0); /* stale until reindexed */
    assert_int_equal(keel_registry_reindex(r), KEEL_OK);
    assert_int_equal(keel_registry_count(r), 1);
    assert_ptr_equal(keel_registry_account_find(r, "x"), x);
    cJSON *dup = cJSON_CreateObject();
    cJSON_AddItemToObject(acc, "x", dup); /* a second "x" */
    assert_int_equal(keel_registry_reindex(r), KEEL_E_INVALID);
    keel_registry_free(r);
    assert_null(keel_registry_wrap(cJSON_CreateArray()));
    assert_null(keel_registry_wrap(NULL));
}

static void tree_equal_compares_deeply(void **state)
{
    (void)state;
    cJSON *a = cJSON_Parse("{\"a\": [1, {\"b\": \"c\"}], \"d\": true}");
    cJSON *b = cJSON_Parse("{\"a\": [1, {\"b\": \"c\"}], \"d\": true}");
    cJSON *c = cJSON_Parse("{\"a\": [1, {\"b\": \"C\"}], \"d\": true}");
    cJSON *d = cJSON_Parse("{\"a\": [1, {\"b\": \"c\"}, 2], \"d\": true}");
    cJSON *e = cJSON_Parse("{\"a\": [1, {\"b\": \"c\"}], \"d\": false}");
    assert_int_equal(keel_tree_equal(a, b), 1);
    assert_int_equal(keel_tree_equal(a, c), 0);
    assert_int_equal(keel_tree_equal(a, d), 0);
    assert_int_equal(keel_tree_equal(a, e), 0);
    assert_int_equal(keel_tree_equal(NULL, NULL), 1);
    assert_int_equal(keel_tree_equal(a, NULL), 0);
    assert_int_equal(keel_tree_utf8_ok("h\xC3\xA9llo \xF0\x9F\x98\x80"), 1);
    assert_int_equal(keel_tree_utf8_ok("\xED\xA0\x80"), 0); /* surrogate */
    assert_int_equal(keel_tree_utf8_ok("\xE0\x80\xAF"), 0); /* overlong */
    assert_int_equal(keel_tree_utf8_ok("\xF4\x90\x80\x80"), 0);
    assert_int_equal(keel_tree_utf8_ok("\xC3"), 0); /* truncated */
    cJSON_Delete(a);
    cJSON_Delete(b);
    cJSON_Delete(c);
    cJSON_Delete(d);
    cJSON_Delete(e);
}

static void encode_refuses_what_json_cannot_carry(void **state)
{
    (void)state;
    struct keel_registry *r = keel_registry_new();
    cJSON *doc = keel_registry_doc(r);
    assert_int_equal(keel_tree_set(doc, "bad", cJSON_CreateString("\xFF")),
                     KEEL_OK);
    char *out = (char *)1;
    size_t n = 1;
    struct keel_err err;
    keel_err_clear(&err);
    assert_int_equal(keel_codec_encode(r, &out, &n, &err), KEEL_E_INVALID);
    assert_null(out);
    assert_int_equal(err.step, KEEL_STEP_ENCODE);
    keel_tree_remove(doc, "bad");
    assert_int_equal(keel_tree_set(doc, "inf", cJSON_CreateNumber(INFINITY)),
                     KEEL_OK);
    assert_int_equal(keel_codec_encode(r, &out, &n, &err), KEEL_OK);
    assert_non_null(strstr(out, "\"inf\": null")); /* as JSON.stringify */
    free(out);
    keel_registry_free(r);
}

/* 100,000 accounts (about 4 MiB): decode, look up, encode back in bounded
   time; the duplicate check and the index are O(n log n). */
static void hundred_thousand_accounts(void **state)
{
    (void)state;
    size_t cap = 8u << 20, n = 0;
    char *s = malloc(cap);
    assert_non_null(s);
    n += (size_t)snprintf(s, cap, "{\n  \"version\": 1,\n  \"accounts\": {");
    for (int i = 0; i < 100000; i++)
        n += (size_t)snprintf(s + n, cap - n,
                              "%s\n    \"u%06d\": {\n      \"name\": "
                              "\"u%06d\",\n      \"resetsAt\": %d\n    }",
                              i ? "," : "", (i * 7919) % 100000,
                              (i * 7919) % 100000, i);
    n += (size_t)snprintf(s + n, cap - n, "\n  }\n}\n");
    clock_t t0 = clock();
    struct keel_registry *r = NULL;
    struct keel_err err;
    keel_err_clear(&err);
    assert_int_equal(keel_codec_decode(s, n, &r, NULL, &err), KEEL_OK);
    assert_int_equal(keel_registry_count(r), 100000);
    assert_string_equal(keel_registry_name_at(r, 12345), "u012345");
    assert_int_equal(keel_registry_find(r, "u099999", NULL), 1);
    char *out = NULL;
    size_t m = 0;
    assert_int_equal(keel_codec_encode(r, &out, &m, &err), KEEL_OK);
    assert_int_equal(m, n);
    assert_memory_equal(out, s, n);
    double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
    print_message("# 100000 accounts, %zu bytes: decode+encode %.2f s\n", n,
                  secs);
    assert_true(secs < 20.0);
    free(out);
    free(s);
    keel_registry_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(new_registry_matches_node_tool),
        cmocka_unit_test(accounts_are_found_in_sorted_order),
        cmocka_unit_test(add_appends_in_file_order),
        cmocka_unit_test(add_creates_accounts_when_absent),
        cmocka_unit_test(remove_deletes_only_that_account),
        cmocka_unit_test(rename_keeps_fields_and_moves_last),
        cmocka_unit_test(set_string_replaces_in_place_and_appends_new),
        cmocka_unit_test(set_usage_writes_node_layout_and_keeps_unknown),
        cmocka_unit_test(active_name_sits_before_accounts),
        cmocka_unit_test(set_globals_changes_only_what_differs),
        cmocka_unit_test(clone_is_equal_and_independent),
        cmocka_unit_test(equal_follows_encoding),
        cmocka_unit_test(tree_set_replace_last_then_append),
        cmocka_unit_test(tree_index_keys_follow_javascript),
        cmocka_unit_test(put_account_replaces_in_place_and_appends),
        cmocka_unit_test(reindex_after_direct_edit),
        cmocka_unit_test(tree_equal_compares_deeply),
        cmocka_unit_test(encode_refuses_what_json_cannot_carry),
        cmocka_unit_test(hundred_thousand_accounts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
