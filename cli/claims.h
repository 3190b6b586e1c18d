/*
 * claims.h - who an auth.json belongs to, read from its own bytes.
 *
 * Purpose
 *   Codex's auth.json is {"OPENAI_API_KEY": null|"sk-...", "tokens":
 *   {"id_token", "access_token", "refresh_token", "account_id"},
 *   "last_refresh"}. The id_token is a JWT whose payload (base64url, no
 *   padding) carries "email", "sub", and the object
 *   "https://api.openai.com/auth" with chatgpt_account_id, chatgpt_user_id
 *   and chatgpt_plan_type. keel_claims_from_auth pulls out exactly those
 *   identity fields - never a token - so Keel can name an account, and can
 *   tell whose tokens a live auth.json holds before saving it anywhere
 *   (spec/cli-order.md, the identity rule).
 *
 *   Bytes in, struct out: any input, of any length, is handled without a
 *   crash and in bounded time and memory (inputs over KEEL_CLAIMS_INPUT_MAX
 *   are refused, a JWT over KEEL_CLAIMS_JWT_MAX is ignored); fuzzed by
 *   fuzz/ through this entry point.
 *
 * Calling sequence
 *   struct keel_claims cl;
 *   if (keel_claims_from_auth(buf, len, &cl) != 0) not_an_auth_file();
 *   if (cl.email[0]) ...
 *
 * Error handling
 *   from_auth returns 0 when the bytes are a JSON object, -1 otherwise;
 *   fields it cannot find are empty strings. Values longer than
 *   KEEL_CLAIM_MAX - 1 bytes are dropped (empty), never truncated, so a
 *   truncated identity can never match a different one.
 */
#ifndef KEEL_CLAIMS_H
#define KEEL_CLAIMS_H

#include <stddef.h>

#define KEEL_CLAIM_MAX 256
#define KEEL_CLAIMS_INPUT_MAX (1024u * 1024u)
#define KEEL_CLAIMS_JWT_MAX (64u * 1024u)

struct keel_claims {
    int is_object;     /* the input is a JSON object                  */
    int has_tokens;    /* "tokens" is an object                       */
    int has_api_key;   /* OPENAI_API_KEY is a non-empty string        */
    int jwt_ok;        /* the id_token payload decoded to an object   */
    char email[KEEL_CLAIM_MAX];
    char account_id[KEEL_CLAIM_MAX]; /* chatgpt_account_id, else
                                        tokens.account_id             */
    char user_id[KEEL_CLAIM_MAX];    /* chatgpt_user_id, else user_id,
                                        else sub                      */
    char plan_type[KEEL_CLAIM_MAX];  /* chatgpt_plan_type             */
};

/* An auth.json's bytes (need not be NUL-terminated). */
int keel_claims_from_auth(const char *buf, size_t len, struct keel_claims *out);

/* Just a JWT ("header.payload.signature"): fills the JWT fields of out
   (which the caller cleared). 0 if the payload decoded, -1 otherwise. */
int keel_claims_from_jwt(const char *jwt, size_t len, struct keel_claims *out);

/* Whose identity two claims show:
   1  they share at least one of account id, user id, email, and every one
      they both have is equal (emails compared ignoring ASCII case);
   0  some field both have differs;
   -1 they have no field in common: unknown. */
int keel_claims_same(const struct keel_claims *a, const struct keel_claims *b);

#endif
