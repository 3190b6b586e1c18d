"""record.py - run keel commands under strace and turn the trace into
file-system operations on the state directory (issue 6, part 1).

A recording is a list of operations, in the order the kernel executed them,
on an abstract file system of inodes and directory entries
(spec/persistence-model.md):

  dir ops   ("create", dir, name, ino, mode)   openat(O_CREAT) of a new name
            ("mkdir", dir, name, ino, mode)
            ("rename", sdir, sname, ddir, dname)
            ("unlink", dir, name)              also rmdir
            ("link", sdir, sname, ddir, dname)
  data ops  ("write", ino, offset, bytes)
            ("trunc", ino, size)               ftruncate, truncate, O_TRUNC
            ("chmod", ino, mode)               fchmod, chmod, fchmodat
  sync ops  ("fsync", ino)                     fsync/fdatasync, file or dir
            ("syncall",)                       sync(2), syncfs(2)
  markers   ("ack", cmd_index, exit_status)    a command exited

Directories are named by their inode too; `dir` is the inode number of the
directory (the state root is inode 1). Only objects below the state root are
recorded; everything else the process touches (libc, /proc, stdout) is not.

The recorder replays its own operations on an in-memory model as it goes
(fs.py) and, after each command, compares that model with the real
directory, byte for byte and mode for mode: a system call it failed to
understand shows up as a mismatch, not as a silently wrong crash state.
"""

import os
import re
import subprocess

from fs import FS, O_CREAT, O_TRUNC, S_IFREG

TRACED = ("openat,open,creat,write,pwrite64,writev,pwritev,pwritev2,"
          "ftruncate,truncate,fchmod,fchmodat,chmod,rename,renameat,"
          "renameat2,link,linkat,unlink,unlinkat,rmdir,mkdir,mkdirat,fsync,"
          "fdatasync,sync,syncfs,close,dup,dup2,dup3,fcntl,"
          "sync_file_range,fallocate,symlink,symlinkat,exit_group")

STRACE = ["strace", "-f", "-y", "-xx", "-s", "1048576", "-qq", "-e",
          "trace=" + TRACED, "-e", "signal=none"]

OPEN_FLAGS = {"O_CREAT": O_CREAT, "O_TRUNC": O_TRUNC}


class RecordError(Exception):
    pass


def unhex(s):
    """Decode strace's -xx string body ("\\x61\\x62...") to bytes."""
    out = bytearray()
    i = 0
    while i < len(s):
        if s[i] == "\\":
            c = s[i + 1]
            if c == "x":
                out.append(int(s[i + 2:i + 4], 16))
                i += 4
                continue
            esc = {"n": 10, "t": 9, "r": 13, "v": 11, "f": 12, "\\": 92,
                   '"': 34, "0": 0}
            out.append(esc[c])
            i += 2
            continue
        out.append(ord(s[i]))
        i += 1
    return bytes(out)


LINE = re.compile(r"^(?P<pid>\d+)\s+(?P<call>[a-z0-9_]+)\((?P<args>.*)\)\s+="
                  r"\s+(?P<ret>-?\d+|\?)(?P<rest>.*)$")
STR = r'"((?:[^"\\]|\\.)*)"'
FD = r"(-?\d+|AT_FDCWD)(?:<((?:[^>\\]|\\.)*)>)?"


def split_args(args):
    """Split a top-level argument list on commas outside quotes, <> and
    brackets."""
    out, depth, cur, q, i = [], 0, [], False, 0
    while i < len(args):
        c = args[i]
        if q:
            cur.append(c)
            if c == "\\":
                cur.append(args[i + 1])
                i += 1
            elif c == '"':
                q = False
        elif c == '"':
            q = True
            cur.append(c)
        elif c in "<[{(":
            depth += 1
            cur.append(c)
        elif c in ">]})":
            depth -= 1
            cur.append(c)
        elif c == "," and depth == 0:
            out.append("".join(cur).strip())
            cur = []
        else:
            cur.append(c)
        i += 1
    if cur:
        out.append("".join(cur).strip())
    return out


def parse_fd(arg):
    m = re.fullmatch(FD, arg)
    if not m:
        raise RecordError("not an fd argument: %r" % arg[:80])
    path = unhex(m.group(2)).decode("utf-8", "surrogateescape") \
        if m.group(2) is not None else None
    return m.group(1), path


def parse_str(arg):
    m = re.fullmatch(STR + r"(\.\.\.)?", arg)
    if not m:
        raise RecordError("not a string argument: %r" % arg[:80])
    if m.group(2):
        raise RecordError("strace truncated a string: raise -s")
    return unhex(m.group(1))


def parse_flags(arg):
    v = 0
    for f in arg.split("|"):
        v |= OPEN_FLAGS.get(f, 0)
    return v


def merge_unfinished(lines):
    """Join "<unfinished ...>" / "<... resumed>" halves (several threads or
    processes interleaving under -f)."""
    pending, out = {}, []
    for ln in lines:
        m = re.match(r"^(\d+)\s+(.*) <unfinished \.\.\.>$", ln)
        if m:
            pending[m.group(1)] = m.group(2)
            continue
        m = re.match(r"^(\d+)\s+<\.\.\. [a-z0-9_]+ resumed>(.*)$", ln)
        if m:
            out.append(m.group(1) + " " + pending.pop(m.group(1)) +
                       m.group(2))
            continue
        out.append(ln)
    return out


class Recorder:
    """Turns strace lines into operations on an FS model rooted at root."""

    def __init__(self, root, fs):
        self.root = root.rstrip("/")
        self.fs = fs
        self.cwd = {}
        self.ops = []

    def rel(self, path):
        """A path below the root as a list of names, or None."""
        if path is None:
            return None
        if path.endswith(" (deleted)"):
            return None
        if path == self.root:
            return []
        if path.startswith(self.root + "/"):
            return [p for p in path[len(self.root) + 1:].split("/") if p]
        return None

    def at_path(self, dirarg, name, pid):
        """Absolute path of (dirfd argument, name)."""
        name = name.decode("utf-8", "surrogateescape")
        if name.startswith("/"):
            return os.path.normpath(name)
        if dirarg is None:
            base = self.cwd[pid]
        else:
            fdno, base = parse_fd(dirarg)
            if base is None:
                raise RecordError("dir fd without a path: %r" % dirarg)
        return os.path.normpath(os.path.join(base, name))

    def emit(self, op):
        self.fs.apply(op)
        self.ops.append(op)

    def ino_of_fd(self, arg):
        fdno, path = parse_fd(arg)
        r = self.rel(path)
        if r is None:
            return None
        return self.fs.lookup(r)

    def dirent(self, path):
        """(dir inode, name) for an absolute path below the root."""
        r = self.rel(path)
        if r is None or not r:
            return None
        d = self.fs.lookup(r[:-1])
        if d is None:
            raise RecordError("parent of %s not in the model" % path)
        return d, r[-1]

    def line(self, ln, pid_cwd):
        m = LINE.match(ln)
        if not m:
            if "+++ exited" in ln or "--- SIG" in ln or "+++ killed" in ln:
                return
            if re.match(r"^\d+\s+exit_group\(", ln):
                return
            raise RecordError("unparsed strace line: %s" % ln[:200])
        pid, call, ret = m.group("pid"), m.group("call"), m.group("ret")
        self.cwd.setdefault(pid, pid_cwd)
        if ret == "?" or int(ret) < 0:
            return  # failed calls change nothing
        a = split_args(m.group("args"))
        getattr(self, "sys_" + call, self.sys_ignore)(pid, a, int(ret),
                                                        m.group("rest"))

    def sys_ignore(self, pid, a, ret, rest):
        pass

    # -- creating and opening --
    def do_open(self, pid, dirarg, name, flags, mode, ret, rest):
        path = self.at_path(dirarg, name, pid)
        de = self.dirent(path)
        if de is None:
            return
        d, nm = de
        ino = self.fs.child(d, nm)
        if ino is None:
            if not flags & O_CREAT:
                raise RecordError("open of a missing file succeeded: " + path)
            self.emit(("create", d, nm, self.fs.new_ino(), mode & ~self.umask
                       & 0o7777))
        elif flags & O_TRUNC and self.fs.kind(ino) == S_IFREG \
                and self.fs.size(ino) > 0:
            self.emit(("trunc", ino, 0))

    def sys_openat(self, pid, a, ret, rest):
        mode = int(a[3], 8) if len(a) > 3 else 0
        self.do_open(pid, a[0], parse_str(a[1]), parse_flags(a[2]), mode,
                     ret, rest)

    def sys_open(self, pid, a, ret, rest):
        mode = int(a[2], 8) if len(a) > 2 else 0
        self.do_open(pid, None, parse_str(a[0]), parse_flags(a[1]), mode,
                     ret, rest)

    def sys_creat(self, pid, a, ret, rest):
        self.do_open(pid, None, parse_str(a[0]), O_CREAT | O_TRUNC,
                     int(a[1], 8), ret, rest)

    def sys_mkdir(self, pid, a, ret, rest):
        self.do_mkdir(pid, None, parse_str(a[0]), int(a[1], 8))

    def sys_mkdirat(self, pid, a, ret, rest):
        self.do_mkdir(pid, a[0], parse_str(a[1]), int(a[2], 8))

    def do_mkdir(self, pid, dirarg, name, mode):
        de = self.dirent(self.at_path(dirarg, name, pid))
        if de is not None:
            self.emit(("mkdir", de[0], de[1], self.fs.new_ino(),
                       mode & ~self.umask & 0o7777))

    # -- data --
    def sys_write(self, pid, a, ret, rest):
        ino = self.ino_of_fd(a[0])
        if ino is None:
            return
        data = parse_str(a[1])
        if len(data) < ret:
            raise RecordError("write data truncated in the trace")
        off = self.fs.offset(pid, a[0], ino)
        self.emit(("write", ino, off, data[:ret]))
        self.fs.advance(pid, a[0], ino, ret)

    def sys_pwrite64(self, pid, a, ret, rest):
        ino = self.ino_of_fd(a[0])
        if ino is None:
            return
        data = parse_str(a[1])
        self.emit(("write", ino, int(a[3]), data[:ret]))

    def sys_writev(self, pid, a, ret, rest):
        ino = self.ino_of_fd(a[0])
        if ino is None:
            return
        bufs = re.findall(r"iov_base=" + STR, a[1])
        data = b"".join(unhex(b) for b in bufs)[:ret]
        off = self.fs.offset(pid, a[0], ino)
        self.emit(("write", ino, off, data))
        self.fs.advance(pid, a[0], ino, ret)

    def sys_pwritev(self, pid, a, ret, rest):
        raise RecordError("pwritev is not modelled")

    sys_pwritev2 = sys_pwritev
    sys_fallocate = sys_pwritev

    def sys_ftruncate(self, pid, a, ret, rest):
        ino = self.ino_of_fd(a[0])
        if ino is not None:
            self.emit(("trunc", ino, int(a[1])))

    def sys_truncate(self, pid, a, ret, rest):
        r = self.rel(self.at_path(None, parse_str(a[0]), pid))
        if r is not None:
            self.emit(("trunc", self.fs.lookup(r), int(a[1])))

    def sys_fchmod(self, pid, a, ret, rest):
        ino = self.ino_of_fd(a[0])
        if ino is not None:
            self.emit(("chmod", ino, int(a[1], 8)))

    def sys_chmod(self, pid, a, ret, rest):
        r = self.rel(self.at_path(None, parse_str(a[0]), pid))
        if r is not None:
            self.emit(("chmod", self.fs.lookup(r), int(a[1], 8)))

    def sys_fchmodat(self, pid, a, ret, rest):
        r = self.rel(self.at_path(a[0], parse_str(a[1]), pid))
        if r is not None:
            self.emit(("chmod", self.fs.lookup(r), int(a[2], 8)))

    # -- names --
    def do_rename(self, pid, d1, n1, d2, n2):
        s = self.dirent(self.at_path(d1, n1, pid))
        t = self.dirent(self.at_path(d2, n2, pid))
        if s is None and t is None:
            return
        if s is None or t is None:
            raise RecordError("rename across the state root boundary")
        self.emit(("rename", s[0], s[1], t[0], t[1]))

    def sys_rename(self, pid, a, ret, rest):
        self.do_rename(pid, None, parse_str(a[0]), None, parse_str(a[1]))

    def sys_renameat(self, pid, a, ret, rest):
        self.do_rename(pid, a[0], parse_str(a[1]), a[2], parse_str(a[3]))

    def sys_renameat2(self, pid, a, ret, rest):
        if a[4] != "0":
            raise RecordError("renameat2 flags are not modelled: " + a[4])
        self.sys_renameat(pid, a, ret, rest)

    def do_link(self, pid, d1, n1, d2, n2):
        s = self.dirent(self.at_path(d1, n1, pid))
        t = self.dirent(self.at_path(d2, n2, pid))
        if s is None and t is None:
            return
        if s is None or t is None:
            raise RecordError("link across the state root boundary")
        self.emit(("link", s[0], s[1], t[0], t[1]))

    def sys_link(self, pid, a, ret, rest):
        self.do_link(pid, None, parse_str(a[0]), None, parse_str(a[1]))

    def sys_linkat(self, pid, a, ret, rest):
        self.do_link(pid, a[0], parse_str(a[1]), a[2], parse_str(a[3]))

    def do_unlink(self, pid, dirarg, name):
        de = self.dirent(self.at_path(dirarg, name, pid))
        if de is not None:
            self.emit(("unlink", de[0], de[1]))

    def sys_unlink(self, pid, a, ret, rest):
        self.do_unlink(pid, None, parse_str(a[0]))

    def sys_rmdir(self, pid, a, ret, rest):
        self.do_unlink(pid, None, parse_str(a[0]))

    def sys_unlinkat(self, pid, a, ret, rest):
        self.do_unlink(pid, a[0], parse_str(a[1]))

    def sys_symlink(self, pid, a, ret, rest):
        raise RecordError("symlinks in the state dir are not modelled")

    sys_symlinkat = sys_symlink

    # -- durability --
    def sys_fsync(self, pid, a, ret, rest):
        ino = self.ino_of_fd(a[0])
        if ino is not None:
            self.emit(("fsync", ino))

    def sys_fdatasync(self, pid, a, ret, rest):
        ino = self.ino_of_fd(a[0])
        if ino is not None:
            self.emit(("fdatasync", ino))

    def sys_sync(self, pid, a, ret, rest):
        self.emit(("syncall",))

    sys_syncfs = sys_sync

    # -- descriptors: offsets for write(2) --
    def sys_close(self, pid, a, ret, rest):
        self.fs.forget_fd(pid, a[0])


def record(root, cmds, env, cwd, umask, trace_dir):
    """Run cmds (argv lists) one after another under strace, each in its
    own strace; return (init, ops, exits): init is the model of the root
    before the first command. The root's current content is the durable
    initial state."""
    fs = FS.from_disk(root)
    init = fs.copy()
    rec = Recorder(root, fs)
    rec.umask = umask
    exits = []
    for i, argv in enumerate(cmds):
        tr = os.path.join(trace_dir, "trace.%d.txt" % i)
        old = os.umask(umask)
        try:
            p = subprocess.run(STRACE + ["-o", tr] + argv, env=env, cwd=cwd,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        finally:
            os.umask(old)
        with open(tr, encoding="ascii", errors="replace") as f:
            lines = merge_unfinished(f.read().splitlines())
        for ln in lines:
            rec.line(ln, cwd)
        rec.emit(("ack", i, p.returncode))
        exits.append((p.returncode, p.stdout, p.stderr))
        diff = fs.compare_disk(root)
        if diff:
            raise RecordError("model and disk differ after command %d (%s): "
                              "%s" % (i, " ".join(argv[-3:]), diff))
    return init, rec.ops, exits
