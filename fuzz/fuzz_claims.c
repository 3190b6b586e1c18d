/*
 * fuzz_claims.c - the JWT claims reader `keel save` uses (cli/claims.c).
 *
 * Input: the bytes of an auth.json; the same bytes are also fed to the bare
 * JWT reader.
 *
 * Invariants (claims.h):
 *   - every claim string is NUL-terminated inside its array, and a non-empty
 *     one is shorter than KEEL_CLAIM_MAX (values are dropped, not truncated);
 *   - the flags are 0 or 1; from_auth returns 0 iff the input is an object,
 *     and has_tokens / jwt_ok imply is_object;
 *   - keel_claims_same is symmetric, and reflexive on any claims with an
 *     identity field (1), else unknown (-1);
 *   - no claim holds a token: a claim never equals the id_token,
 *     access_token or refresh_token string of the input (G8), checked when
 *     such a token is at least 8 bytes long and appears verbatim.
 */
#include "fuzz_common.h"

#include "../cli/claims.h"

static int terminated(const char *s)
{
    return memchr(s, 0, KEEL_CLAIM_MAX) != NULL;
}

static int has_identity(const struct keel_claims *c)
{
    return c->email[0] || c->account_id[0] || c->user_id[0];
}

static void check_claims(const struct keel_claims *c)
{
    FUZZ_CHECK(terminated(c->email) && terminated(c->account_id) &&
                   terminated(c->user_id) && terminated(c->plan_type),
               "a claim is not NUL-terminated inside its array");
    FUZZ_CHECK((c->is_object | c->has_tokens | c->has_api_key | c->jwt_ok) <= 1 &&
                   c->is_object >= 0 && c->has_tokens >= 0 &&
                   c->has_api_key >= 0 && c->jwt_ok >= 0,
               "a claims flag is not 0 or 1");
    FUZZ_CHECK(keel_claims_same(c, c) == (has_identity(c) ? 1 : -1),
               "keel_claims_same is not reflexive");
}

/* Does any claim equal a token value that appears in the input? Checked on
   the claims only (a claim of 8+ bytes found as a whole JSON string right
   after a token key would be a copied token). */
static void check_no_token(const uint8_t *data, size_t size,
                           const struct keel_claims *c)
{
    static const char *const keys[] = {"\"id_token\"", "\"access_token\"",
                                       "\"refresh_token\""};
    const char *claim[4] = {c->email, c->account_id, c->user_id,
                            c->plan_type};
    for (size_t k = 0; k < 3; k++) {
        size_t kl = strlen(keys[k]);
        const char *p = memmem(data, size, keys[k], kl);
        if (p == NULL)
            continue;
        const char *end = (const char *)data + size;
        p += kl;
        while (p < end && (*p == ' ' || *p == ':' || *p == '\n' || *p == '\t'))
            p++;
        if (p >= end || *p != '"')
            continue;
        const char *q = memchr(p + 1, '"', (size_t)(end - p - 1));
        if (q == NULL)
            continue;
        size_t tl = (size_t)(q - p - 1);
        if (tl < 8)
            continue;
        for (int i = 0; i < 4; i++)
            FUZZ_CHECK(!(strlen(claim[i]) == tl &&
                         memcmp(claim[i], p + 1, tl) == 0),
                       "a claim holds a token (G8)");
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *buf = (const char *)data;
    struct keel_claims a, j;

    memset(&a, 0x5a, sizeof a); /* from_auth must clear what it fills */
    int st = keel_claims_from_auth(buf, size, &a);
    FUZZ_CHECK(st == 0 || st == -1, "from_auth returned neither 0 nor -1");
    check_claims(&a);
    FUZZ_CHECK((st == 0) == (a.is_object == 1),
               "from_auth's result disagrees with is_object");
    FUZZ_CHECK(a.is_object || (!a.has_tokens && !a.jwt_ok && !has_identity(&a)),
               "claims found in something that is not an object");
    check_no_token(data, size, &a);

    memset(&j, 0, sizeof j);
    int js = keel_claims_from_jwt(buf, size, &j);
    FUZZ_CHECK(js == 0 || js == -1, "from_jwt returned neither 0 nor -1");
    check_claims(&j);
    FUZZ_CHECK(js == -1 || j.jwt_ok == 1 || j.jwt_ok == 0,
               "from_jwt: jwt_ok out of range");

    FUZZ_CHECK(keel_claims_same(&a, &j) == keel_claims_same(&j, &a),
               "keel_claims_same is not symmetric");
    return 0;
}
