/*
 * fuzz_lockpayload.c - the interop lock-file payload parser (lock.c).
 *
 * Input: the bytes of a registry.json.lock, as another process (the Node
 * tool, or anything) may have left it.
 *
 * Invariants (lock.h):
 *   - *pid >= 0 and *at_s >= -1, whatever the bytes (the ACSL contract);
 *   - the parser reads only buf[0 .. len-1] (ASan in replay and libFuzzer);
 *   - it is deterministic;
 *   - what it parsed, written back in the canonical form the Node tool writes
 *     ({"pid":N,"at":"YYYY-MM-DDTHH:MM:SS.000Z"}), parses to the same pid and
 *     time, and so does the form without milliseconds.
 */
#include <time.h>

#include "fuzz_common.h"

#include "../kernel/lock.h"

static void reparse(long pid, long long at, const char *frac)
{
    char canon[128];
    struct tm tm;
    time_t t = (time_t)at;
    long p2 = -7;
    long long a2 = -7;

    if (gmtime_r(&t, &tm) == NULL || tm.tm_year + 1900 > 9999 ||
        tm.tm_year + 1900 < 1970)
        return;
    int n = snprintf(canon, sizeof canon,
                     "{\"pid\":%ld,\"at\":\"%04d-%02d-%02dT%02d:%02d:%02d%sZ\"}",
                     pid, tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                     tm.tm_hour, tm.tm_min, tm.tm_sec, frac);
    FUZZ_CHECK(n > 0 && (size_t)n < sizeof canon, "snprintf");
    keel_lock_parse_payload(canon, (size_t)n, &p2, &a2);
    FUZZ_CHECK(p2 == pid, "the canonical payload's pid does not read back");
    FUZZ_CHECK(a2 == at, "the canonical payload's time does not read back");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *buf = (const char *)data;
    long pid = -7, pid2 = -7;
    long long at = -7, at2 = -7;

    keel_lock_parse_payload(buf, size, &pid, &at);
    FUZZ_CHECK(pid >= 0, "pid < 0");
    FUZZ_CHECK(at >= -1, "at_s < -1");
    keel_lock_parse_payload(buf, size, &pid2, &at2);
    FUZZ_CHECK(pid == pid2 && at == at2, "the parser is not deterministic");
    if (pid > 0 && at >= 0) {
        reparse(pid, at, ".000");
        reparse(pid, at, "");
    }
    return 0;
}
