"""model.py - crash states of a recording under a persistence model
(issue 6, part 2; the models are written down in spec/persistence-model.md).

prefix  ordered journaling: the disk holds exactly the effect of the first
        n operations, data writes cut into 4 KiB pieces.
weak    what this machine guarantees and nothing more:
        - directory operations (create, mkdir, rename, unlink, link) persist
          in the order they were made, as a prefix of that order; an fsync
          of directory D forces every earlier operation on D's entries into
          the prefix (hence every earlier directory operation at all);
        - an inode's data, size and mode persist independently of
          everything else, operation by operation, each write in 4 KiB
          pieces; a size change without its data reads as zeros; an fsync
          of the file makes everything done to it so far durable;
        - a new inode starts empty with its creation mode (that is part of
          the create).

Bounds: files no one reads for content (Keel temp files, which are only
ever unlinked) keep one representative content; the interop lock file's
variants are explored one at a time, not multiplied with the others; and
per crash point at most CAP_PRODUCT combinations are built (the run reports
every crash point where that cap cut the enumeration).
"""

import itertools

from fs import FS, S_IFDIR, resize, write_at

PAGE = 4096
CAP_PRODUCT = 256
CAP_PENDING = 10
TEMP_PREFIX = ".keel-tmp."
LOCK_NAME = "registry.json.lock"

DIR_OPS = ("create", "mkdir", "rename", "unlink", "link")


def is_debris(path):
    """Temp files: only ever unlinked or renamed, never read for content
    (Keel's, and the Codex stand-in's in codex_login.py)."""
    base = path.rsplit("/", 1)[-1]
    return base.startswith(TEMP_PREFIX) or base == ".codex-login.tmp"


def is_lock(path):
    return path.rsplit("/", 1)[-1] == LOCK_NAME


def dirs_touched(op):
    t = op[0]
    if t in ("create", "mkdir", "unlink"):
        return (op[1],)
    return (op[1], op[3])


def pieces(op, size_before):
    """A data op as independent pieces: ("size", n), ("data", off, bytes),
    ("mode", m)."""
    t = op[0]
    if t == "write":
        _, ino, off, b = op
        out = []
        end = off + len(b)
        if end > size_before:
            out.append(("size", end))
        p = off
        while p < end:
            q = min(end, (p // PAGE + 1) * PAGE)
            out.append(("data", p, b[p - off:q - off]))
            p = q
        return out
    if t == "trunc":
        return [("trunc", op[2])]
    if t == "chmod":
        return [("mode", op[2])]
    return []


def apply_pieces(base, chosen):
    data, mode = base
    size = len(data)
    buf = data
    for p in chosen:
        if p[0] == "size":
            size = max(size, p[1])
        elif p[0] == "trunc":
            size = p[1]
            buf = buf[:p[1]]
        elif p[0] == "data":
            buf = write_at(buf, p[1], p[2])
        elif p[0] == "mode":
            mode = p[1]
    return resize(buf[:size] if len(buf) >= size else buf, size), mode


def subsets(n):
    """Index subsets of n pending pieces: all of them when few, else a
    bounded family (prefixes, and each single piece dropped). Returns
    (iterable, capped)."""
    if n <= CAP_PENDING:
        return itertools.product((0, 1), repeat=n), False
    fam = set()
    for k in range(n + 1):
        fam.add(tuple(1 if i < k else 0 for i in range(n)))
    for d in range(n):
        fam.add(tuple(0 if i == d else 1 for i in range(n)))
    return sorted(fam), True


def norm(v):
    """A path's value for the version rules: a directory is just there
    (its mode is metadata of its own; check.py checks it separately)."""
    if v is not None and v[0] == "d":
        return ("d", None, None)
    return v


class Timeline:
    """The ideal (no crash) state after every operation, kept per path as
    version intervals, for the checker's old-or-new and cut rules."""

    def __init__(self, init, ops):
        fs = init.copy()
        self.n = len(ops)
        self.views = [fs.view()]
        for op in ops:
            fs.apply(op)
            quiet = op[0] in ("fsync", "fdatasync", "ack", "syncall")
            self.views.append(self.views[-1] if quiet else fs.view())
        self.paths = sorted(set(p for v in self.views for p in v))
        self.iv = {}
        for p in self.paths:
            runs = []
            for t, v in enumerate(self.views):
                val = norm(v.get(p))
                if runs and runs[-1][0] == val:
                    runs[-1][2] = t
                else:
                    runs.append([val, t, t])
            self.iv[p] = runs

    def matches(self, path, val, lo, hi):
        """Intervals [s, e] within [lo, hi] where path held val."""
        out = []
        val = norm(val)
        for v, s, e in self.iv.get(path, [[None, 0, self.n]]):
            if v == val and e >= lo and s <= hi:
                out.append((max(s, lo), min(e, hi)))
        return out


def enumerate_weak(init, ops, on_state):
    """Call on_state(k, j, state_view, capped) for every weak-model crash
    state after the first k operations with the first j directory
    operations durable. Returns the number of crash points capped."""
    ideal = init.copy()
    # per inode: durable (data, mode) and pending pieces [(op index, piece)]
    durable = {ino: (ideal.data[ino], ideal.modes[ino])
               for ino in ideal.data}
    dmode = {ino: ideal.modes[ino] for ino in ideal.entries}
    pending = {ino: [] for ino in ideal.data}
    dirops = []
    ns = [init.copy()]          # namespace after each durable dir-op prefix
    last_on_dir = {}
    dmin = 0
    capped_points = 0
    n = len(ops)
    for k in range(n + 1):
        if k > 0:
            op = ops[k - 1]
            t = op[0]
            if t in DIR_OPS:
                for d in dirs_touched(op):
                    last_on_dir[d] = len(dirops)
                dirops.append(op)
                if t in ("create", "mkdir"):
                    ino = op[3]
                    if t == "create":
                        durable[ino] = (b"", op[4])
                        pending[ino] = []
                    else:
                        dmode[ino] = op[4]
                nxt = ns[-1].copy()
                nxt.apply(op)
                ns.append(nxt)
                ideal.apply(op)
            elif t in ("write", "trunc", "chmod"):
                ino = op[1]
                if ideal.kinds[ino] == S_IFDIR:
                    ideal.apply(op)
                else:
                    for p in pieces(op, len(ideal.data[ino])):
                        pending[ino].append(p)
                    ideal.apply(op)
            elif t == "fsync":
                ino = op[1]
                if ideal.kinds[ino] == S_IFDIR:
                    if ino in last_on_dir:
                        dmin = max(dmin, last_on_dir[ino] + 1)
                    dmode[ino] = ideal.modes[ino]
                else:
                    durable[ino] = (ideal.data[ino], ideal.modes[ino])
                    pending[ino] = []
            elif t == "fdatasync" and ideal.kinds[op[1]] != S_IFDIR:
                # data and size durable; a pending mode stays pending
                ino = op[1]
                modes = [p for p in pending[ino] if p[0] == "mode"]
                durable[ino] = (ideal.data[ino], durable[ino][1])
                pending[ino] = modes
            elif t == "fdatasync":
                ino = op[1]
                if ino in last_on_dir:
                    dmin = max(dmin, last_on_dir[ino] + 1)
            elif t == "syncall":
                dmin = len(dirops)
                for ino in dmode:
                    dmode[ino] = ideal.modes[ino]
                for ino in pending:
                    durable[ino] = (ideal.data[ino], ideal.modes[ino])
                    pending[ino] = []
        capped = False
        for j in range(dmin, len(dirops) + 1):
            space = ns[j]
            names = {}
            for path, ino in walk(space):
                names.setdefault(ino, []).append(path)
            primary, lockish, fixed = [], [], {}
            for ino, paths in sorted(names.items()):
                if space.kinds[ino] == S_IFDIR:
                    continue
                if all(is_debris(p) for p in paths):
                    fixed[ino] = (ideal.data[ino], ideal.modes[ino])
                    continue
                pend = pending.get(ino, [])
                fam, c = subsets(len(pend))
                capped = capped or c
                # the fullest variant last: the representative of a file
                # whose variants are not multiplied with the others
                full = apply_pieces(durable[ino], pend)
                variants, seen = [], {full}
                for mask in fam:
                    v = apply_pieces(durable[ino],
                                     [p for p, m in zip(pend, mask) if m])
                    if v not in seen:
                        seen.add(v)
                        variants.append(v)
                variants.append(full)
                if all(is_lock(p) for p in paths):
                    lockish.append((ino, variants))
                else:
                    primary.append((ino, variants))
            combos = 1
            for _, vs in primary:
                combos *= len(vs)
            if combos > CAP_PRODUCT:
                capped = True
                choice = one_at_a_time(primary)
            else:
                choice = itertools.product(*[vs for _, vs in primary])
            base_lock = {ino: vs[-1] for ino, vs in lockish}
            for combo in choice:
                content = dict(fixed)
                content.update(base_lock)
                for (ino, _), v in zip(primary, combo):
                    content[ino] = v
                on_state(k, j, render(space, content, dmode), capped)
            for ino, vs in lockish:
                for v in vs[:-1]:
                    content = dict(fixed)
                    content.update(base_lock)
                    content[ino] = v
                    for (pino, pvs) in primary:
                        content[pino] = pvs[-1]
                    on_state(k, j, render(space, content, dmode), capped)
        capped_points += capped
    return capped_points


def one_at_a_time(primary):
    """When the product is too large: every variant of each inode with the
    others at their fullest variant, plus all-durable-only."""
    out = [tuple(vs[0] for _, vs in primary),
           tuple(vs[-1] for _, vs in primary)]
    for i, (_, vs) in enumerate(primary):
        for v in vs:
            row = [w[-1] for _, w in primary]
            row[i] = v
            out.append(tuple(row))
    return out


def walk(space):
    out = []

    def rec(prefix, d):
        for name, ino in space.entries[d].items():
            out.append((prefix + name, ino))
            if space.kinds[ino] == S_IFDIR:
                rec(prefix + name + "/", ino)
    rec("", 1)
    return out


def render(space, content, dmode):
    view = {}
    for path, ino in walk(space):
        if space.kinds[ino] == S_IFDIR:
            view[path] = ("d", None, dmode.get(ino, space.modes[ino]))
        else:
            data, mode = content[ino]
            view[path] = ("f", data, mode)
    return view


def enumerate_prefix(init, ops, on_state):
    """Ordered journaling: the state after each operation, and inside a
    write after each 4 KiB piece."""
    fs = init.copy()
    on_state(0, 0, fs.view(), False)
    for k, op in enumerate(ops, 1):
        if op[0] == "write" and len(op[3]) > PAGE:
            _, ino, off, b = op
            for cut in range(PAGE, len(b), PAGE):
                part = fs.copy()
                part.apply(("write", ino, off, b[:cut]))
                on_state(k - 1, None, part.view(), False)
        fs.apply(op)
        on_state(k, None, fs.view(), False)
    return 0


__all__ = ["FS", "Timeline", "enumerate_weak", "enumerate_prefix",
           "is_debris", "is_lock"]
