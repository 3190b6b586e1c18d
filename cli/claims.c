/*
 * claims.c - identity claims from an auth.json and its id_token (G8, G10).
 *
 * Only identity fields are copied out; token strings are looked at solely to
 * find the JWT payload and are never copied into the result. Every size is
 * checked before it is used, so any byte string is safe input.
 */
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "claims.h"

#define OPENAI_AUTH_CLAIM "https://api.openai.com/auth"

/* Copy a string value if it fits whole; otherwise leave dst empty. */
static void take(char *dst, const cJSON *item)
{
    size_t n;

    if (!cJSON_IsString(item) || item->valuestring == NULL)
        return;
    n = strlen(item->valuestring);
    if (n == 0 || n >= KEEL_CLAIM_MAX)
        return;
    memcpy(dst, item->valuestring, n + 1);
}

/* Parse exactly len bytes as one JSON value (cJSON needs a NUL after the
   last byte and len + 1 as the length, DESIGN.md section 4). */
static cJSON *parse(const char *buf, size_t len)
{
    char *copy = malloc(len + 1);
    const char *end = NULL;
    cJSON *root;

    if (copy == NULL)
        return NULL;
    if (len > 0)
        memcpy(copy, buf, len);
    copy[len] = '\0';
    root = cJSON_ParseWithLengthOpts(copy, len + 1, &end, 1);
    free(copy);
    return root;
}

static int b64url_value(unsigned char ch)
{
    if (ch >= 'A' && ch <= 'Z')
        return ch - 'A';
    if (ch >= 'a' && ch <= 'z')
        return ch - 'a' + 26;
    if (ch >= '0' && ch <= '9')
        return ch - '0' + 52;
    if (ch == '-' || ch == '+')
        return 62;
    if (ch == '_' || ch == '/')
        return 63;
    return -1;
}

/* Decode base64url (padding optional) into a fresh buffer. */
static char *b64url_decode(const char *s, size_t n, size_t *outlen)
{
    char *out;
    size_t i, o = 0;
    unsigned acc = 0;
    int bits = 0;

    while (n > 0 && s[n - 1] == '=')
        n--;
    if (n % 4 == 1)
        return NULL;
    out = malloc(n / 4 * 3 + 3);
    if (out == NULL)
        return NULL;
    for (i = 0; i < n; i++) {
        int v = b64url_value((unsigned char)s[i]);

        if (v < 0) {
            free(out);
            return NULL;
        }
        acc = ((acc << 6) | (unsigned)v) & 0xffffffu;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (char)((acc >> bits) & 0xffu);
        }
    }
    *outlen = o;
    return out;
}

int keel_claims_from_jwt(const char *jwt, size_t len, struct keel_claims *out)
{
    const char *p1, *p2;
    char *payload;
    size_t plen = 0;
    cJSON *root, *auth, *sub;

    if (jwt == NULL || len == 0 || len > KEEL_CLAIMS_JWT_MAX)
        return -1;
    p1 = memchr(jwt, '.', len);
    if (p1 == NULL)
        return -1;
    p1++;
    p2 = memchr(p1, '.', len - (size_t)(p1 - jwt));
    if (p2 == NULL)
        return -1;
    payload = b64url_decode(p1, (size_t)(p2 - p1), &plen);
    if (payload == NULL)
        return -1;
    root = parse(payload, plen);
    free(payload);
    if (!cJSON_IsObject(root)) {
        cJSON_Delete(root);
        return -1;
    }
    out->jwt_ok = 1;
    take(out->email, cJSON_GetObjectItemCaseSensitive(root, "email"));
    auth = cJSON_GetObjectItemCaseSensitive(root, OPENAI_AUTH_CLAIM);
    if (cJSON_IsObject(auth)) {
        take(out->account_id,
             cJSON_GetObjectItemCaseSensitive(auth, "chatgpt_account_id"));
        take(out->user_id,
             cJSON_GetObjectItemCaseSensitive(auth, "chatgpt_user_id"));
        if (out->user_id[0] == '\0')
            take(out->user_id, cJSON_GetObjectItemCaseSensitive(auth, "user_id"));
        take(out->plan_type,
             cJSON_GetObjectItemCaseSensitive(auth, "chatgpt_plan_type"));
    }
    sub = cJSON_GetObjectItemCaseSensitive(root, "sub");
    if (out->user_id[0] == '\0')
        take(out->user_id, sub);
    cJSON_Delete(root);
    return 0;
}

int keel_claims_from_auth(const char *buf, size_t len, struct keel_claims *out)
{
    cJSON *root, *tokens, *key;

    memset(out, 0, sizeof *out);
    if (buf == NULL || len > KEEL_CLAIMS_INPUT_MAX)
        return -1;
    root = parse(buf, len);
    if (!cJSON_IsObject(root)) {
        cJSON_Delete(root);
        return -1;
    }
    out->is_object = 1;
    key = cJSON_GetObjectItemCaseSensitive(root, "OPENAI_API_KEY");
    out->has_api_key = cJSON_IsString(key) && key->valuestring != NULL &&
                       key->valuestring[0] != '\0';
    tokens = cJSON_GetObjectItemCaseSensitive(root, "tokens");
    if (cJSON_IsObject(tokens)) {
        out->has_tokens = 1;
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(tokens, "id_token");

        if (cJSON_IsString(id) && id->valuestring != NULL)
            keel_claims_from_jwt(id->valuestring, strlen(id->valuestring), out);
        if (out->account_id[0] == '\0')
            take(out->account_id,
                 cJSON_GetObjectItemCaseSensitive(tokens, "account_id"));
    }
    cJSON_Delete(root);
    return 0;
}

static int ascii_lower(int ch)
{
    return (ch >= 'A' && ch <= 'Z') ? ch - 'A' + 'a' : ch;
}

static int email_eq(const char *a, const char *b)
{
    while (*a && *b && ascii_lower((unsigned char)*a) ==
                           ascii_lower((unsigned char)*b)) {
        a++;
        b++;
    }
    return *a == '\0' && *b == '\0';
}

int keel_claims_same(const struct keel_claims *a, const struct keel_claims *b)
{
    int compared = 0;

    if (a->account_id[0] && b->account_id[0]) {
        if (strcmp(a->account_id, b->account_id) != 0)
            return 0;
        compared = 1;
    }
    if (a->user_id[0] && b->user_id[0]) {
        if (strcmp(a->user_id, b->user_id) != 0)
            return 0;
        compared = 1;
    }
    if (a->email[0] && b->email[0]) {
        if (!email_eq(a->email, b->email))
            return 0;
        compared = 1;
    }
    return compared ? 1 : -1;
}
