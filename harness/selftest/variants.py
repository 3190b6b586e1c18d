"""The negative controls: kernel variants with one deliberate bug each.
Each is a list of (file, exact text, replacement); applying a variant to a
copy of kernel/ fails loudly if the text is gone (the kernel changed: the
variant must be updated, or the selftest would test nothing).

Each variant also names the rig passes that must catch it."""

VARIANTS = {
    # G7: an error path leaves its temp file behind.
    "no-temp-unlink": {
        "patch": [("kernel/atomic_write.c",
                   "    int u = keel_sys_temp_unlink(dirfd, temp);\n",
                   "    int u = 0; /* SELFTEST BUG: temp never unlinked */\n"
                   "    (void)temp;\n")],
        "modes": "errno", "scenarios": "config",
    },
    # G1/G9: the temp is renamed over the target before it is fsynced, so
    # a failed fsync leaves the new file in place while the command fails.
    "rename-before-fsync": {
        "patch": [("kernel/atomic_write.c",
                   "    r = keel_sys_temp_fsync(fd);\n    if (r < 0)\n"
                   "        return abandon(dirfd, fd, 1, temp, KEEL_E_SYS, KEEL_STEP_FSYNC, -r,\n"
                   "                       target, err);\n",
                   "    r = 0; /* SELFTEST BUG: fsync moved after the rename */\n"),
                  ("kernel/atomic_write.c",
                   "    r = keel_sys_temp_close(fd);\n",
                   "    if (renameat(dirfd, temp, dirfd, target) != 0)\n"
                   "        return abandon(dirfd, fd, 1, temp, KEEL_E_SYS, KEEL_STEP_RENAME,\n"
                   "                       errno, target, err);\n"
                   "    r = keel_sys_temp_fsync(fd);\n"
                   "    if (r < 0) {\n"
                   "        (void)keel_sys_temp_close(fd);\n"
                   "        return keel_err_set(err, KEEL_E_SYS, KEEL_STEP_FSYNC, -r, target);\n"
                   "    }\n"
                   "    r = keel_sys_temp_close(fd);\n"),
                  ("kernel/atomic_write.c",
                   "    r = keel_sys_temp_rename(dirfd, temp, target);\n",
                   "    r = 0; /* SELFTEST BUG: renamed above, before the fsync */\n"),
                  ("kernel/atomic_write.c", "#include <errno.h>\n",
                   "#include <errno.h>\n#include <stdio.h>\n")],
        "modes": "errno", "scenarios": "config",
    },
    # G6: the interop lock file is reaped without holding the flock guard
    # (the guard is never taken), so a live holder's file can be reaped.
    "reap-without-guard": {
        "patch": [("kernel/sys.c",
                   "    return flock(fd, LOCK_EX | LOCK_NB) == 0 ? 0 : neg_errno();\n",
                   "    (void)fd; /* SELFTEST BUG: no flock guard */\n    return 0;\n")],
        "modes": "mutex",
    },
    # G4: a union merge: accounts the caller deleted are never dropped from
    # the fresh registry, so a deletion is lost when someone else wrote
    # in between.
    "union-merge": {
        "patch": [("kernel/merge.c",
                   "        if (!keep_fresh[i])\n",
                   "        if (!keep_fresh[i] && 0) /* SELFTEST BUG: union */\n")],
        "modes": "concurrent",
    },
}
