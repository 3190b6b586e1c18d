/*
 * sweep.c - remove temp files left by killed writers (see sweep.h).
 */
#include "sweep.h"

#include <errno.h>

/* Entries examined at most per sweep: bounds the loop (a directory with
   more entries than this is swept over several commands). */
#define SWEEP_MAX_ENTRIES 1000000

int keel_is_temp_name(const char *name, size_t len)
{
    /* KEEL_TEMP_PREFIX is ".keel-tmp." (10 bytes). */
    if (len < 10)
        return 0;
    return name[0] == '.' && name[1] == 'k' && name[2] == 'e' &&
           name[3] == 'e' && name[4] == 'l' && name[5] == '-' &&
           name[6] == 't' && name[7] == 'm' && name[8] == 'p' &&
           name[9] == '.';
}

keel_status keel_sweep_debris(const struct keel_lock *lk, int dirfd,
                              size_t *removed, struct keel_err *err)
{
    char name[256];
    (void)lk; /* the caller's proof that the guard is held */
    *removed = 0;
    int h = keel_sys_list_open(dirfd);
    if (h < 0)
        return keel_err_set(err, KEEL_E_SYS, KEEL_STEP_SWEEP_LIST, -h, ".");
    keel_status st = KEEL_OK;
    /*@ loop invariant 0 <= seen <= SWEEP_MAX_ENTRIES;
        loop invariant *removed <= seen;
        loop assigns seen, *removed, *err, st, name[0 .. 255];
        loop variant SWEEP_MAX_ENTRIES - seen;
     */
    for (int seen = 0; seen < SWEEP_MAX_ENTRIES; seen++) {
        long n = keel_sys_list_next(h, name, sizeof name);
        if (n == 0)
            break;
        if (n < 0) {
            st = keel_err_set(err, KEEL_E_SYS, KEEL_STEP_SWEEP_LIST, (int)-n,
                              ".");
            break;
        }
        if (!keel_is_temp_name(name, (size_t)n))
            continue;
        /* Holding the guard, no Keel writer is between its temp's create
           and rename in this directory: every such temp is debris (G7). */
        int r = keel_sys_unlinkat(KEEL_STEP_SWEEP_UNLINK, dirfd, name);
        if (r < 0 && r != -ENOENT) {
            st = keel_err_set(err, KEEL_E_SYS, KEEL_STEP_SWEEP_UNLINK, -r,
                              KEEL_TEMP_PREFIX);
            break;
        }
        if (r == 0)
            (*removed)++;
    }
    keel_sys_list_close(h);
    return st;
}
