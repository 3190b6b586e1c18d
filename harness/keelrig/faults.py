"""Plans and runs fault cases over one scenario.

A case is one run of the scenario's command with one fault:
  kill-step  P n        SIGKILL before the nth call of kernel failpoint P
  errno      P n info   the nth call of P fails with errno `info` (or a
                        short write, KEEL_FI_SHORT)
  kill-io    S n        SIGKILL before the nth system call S, by strace
                        (-e inject=S:signal=SIGKILL:when=n)
  kill-fiu   F n        SIGKILL before the nth call of libfiu POSIX
                        wrapper F (fiu_posix_preload.so + keel_fi.so)
followed by the checks in run_case."""
import errno as E
import os
import re
import shutil
import subprocess
import tempfile

from . import checker
from .common import (KILL_INFO, POSIX_PRELOAD, SHORT_INFO, capture,
                     copy_root, fi_lib, keel_bin, kernel_steps, run_keel)

SHORT = "SHORT"

# Where each errno is meaningful (the call could really fail so). EINTR
# everywhere: the kernel retries it in its read/write loops only.
_CREATE = ["EIO", "ENOSPC", "EDQUOT", "EACCES", "EINTR"]
_OPEN = ["EIO", "EACCES", "EINTR"]
_WRITE = ["EIO", "ENOSPC", "EDQUOT", "EINTR", SHORT]
_SYNC = ["EIO", "ENOSPC", "EDQUOT", "EINTR"]
_MOVE = ["EIO", "ENOSPC", "EDQUOT", "EXDEV", "EACCES", "EINTR"]
_UNLINK = ["EIO", "EACCES", "EINTR"]
_READ = ["EIO", "EINTR"]
ERRNOS_FOR = {
    "keel/atomic/check_target": _OPEN,
    "keel/atomic/open_temp": _CREATE,
    "keel/atomic/write": _WRITE,
    "keel/atomic/fchmod": ["EIO", "EACCES", "EINTR"],
    "keel/atomic/fsync": _SYNC,
    "keel/atomic/close": _SYNC,
    "keel/atomic/rename": _MOVE,
    "keel/atomic/fsync_dir": _SYNC,
    "keel/atomic/unlink_temp": _UNLINK,
    "keel/lock/open": _OPEN,
    "keel/lock/flock": ["EIO", "EINTR"],
    "keel/lock/create": _CREATE,
    "keel/lock/write": _WRITE,
    "keel/lock/read": _READ,
    "keel/lock/reap": _UNLINK,
    "keel/lock/release": _UNLINK,
    "keel/lock/unlock": _SYNC,
    "keel/sweep/list": _OPEN,
    "keel/sweep/unlink": _UNLINK,
    "keel/read/open": _OPEN,
    "keel/read/stat": _OPEN,
    "keel/read/read": _READ,
    "keel/txn/backup_unlink": _UNLINK,
    "keel/txn/backup_link": _MOVE,
    "keel/txn/recover_aside": _MOVE,
    # the CLI's own steps (cli/state.c, cli/paths.c)
    "keel/cli/unlink_snapshot": _UNLINK,
    "keel/cli/unlink_current": _UNLINK,
    "keel/cli/fsync_mkdir": _SYNC,
    # before they had names, cli_unlink's unlinkat was the point "none"
    "none": _UNLINK,
}
# The kernel retries EINTR (and continues short writes) at these points:
# an injected EINTR or short write there must not fail the command.
MUST_SUCCEED = {"keel/atomic/write", "keel/lock/write", "keel/read/read",
                "keel/lock/read"}
# A failure at these points must be reported (G9): nothing may swallow it.
MUST_FAIL = {"keel/atomic/check_target", "keel/atomic/open_temp",
             "keel/atomic/write", "keel/atomic/fchmod", "keel/atomic/fsync",
             "keel/atomic/close", "keel/atomic/rename",
             "keel/atomic/fsync_dir", "keel/lock/open", "keel/lock/flock",
             "keel/lock/create", "keel/lock/write", "keel/txn/backup_link",
             "keel/txn/backup_unlink", "keel/cli/unlink_snapshot",
             "keel/cli/unlink_current", "keel/cli/fsync_mkdir", "none"}
# After the registry's rename: a failure here may leave the new registry
# in place while the command reports the failure (fsync(dir): "replaced,
# not durable", G9; releasing the lock).
POST_COMMIT = {"keel/atomic/fsync_dir", "keel/lock/read", "keel/lock/release",
               "keel/lock/unlock"}

# System calls the strace pass kills at (every file-system call).
IO_SYSCALLS = ["openat", "open", "creat", "read", "pread64", "readv",
               "write", "pwrite64", "writev", "close", "fsync", "fdatasync",
               "fchmod", "fchmodat", "fchown", "ftruncate", "rename",
               "renameat", "renameat2", "unlink", "unlinkat", "link",
               "linkat", "symlink", "symlinkat", "mkdir", "mkdirat", "rmdir",
               "flock", "fcntl", "getdents64", "newfstatat", "fstat", "lstat",
               "stat", "statx", "lseek", "access", "faccessat", "faccessat2",
               "readlink", "readlinkat", "dup", "dup2", "dup3"]
# libfiu POSIX wrappers and the system call each stands for.
FIU_POSIX = {"posix/io/oc/open": "open", "posix/io/oc/close": "close",
             "posix/io/rw/read": "read", "posix/io/rw/write": "write",
             "posix/io/sync/fsync": "fsync",
             "posix/io/sync/fdatasync": "fdatasync",
             "posix/io/dir/rename": "rename", "posix/io/dir/unlink": "unlink",
             "posix/io/rw/ftruncate": "ftruncate"}


def point_names():
    return [n for _, n, _ in kernel_steps()] + ["none"]


def phrases():
    p = {n: ph for _, n, ph in kernel_steps()}
    p["none"] = "unlink"
    return p


def errno_value(name):
    return SHORT_INFO if name == SHORT else getattr(E, name)


# ---- counting clean runs -------------------------------------------------

def count_points(root, scen, names, extra_env=None, calls=None):
    """Count the hits of each named point in a clean run. With `calls` (a
    dict), also fill calls[(point, n)] with the system call wrapper the nth
    hit stands for ("write", "close", ...), found with addr2line."""
    fd, path = tempfile.mkstemp(prefix="keel-fi-count.")
    os.close(fd)
    env = {"KEEL_FI_COUNT": path, "KEEL_FI_NAMES": ";".join(names)}
    if calls is not None:
        env["KEEL_FI_TRACE"] = path + ".trace"
    env.update(extra_env or {})
    rc, out, err = run_keel(root, scen.argv(root), extra_env=env)
    counts = {}
    with open(path) as f:
        for line in f:
            n, c = line.rsplit(" ", 1)
            counts[n] = int(c)
    os.unlink(path)
    if calls is not None and os.path.exists(path + ".trace"):
        with open(path + ".trace") as f:
            hits = [line.split() for line in f if line.strip()]
        os.unlink(path + ".trace")
        calls.update(_wrappers(hits))
    return rc, err, counts


_WRAPPER_CALL = {"keel_sys_temp_write": "write", "keel_sys_write": "write",
                 "keel_sys_read": "read", "keel_sys_close": "close",
                 "keel_sys_temp_close": "close", "keel_sys_lock_unlock": "close",
                 "keel_sys_openat": "openat", "keel_sys_temp_create": "openat",
                 "keel_sys_lock_create": "openat", "keel_sys_fstat": "fstat",
                 "keel_sys_fstat_mtime": "fstat",
                 "keel_sys_target_kind": "fstatat",
                 "keel_sys_temp_fchmod": "fchmod", "keel_sys_fsync": "fsync",
                 "keel_sys_temp_fsync": "fsync", "keel_sys_dir_fsync": "fsync",
                 "keel_sys_temp_rename": "renameat",
                 "keel_sys_unlinkat": "unlinkat",
                 "keel_sys_temp_unlink": "unlinkat",
                 "keel_sys_lock_reap": "unlinkat",
                 "keel_sys_lock_drop": "unlinkat", "keel_sys_linkat": "linkat",
                 "keel_sys_lock_flock": "flock",
                 "keel_sys_list_open": "openat"}


def _wrappers(hits):
    """{(point, n): call} from "point n addr..." lines, via addr2line."""
    addrs = sorted({a for h in hits for a in h[2:]})
    if not addrs:
        return {}
    p = subprocess.run(["addr2line", "-f", "-i", "-a", "-e",
                        os.path.realpath(keel_bin())] + ["0x" + a for a in addrs],
                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    funcs, cur = {}, None
    lines = p.stdout.decode(errors="replace").splitlines()
    for i, line in enumerate(lines):
        if line.startswith("0x"):
            cur = "%x" % int(line, 16)
            funcs[cur] = []
        elif cur is not None and i % 1 == 0 and not line.startswith("/") \
                and ":" not in line:
            funcs[cur].append(line.strip())
    out = {}
    for h in hits:
        call = "?"
        for a in h[2:]:
            names = [f for f in funcs.get("%x" % int(a, 16), []) if f in _WRAPPER_CALL]
            if names:
                call = _WRAPPER_CALL[names[0]]
                break
        out[(h[0], int(h[1]))] = call
    return out


_LINE = re.compile(r"^(\d+)\s+([a-z0-9_]+)\(")


def count_syscalls(root, scen):
    """strace a clean run. Returns {syscall: [occurrence numbers (1-based,
    counted as strace's when= counts them) made after keel's main() began
    (the first call naming the state directory)]} and the pre-main counts."""
    fd, trace = tempfile.mkstemp(prefix="keel-trace.")
    os.close(fd)
    prefix = ["strace", "-f", "-qq", "-y", "-s", "0", "-o", trace,
              "-e", "trace=" + ",".join(IO_SYSCALLS)]
    rc, out, err = run_keel(root, scen.argv(root), prefix=prefix)
    seen, post, pre = {}, {}, {}
    started = False
    marks = (os.path.join(root, "codex"), os.path.join(root, "import"))
    with open(trace, errors="replace") as f:
        for line in f:
            m = _LINE.match(line)
            if not m:
                continue
            name = m.group(2)
            seen[name] = seen.get(name, 0) + 1
            if not started and any(k in line for k in marks):
                started = True
            if started:
                post.setdefault(name, []).append(seen[name])
            else:
                pre[name] = pre.get(name, 0) + 1
    os.unlink(trace)
    return rc, post, pre


# ---- one case ------------------------------------------------------------

class Case:
    __slots__ = ("scen", "mode", "point", "nth", "info")

    def __init__(self, scen, mode, point, nth, info=None):
        self.scen, self.mode, self.point = scen, mode, point
        self.nth, self.info = nth, info

    def key(self):
        s = "%s %s %s#%d" % (self.scen, self.mode, self.point, self.nth)
        return s + (" " + self.info if self.info else "")

    def spec(self):
        """The --case argument that reruns exactly this case."""
        s = "%s:%s:%s:%d" % (self.scen, self.mode, self.point, self.nth)
        return s + (":" + self.info if self.info else "")

    @staticmethod
    def parse(s):
        parts = s.split(":")
        if len(parts) not in (4, 5):
            raise SystemExit("--case wants SCEN:MODE:POINT:N[:ERRNO], got %r" % s)
        return Case(parts[0], parts[1], parts[2], int(parts[3]),
                    parts[4] if len(parts) == 5 else None)

    def how(self):
        """(extra env, command prefix) that injects this case's fault."""
        if self.mode == "kill-step":
            return {"KEEL_FI": "%s:%d:%d" % (self.point, self.nth, KILL_INFO)}, None
        if self.mode == "errno":
            return {"KEEL_FI": "%s:%d:%d" % (self.point, self.nth,
                                             errno_value(self.info))}, None
        if self.mode == "kill-fiu":
            return ({"LD_PRELOAD": POSIX_PRELOAD + " " + fi_lib(),
                     "KEEL_FI": "%s:%d:%d" % (self.point, self.nth, KILL_INFO)},
                    None)
        if self.mode == "kill-io":
            return None, ["strace", "-f", "-qq", "-o", "/dev/null",
                          "-e", "trace=" + self.point,
                          "-e", "inject=%s:signal=SIGKILL:when=%d"
                          % (self.point, self.nth)]
        raise ValueError(self.mode)

    def shell(self, root, keel):
        """A shell command line reproducing the faulted run by hand."""
        env, prefix = self.how()
        env = dict(env or {})
        env.setdefault("LD_PRELOAD", fi_lib())
        sets = " ".join("%s=%s" % (k, shquote(v)) for k, v in sorted(env.items()))
        return "%s %s%s %s" % (sets, " ".join(map(shquote, prefix or [])),
                               " " if prefix else "", " ".join(
                                   map(shquote, [keel] + self_argv(self, root))))


def shquote(s):
    return s if re.match(r"^[A-Za-z0-9_./:=@%+,-]+$", s) else "'" + s.replace("'", "'\\''") + "'"


def self_argv(case, root):
    from .scenarios import by_name
    return by_name(case.scen)[0].argv(root)


def probe_argv(state):
    """The next keel command after a faulted one: a write command that
    changes nothing (api.usage set to its current value). It must get the
    lock (G6) and sweep the debris (G7), and leave the registry as it is."""
    reg = state.get(checker.REG)
    usage = True
    if reg is not None:
        obj = checker.registry_object(reg[0])
        if isinstance(obj, dict) and isinstance(obj.get("api"), dict):
            usage = obj["api"].get("usage", True) is not False
    return ["--wait", "5", "config", "api", "--enable" if usage else "--disable"]


def run_case(case, scen, template, before, after, workdir, keep=False,
             call=None):
    """Run one case on a copy of the before-state and check it. Returns a
    dict: outcome (killed/failed/ok), violations (list), dir (kept when
    there are violations)."""
    root = os.path.join(workdir, re.sub(r"[^A-Za-z0-9_.-]", "_", case.key()))
    copy_root(template, root)
    env, prefix = case.how()
    rc, out, err = run_keel(root, scen.argv(root), extra_env=env, prefix=prefix)
    bad = []
    state, dirs = capture(root)
    killed = rc == -9
    outcome = "killed" if killed else ("ok" if rc == 0 else "failed")
    if rc < 0 and not killed:
        bad.append("keel died of signal %d" % -rc)
    if rc > 0 and "AddressSanitizer" in err:
        bad.append("sanitizer report")
    v, where = checker.files_vs(scen, before, after, state,
                                allow_temps=killed, allow_lock=True)
    bad += v
    bad += checker.modes(state, dirs)
    tracked = scen.tracked(before, after)
    all_new = all(where.get(f) in ("new", "same") for f in tracked)
    reg_new = where.get(checker.REG) == "new"
    if outcome == "ok" and not all_new:
        olds = sorted(f for f in tracked if where.get(f) == "old")
        bad.append("G4: exit 0 but %s not changed" % ", ".join(olds))
    if case.mode == "errno":
        bad += _errno_rules(case, rc, err, outcome, reg_new, call)
    elif outcome == "failed":
        bad.append("exit %d without the kill: %s" % (rc, err.strip()[:200]))

    # The next command: gets the lock, sweeps, changes nothing.
    prc, pout, perr = run_keel(root, probe_argv(state))
    state2, dirs2 = capture(root)
    damaged = (state.get(checker.REG) or (None,))[0] == scen.damaged_registry
    if prc == 6:
        bad.append("G6: the next command could not get the lock: %s" % perr.strip())
    elif prc != 0 and not (prc == 7 and damaged):
        bad.append("the next command failed (%d): %s" % (prc, perr.strip()[:200]))
    v, where2 = checker.files_vs(scen, before, after, state2,
                                 allow_temps=False, allow_lock=False)
    bad += ["after the next command: " + x for x in v]
    if state2.get(checker.REG) != state.get(checker.REG):
        bad.append("the next command (a no-op) changed registry.json")

    # Completion: an interrupted command is finished by running it again.
    # Only a partly applied command needs this: an all-old state is the
    # before-state, whose run is the clean run.
    partial = not all(where2.get(f) in ("new", "same") for f in tracked) and \
        any(where2.get(f) == "new" for f in tracked)
    if partial or (state2.get(checker.REG) or (None,))[0] == scen.damaged_registry \
            and any(where2.get(f) == "new" for f in tracked):
        crc, cout, cerr = run_keel(root, scen.argv(root))
        state3, dirs3 = capture(root)
        if crc != 0:
            bad.append("rerunning the command failed (%d): %s"
                       % (crc, cerr.strip()[:200]))
        v, where3 = checker.files_vs(scen, before, after, state3,
                                     allow_temps=False, allow_lock=False)
        bad += ["after the rerun: " + x.replace("G1: ", "") for x in v]
        olds = sorted(f for f in tracked if where3.get(f) == "old")
        if crc == 0 and olds:
            bad.append("after the rerun, still old: %s" % ", ".join(olds))
        bad += ["after the rerun: " + x for x in checker.modes(state3, dirs3)]
    if not bad and not keep:
        shutil.rmtree(root, ignore_errors=True)
    return {"outcome": outcome, "violations": bad, "dir": root,
            "stderr": err.strip()[:300]}


def _errno_rules(case, rc, err, outcome, reg_new, call):
    bad = []
    name = case.info
    p = case.point
    if outcome == "killed":
        return ["killed by an errno injection"]
    # Only the read(2)/write(2) hits of a point retry EINTR; the same
    # point's close(2) does not (and need not).
    rw = call in ("read", "write", None)
    must_succeed = (name == SHORT and call in ("write", None)) or \
        (name == "EINTR" and p in MUST_SUCCEED and rw)
    if must_succeed:
        if outcome != "ok":
            bad.append("%s at %s must be absorbed, but the command failed: %s"
                       % (name, p, err.strip()[:200]))
        return bad
    if outcome == "ok":
        if p in MUST_FAIL:
            bad.append("G9: %s at %s was swallowed (exit 0)" % (name, p))
        return bad
    # failed: message names the step and the cause; before-state intact
    cause = os.strerror(errno_value(name))
    phrase = phrases().get(p, "")
    if cause not in err:
        bad.append("the message does not name the cause %r: %s"
                   % (cause, err.strip()[:200]))
    if phrase and phrase not in err and p not in err:
        bad.append("the message does not name the step %r: %s"
                   % (phrase, err.strip()[:200]))
    if reg_new and p not in POST_COMMIT:
        bad.append("the command failed (%s at %s) but registry.json changed"
                   % (name, p))
    return bad
