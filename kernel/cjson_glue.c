/*
 * cjson_glue.c - the bodies of cjson_glue.h: with that header, the only
 * kernel file that includes cJSON.h and looks inside a node.
 *
 * Not proved (the trusted base of the tree files' proofs, spec/json_model.h):
 * each function is one cJSON call or a few pointer moves, covered by
 * tests/unit (test_registry.c, test_codec.c, test_merge.c, test_roundtrip.c
 * against Node) and the fuzzers under ASan.
 *
 * cJSON facts relied on (1.7.x):
 *   - a node's type is one flag bit in the low byte; cJSON_StringIsConst
 *     (bit 9) says the key is not owned and must not be freed;
 *   - members are a list: parent->child is the first, first->prev the
 *     last, last->next NULL;
 *   - cJSON allocates with malloc/free unless cJSON_InitHooks is called,
 *     which Keel never does; so a key from strdup can be handed over.
 */
#include "cjson_glue.h"

#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

/* The six readers (keel_json_kind .. keel_json_number) are static inline
   in cjson_glue.h. */

/* ---- making and freeing ------------------------------------------------- */

keel_json *keel_json_new_object(void)
{
    return cJSON_CreateObject();
}

keel_json *keel_json_new_string(const char *s)
{
    return cJSON_CreateString(s);
}

keel_json *keel_json_new_number(double v)
{
    return cJSON_CreateNumber(v);
}

keel_json *keel_json_new_bool(int v)
{
    return cJSON_CreateBool(v != 0);
}

void keel_json_delete(keel_json *n)
{
    cJSON_Delete(n);
}

keel_json *keel_json_dup(const keel_json *n)
{
    if (n == NULL)
        return NULL;
    return cJSON_Duplicate(n, 1);
}

keel_json *keel_json_parse(const char *text, size_t len)
{
    /* The one call form that refuses trailing bytes: explicit length
       including the NUL, and require_null_terminated (DESIGN.md 4). */
    const char *end = NULL;
    return cJSON_ParseWithLengthOpts(text, len + 1, &end, 1);
}

/* ---- editing ------------------------------------------------------------ */

/* Give n the owned key k (may be NULL), freeing the key it had. */
static void set_key(keel_json *n, char *k)
{
    if (n->string != NULL && !(n->type & cJSON_StringIsConst))
        cJSON_free(n->string);
    n->string = k;
    n->type &= ~cJSON_StringIsConst;
}

int keel_json_add(keel_json *obj, const char *key, keel_json *item)
{
    /* cJSON copies the key first and leaves item alone if that fails. */
    if (!cJSON_AddItemToObject(obj, key, item)) {
        cJSON_Delete(item);
        return 0;
    }
    return 1;
}

void keel_json_replace(keel_json *obj, keel_json *old, keel_json *item)
{
    /* The key string moves from the old node to the new one. */
    set_key(item, old->string);
    old->string = NULL;
    cJSON_ReplaceItemViaPointer(obj, old, item);
}

void keel_json_remove(keel_json *obj, keel_json *member)
{
    cJSON_Delete(cJSON_DetachItemViaPointer(obj, member));
}

int keel_json_insert_before(keel_json *obj, keel_json *before,
                            const char *key, keel_json *item)
{
    /* Debian's cJSON_InsertItemInArray refuses a position inside an
       object, so the list is linked here. */
    char *k = strdup(key);
    if (k == NULL) {
        cJSON_Delete(item);
        return 0;
    }
    set_key(item, k);
    item->next = before;
    item->prev = before->prev;
    if (obj->child == before)
        obj->child = item;
    else
        before->prev->next = item;
    before->prev = item;
    return 1;
}

void keel_json_move_last(keel_json *obj, keel_json *member, char *key)
{
    cJSON_DetachItemViaPointer(obj, member);
    set_key(member, key);
    cJSON_AddItemToArray(obj, member); /* links only: cannot fail */
}
