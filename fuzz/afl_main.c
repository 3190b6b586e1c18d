/*
 * afl_main.c - the one driver main every Keel fuzz target links with.
 *
 * Purpose
 *   Built by afl-clang-fast (__AFL_FUZZ_TESTCASE_LEN is defined), it is an
 *   AFL++ persistent-mode loop: test cases arrive in shared memory and each
 *   runs through LLVMFuzzerTestOneInput, up to 10000 per fork.
 *   Built by any other compiler, it is a replay tool: every file named on the
 *   command line (a directory: every regular file in it, not recursing) is
 *   read and run once; with no arguments, standard input is one test case.
 *   The replay form is what `make fuzz-replay` (ASan + UBSan) and
 *   `make fuzz-cov` (gcov) run over seeds and saved reproducers.
 *
 * Calling sequence
 *   afl-fuzz -i seeds -o out -- build/fuzz/afl/fuzz_decode
 *   build/fuzz/replay/fuzz_decode fuzz/seeds/decode fuzz/regressions/decode
 *
 * Error handling
 *   A target that finds a broken invariant abort()s: the process dies with
 *   SIGABRT, which AFL++ records as a crash and the replay reports by its
 *   exit status (with KEEL_REPLAY_VERBOSE set, each file is named on stderr
 *   before it runs, so the last name is the culprit). A file that
 *   cannot be read is an error (exit 2). Exit 0: every input ran.
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#ifdef __AFL_FUZZ_TESTCASE_LEN

__AFL_FUZZ_INIT();

int main(void)
{
#ifdef __AFL_HAVE_MANUAL_CONTROL
    __AFL_INIT();
#endif
    unsigned char *buf = __AFL_FUZZ_TESTCASE_BUF;
    while (__AFL_LOOP(10000)) {
        size_t len = (size_t)__AFL_FUZZ_TESTCASE_LEN;
        LLVMFuzzerTestOneInput(buf, len);
    }
    return 0;
}

#else /* replay */

/* Largest input the replay reads: beyond every limit a target has. */
#define REPLAY_MAX (16u * 1024u * 1024u)

static int run_stream(FILE *f, const char *label)
{
    size_t cap = 4096, len = 0;
    unsigned char *buf = malloc(cap);
    if (buf == NULL)
        return 2;
    for (;;) {
        if (len == cap) {
            if (cap >= REPLAY_MAX) {
                fprintf(stderr, "replay: %s: larger than %u bytes\n", label,
                        REPLAY_MAX);
                free(buf);
                return 2;
            }
            unsigned char *nb = realloc(buf, cap * 2);
            if (nb == NULL) {
                free(buf);
                return 2;
            }
            buf = nb;
            cap *= 2;
        }
        size_t n = fread(buf + len, 1, cap - len, f);
        len += n;
        if (n == 0)
            break;
    }
    if (ferror(f)) {
        fprintf(stderr, "replay: %s: read error\n", label);
        free(buf);
        return 2;
    }
    /* An exact-size copy, so that ASan sees any read past the end. */
    unsigned char *exact = malloc(len > 0 ? len : 1);
    if (exact == NULL) {
        free(buf);
        return 2;
    }
    if (len > 0)
        memcpy(exact, buf, len);
    free(buf);
    if (getenv("KEEL_REPLAY_VERBOSE") != NULL)
        fprintf(stderr, "replay: %s (%zu bytes)\n", label, len);
    LLVMFuzzerTestOneInput(exact, len);
    free(exact);
    return 0;
}

static int run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
        return 2;
    }
    int rc = run_stream(f, path);
    fclose(f);
    return rc;
}

static int cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int run_dir(const char *path, size_t *count)
{
    DIR *d = opendir(path);
    struct dirent *e;
    char **names = NULL;
    size_t n = 0, cap = 0;
    int rc = 0;
    if (d == NULL) {
        fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
        return 2;
    }
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            char **nn = realloc(names, cap * sizeof *names);
            if (nn == NULL) {
                rc = 2;
                break;
            }
            names = nn;
        }
        size_t need = strlen(path) + strlen(e->d_name) + 2;
        names[n] = malloc(need);
        if (names[n] == NULL) {
            rc = 2;
            break;
        }
        snprintf(names[n], need, "%s/%s", path, e->d_name);
        n++;
    }
    closedir(d);
    if (n > 0)
        qsort(names, n, sizeof *names, cmp);
    for (size_t i = 0; i < n; i++) {
        struct stat st;
        if (rc == 0 && stat(names[i], &st) == 0 && S_ISREG(st.st_mode)) {
            rc = run_file(names[i]);
            (*count)++;
        }
        free(names[i]);
    }
    free(names);
    return rc;
}

int main(int argc, char **argv)
{
    size_t count = 0;
    if (argc < 2)
        return run_stream(stdin, "<stdin>");
    for (int i = 1; i < argc; i++) {
        struct stat st;
        int rc;
        if (stat(argv[i], &st) != 0) {
            fprintf(stderr, "replay: %s: %s\n", argv[i], strerror(errno));
            return 2;
        }
        if (S_ISDIR(st.st_mode)) {
            rc = run_dir(argv[i], &count);
        } else {
            rc = run_file(argv[i]);
            count++;
        }
        if (rc != 0)
            return rc;
    }
    fprintf(stderr, "replay: %zu inputs, all passed\n", count);
    return 0;
}

#endif
