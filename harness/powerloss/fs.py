"""fs.py - an in-memory file system of inodes and directory entries, the
object the recorder builds, the replayer takes crash states of, and the
materialiser writes out (spec/persistence-model.md).

An inode is a directory (entries: name -> inode) or a regular file (data,
mode). Hard links are two entries naming one inode. The state root is
inode 1.
"""

import hashlib
import os
import stat

S_IFDIR = "d"
S_IFREG = "f"
O_CREAT = 0o100
O_TRUNC = 0o1000
ROOT = 1


class FS:
    def __init__(self):
        self.kinds = {ROOT: S_IFDIR}
        self.data = {}                 # file inode -> bytes
        self.modes = {ROOT: 0o700}
        self.entries = {ROOT: {}}      # dir inode -> {name: inode}
        self.next_ino = 2
        self.offsets = {}

    # -- building --
    @classmethod
    def from_disk(cls, root):
        fs = cls()
        real = {}
        st = os.lstat(root)
        fs.modes[ROOT] = stat.S_IMODE(st.st_mode)

        def walk(path, dino):
            for name in sorted(os.listdir(path)):
                p = os.path.join(path, name)
                st = os.lstat(p)
                key = (st.st_dev, st.st_ino)
                if key in real:
                    fs.entries[dino][name] = real[key]
                    continue
                ino = fs.new_ino()
                real[key] = ino
                fs.entries[dino][name] = ino
                fs.modes[ino] = stat.S_IMODE(st.st_mode)
                if stat.S_ISDIR(st.st_mode):
                    fs.kinds[ino] = S_IFDIR
                    fs.entries[ino] = {}
                    walk(p, ino)
                elif stat.S_ISREG(st.st_mode):
                    fs.kinds[ino] = S_IFREG
                    with open(p, "rb") as f:
                        fs.data[ino] = f.read()
                else:
                    raise ValueError("only files and dirs are modelled: " + p)
        walk(root, ROOT)
        return fs

    def new_ino(self):
        self.next_ino += 1
        return self.next_ino - 1

    def copy(self):
        c = FS.__new__(FS)
        c.kinds = dict(self.kinds)
        c.data = dict(self.data)
        c.modes = dict(self.modes)
        c.entries = {d: dict(e) for d, e in self.entries.items()}
        c.next_ino = self.next_ino
        c.offsets = {}
        return c

    # -- queries --
    def lookup(self, names):
        ino = ROOT
        for n in names:
            if self.kinds.get(ino) != S_IFDIR:
                return None
            ino = self.entries[ino].get(n)
            if ino is None:
                return None
        return ino

    def child(self, d, name):
        return self.entries[d].get(name)

    def kind(self, ino):
        return self.kinds[ino]

    def size(self, ino):
        return len(self.data[ino])

    # -- write(2) offsets per (pid, fd) --
    def offset(self, pid, fdarg, ino):
        return self.offsets.get((pid, fdarg.split("<")[0]), (ino, 0))[1]

    def advance(self, pid, fdarg, ino, n):
        k = (pid, fdarg.split("<")[0])
        self.offsets[k] = (ino, self.offset(pid, fdarg, ino) + n)

    def forget_fd(self, pid, fdarg):
        self.offsets.pop((pid, fdarg.split("<")[0]), None)

    # -- the operations (record.py lists them) --
    def apply(self, op):
        t = op[0]
        if t == "create":
            _, d, name, ino, mode = op
            self.kinds[ino] = S_IFREG
            self.data[ino] = b""
            self.modes[ino] = mode
            self.entries[d][name] = ino
        elif t == "mkdir":
            _, d, name, ino, mode = op
            self.kinds[ino] = S_IFDIR
            self.entries[ino] = {}
            self.modes[ino] = mode
            self.entries[d][name] = ino
        elif t == "rename":
            _, sd, sn, dd, dn = op
            ino = self.entries[sd].pop(sn)
            self.entries[dd][dn] = ino
        elif t == "link":
            _, sd, sn, dd, dn = op
            self.entries[dd][dn] = self.entries[sd][sn]
        elif t == "unlink":
            _, d, name = op
            del self.entries[d][name]
        elif t == "write":
            _, ino, off, b = op
            self.data[ino] = write_at(self.data[ino], off, b)
        elif t == "trunc":
            _, ino, size = op
            self.data[ino] = resize(self.data[ino], size)
        elif t == "chmod":
            _, ino, mode = op
            self.modes[ino] = mode & 0o7777
        # fsync, fdatasync, syncall, ack: no change to the visible state

    # -- views --
    def view(self, skip=None):
        """{relpath: ("f", bytes, mode) | ("d", None, mode)} of everything
        reachable from the root."""
        out = {}

        def walk(prefix, d):
            for name, ino in self.entries[d].items():
                p = prefix + name
                if self.kinds[ino] == S_IFDIR:
                    out[p] = ("d", None, self.modes[ino])
                    walk(p + "/", ino)
                else:
                    out[p] = ("f", self.data[ino], self.modes[ino])
        walk("", ROOT)
        return out

    def compare_disk(self, root):
        """A description of the first difference between model and disk,
        or "" when they agree."""
        want = self.view()
        got = {}
        for dirpath, dirs, files in os.walk(root):
            for n in dirs + files:
                p = os.path.join(dirpath, n)
                rel = os.path.relpath(p, root)
                st = os.lstat(p)
                if stat.S_ISDIR(st.st_mode):
                    got[rel] = ("d", None, stat.S_IMODE(st.st_mode))
                else:
                    with open(p, "rb") as f:
                        got[rel] = ("f", f.read(), stat.S_IMODE(st.st_mode))
        for p in sorted(set(want) | set(got)):
            if want.get(p) != got.get(p):
                return "%s: model %s, disk %s" % (p, short(want.get(p)),
                                                   short(got.get(p)))
        return ""


def write_at(data, off, b):
    if off > len(data):
        data = data + b"\0" * (off - len(data))
    return data[:off] + b + data[off + len(b):]


def resize(data, size):
    if size <= len(data):
        return data[:size]
    return data + b"\0" * (size - len(data))


def short(v):
    if v is None:
        return "absent"
    kind, data, mode = v
    if kind == "d":
        return "dir %04o" % mode
    return "file %04o %d bytes sha %s" % (mode, len(data), digest(data)[:10])


def digest(b):
    return hashlib.sha256(b).hexdigest()
