"""Concurrency under fire: P keel processes x M random commands on one
accounts directory, plus kernel-API writers (harness/kdrive.c: unlocked
read, 3-way merge at commit), with SIGKILLs sent from outside at random
moments.

Each worker owns its account names, its own auth.json and `current`
(CODEX_AUTH_JSON_PATH / CODEX_AUTH_CURRENT_PATH) and, for the first four,
one global setting; so each worker's part of the state has a sequential
history and an exact model. After every acknowledged command (exit 0) the
worker checks its part of the state against the model; after a killed one
it checks that every file is old or new, then runs the command again
until it is acknowledged (a rerun that finds the work done may say "not
found"; the state must then be the new one). At the end, after everyone
finished, every worker's part is checked again: a later commit by another
process must not have lost an acknowledged change (G4, deletions
included). All commands and outcomes go to build/crashtest/concurrent.log."""
import json
import os
import random
import signal
import subprocess
import threading
import time

from . import checker
from .common import identity, keel_bin, out_dir, ROOT, write_file

CONFIG_FIELDS = [("autoSwitch", "enabled"), ("autoSwitch", "threshold5hPercent"),
                 ("autoSwitch", "thresholdWeeklyPercent"), ("api", "usage")]


def kdrive_bin():
    v = os.environ.get("KEEL_KDRIVE")
    return os.path.abspath(v) if v else os.path.join(ROOT, "build/crashtest/kdrive")


class Shared:
    def __init__(self, root, log):
        self.root = root
        self.acc = os.path.join(root, "codex", "accounts")
        self.lock = threading.Lock()
        self.log = log
        self.t0 = time.time()
        self.stats = dict(commands=0, acked=0, killed=0, reruns=0, failed=0,
                          kdrive=0)
        self.violations = []

    def note(self, line):
        with self.lock:
            self.log.write("%.3f %s\n" % (time.time() - self.t0, line))

    def count(self, key):
        with self.lock:
            self.stats[key] += 1

    def bad(self, v):
        with self.lock:
            self.violations.append(v)

    def registry(self):
        try:
            with open(os.path.join(self.acc, "registry.json"), "rb") as f:
                data = f.read()
        except FileNotFoundError:
            return {"accounts": {}}, []
        probs = checker.registry_problems(data)
        obj = checker.registry_object(data)
        return (obj if isinstance(obj, dict) else {"accounts": {}}), probs


def read_or_none(path):
    try:
        with open(path, "rb") as f:
            return f.read()
    except FileNotFoundError:
        return None


class Runner:
    """Starts a process, maybe SIGKILLs it from a timer thread."""

    def __init__(self, rng, kill_pct):
        self.rng, self.kill_pct = rng, kill_pct

    def run(self, argv, env):
        p = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE)
        timer = None
        if self.rng.random() * 100 < self.kill_pct:
            delay = self.rng.random() * 0.08

            def fire():
                try:
                    if p.poll() is None:
                        p.send_signal(signal.SIGKILL)
                except OSError:
                    pass
            timer = threading.Timer(delay, fire)
            timer.start()
        err = p.communicate(timeout=120)[1]
        if timer:
            timer.cancel()
        return p.returncode, err.decode(errors="replace").strip()


class CliWorker:
    def __init__(self, sh, i, m, seed, kill_pct):
        self.sh, self.i, self.m = sh, i, m
        self.rng = random.Random(seed * 1000 + i)
        self.runner = Runner(random.Random(seed * 7777 + i), kill_pct)
        self.dir = os.path.join(sh.root, "w%d" % i)
        os.makedirs(self.dir, mode=0o700)
        self.names = ["w%dn%d" % (i, k) for k in range(6)]
        self.acct = {}        # name -> {"tag", "snap"}
        self.live = None      # bytes of my auth.json
        self.current = None
        self.serial = 0
        self.tags = 0
        self.field = CONFIG_FIELDS[i] if i < len(CONFIG_FIELDS) else None
        self.value = {("autoSwitch", "enabled"): False,
                      ("autoSwitch", "threshold5hPercent"): 10,
                      ("autoSwitch", "thresholdWeeklyPercent"): 5,
                      ("api", "usage"): True}.get(self.field)
        self.env = dict(os.environ)
        self.env.pop("LD_PRELOAD", None)
        self.env.update({
            "HOME": os.path.join(sh.root, "home"),
            "CODEX_AUTH_CODEX_DIR": os.path.join(sh.root, "codex"),
            "CODEX_AUTH_ACCOUNTS_DIR": sh.acc,
            "CODEX_AUTH_JSON_PATH": os.path.join(self.dir, "auth.json"),
            "CODEX_AUTH_CURRENT_PATH": os.path.join(self.dir, "current"),
            "CODEX_AUTH_SESSION_MAP_PATH": os.path.join(sh.acc, "sessions.json")})

    # -- the model -------------------------------------------------------
    def snapshot_model(self):
        return ({n: dict(a) for n, a in self.acct.items()}, self.live,
                self.current, self.value)

    def restore(self, m):
        self.acct = {n: dict(a) for n, a in m[0].items()}
        self.live, self.current, self.value = m[1], m[2], m[3]

    def ident_of(self, data):
        """My account whose identity the auth bytes carry (rule R1)."""
        tag = _tag_of(data) if data is not None else None
        for n, a in self.acct.items():
            if a["tag"] == tag:
                return n
        return None

    def pick_op(self):
        r = self.rng.random()
        have = sorted(self.acct)
        free = [n for n in self.names if n not in self.acct]
        if r < 0.30 or not have:
            name = self.rng.choice(have + free) if free else self.rng.choice(have)
            return self.op_save(name)
        if r < 0.55:
            return self.op_use(self.rng.choice(have))
        if r < 0.70:
            return self.op_remove(self.rng.choice(have))
        if r < 0.85 and free:
            return self.op_rename(self.rng.choice(have), self.rng.choice(free))
        if self.field:
            return self.op_config()
        return self.op_use(self.rng.choice(have))

    def op_save(self, name):
        if name in self.acct:
            tag = self.acct[name]["tag"]
        else:
            self.tags += 1
            tag = "w%dt%d" % (self.i, self.tags)
        self.serial += 1
        data = identity(tag, self.serial)

        def prepare():
            write_file(os.path.join(self.dir, "auth.json"), data)
            self.live = data

        def effect():
            self.acct[name] = {"tag": tag, "snap": data}
            self.current = name
        return ["save", name], prepare, effect, "save " + name

    def op_use(self, name):
        owner = self.ident_of(self.live)
        data = None
        if owner is not None and self.rng.random() < 0.5:
            self.serial += 1
            data = identity(self.acct[owner]["tag"], self.serial)

        def prepare():
            if data is not None:
                write_file(os.path.join(self.dir, "auth.json"), data)
                self.live = data

        def effect():
            o = self.ident_of(self.live)
            if o is not None:
                self.acct[o]["snap"] = self.live
            self.live = self.acct[name]["snap"]
            self.current = name
        return ["use", "--force", name], prepare, effect, "use " + name

    def op_remove(self, name):
        def effect():
            del self.acct[name]
            if self.current == name:
                self.current = None
        return ["remove", name], None, effect, "remove " + name

    def op_rename(self, a, b):
        def effect():
            self.acct[b] = self.acct.pop(a)
            if self.current == a:
                self.current = b
        return ["rename", a, b], None, effect, "rename %s %s" % (a, b)

    def op_config(self):
        sec, key = self.field
        if key in ("enabled", "usage"):
            v = not self.value
            args = ["config", "auto" if sec == "autoSwitch" else "api",
                    "--enable" if v else "--disable"]
        else:
            v = self.rng.randint(1, 100)
            args = ["config", "auto", "--5h" if "5h" in key else "--weekly", str(v)]

        def effect():
            self.value = v
        return args, None, effect, " ".join(args)

    # -- checking ----------------------------------------------------------
    def actual(self):
        reg, probs = self.sh.registry()
        accts = reg.get("accounts", {}) if isinstance(reg, dict) else {}
        mine = {}
        for n in self.names:
            e = accts.get(n)
            mine[n] = (e is not None, e.get("email") if isinstance(e, dict) else None,
                       read_or_none(os.path.join(self.sh.acc, n + ".json")))
        live = read_or_none(os.path.join(self.dir, "auth.json"))
        cur = read_or_none(os.path.join(self.dir, "current"))
        cur = cur.decode().strip() or None if cur is not None else None
        val = None
        if self.field:
            val = reg.get(self.field[0], {}).get(self.field[1], self.value) \
                if isinstance(reg.get(self.field[0]), dict) else self.value
        return mine, live, cur, val, probs

    def expected(self):
        mine = {}
        for n in self.names:
            a = self.acct.get(n)
            mine[n] = (a is not None, "%s@example.com" % a["tag"] if a else None,
                       a["snap"] if a else None)
        return mine, self.live, self.current, self.value

    def diff(self, where):
        mine, live, cur, val, probs = self.actual()
        emine, elive, ecur, evalue = self.expected()
        bad = ["G3: " + p for p in probs]
        for n in self.names:
            if mine[n] != emine[n]:
                bad.append("%s: worker %d account %s: have (registered=%s, "
                           "email=%s, snapshot %s), want (registered=%s, email=%s, "
                           "snapshot %s)" % (where, self.i, n, mine[n][0], mine[n][1],
                                             _sz(mine[n][2]), emine[n][0], emine[n][1],
                                             _sz(emine[n][2])))
        if live != elive:
            bad.append("%s: worker %d auth.json is %s, want %s"
                       % (where, self.i, _sz(live), _sz(elive)))
        if cur != ecur:
            bad.append("%s: worker %d current is %r, want %r" % (where, self.i, cur, ecur))
        if self.field and val != evalue:
            bad.append("%s: worker %d %s.%s is %r, want %r"
                       % (where, self.i, self.field[0], self.field[1], val, evalue))
        return bad

    def old_or_new(self, before, after, what):
        """After a kill: each of my files is the before or the after one."""
        mine, live, cur, val, probs = self.actual()
        bad = ["G3: " + p for p in probs]
        self.restore(before)
        b = self.expected()
        self.restore(after)
        a = self.expected()
        for n in self.names:
            if mine[n][0] not in (b[0][n][0], a[0][n][0]) or \
                    mine[n][2] not in (b[0][n][2], a[0][n][2]):
                bad.append("killed %s: worker %d account %s is neither old nor new"
                           % (what, self.i, n))
        if live not in (b[1], a[1]):
            bad.append("killed %s: worker %d auth.json is neither old nor new" % (what, self.i))
        if cur not in (b[2], a[2]):
            bad.append("killed %s: worker %d current is neither old nor new" % (what, self.i))
        if self.field and val not in (b[3], a[3]):
            bad.append("killed %s: worker %d setting is neither old nor new" % (what, self.i))
        return bad

    def run(self):
        for seq in range(self.m):
            args, prepare, effect, what = self.pick_op()
            if prepare:
                prepare()
            before = self.snapshot_model()
            effect()
            after = self.snapshot_model()
            self.restore(before)
            rc, err = self.runner.run([keel_bin(), "--wait", "60"] + args, self.env)
            self.sh.count("commands")
            self.sh.note("w%d %d keel %s -> %s" % (self.i, seq, " ".join(args),
                                                  "killed" if rc == -9 else rc))
            if rc == 0:
                self.sh.count("acked")
                self.restore(after)
                for v in self.diff("acknowledged " + what):
                    self.sh.bad(v)
                continue
            if rc != -9:
                self.sh.count("failed")
                self.sh.bad("worker %d: keel %s failed (%d): %s"
                            % (self.i, " ".join(args), rc, err[:200]))
                self.restore(before)
                continue
            self.sh.count("killed")
            for v in self.old_or_new(before, after, what):
                self.sh.bad(v)
            # Finish it, as a user would: run it again until acknowledged.
            for attempt in range(50):
                self.sh.count("reruns")
                rc, err = self.runner.run([keel_bin(), "--wait", "60"] + args, self.env)
                self.sh.note("w%d %d rerun keel %s -> %s" % (
                    self.i, seq, " ".join(args), "killed" if rc == -9 else rc))
                if rc != -9:
                    break
            self.restore(after)
            if rc not in (0, 4):
                self.sh.bad("worker %d: rerun of keel %s failed (%d): %s"
                            % (self.i, " ".join(args), rc, err[:200]))
            for v in self.diff("rerun of killed " + what):
                self.sh.bad(v)


class KernelWorker:
    """Optimistic writers through keel_commit_changes (3-way merge)."""

    def __init__(self, sh, i, m, seed, kill_pct):
        self.sh, self.i, self.m = sh, i, m
        self.rng = random.Random(seed * 3333 + i)
        self.runner = Runner(random.Random(seed * 5555 + i), kill_pct)
        self.names = ["k%dn%d" % (i, k) for k in range(5)]
        self.email = {}
        self.n = 0

    def actual(self):
        reg, probs = self.sh.registry()
        accts = reg.get("accounts", {})
        return {n: (accts[n].get("email") if n in accts else None)
                for n in self.names}, probs

    def run(self):
        for seq in range(self.m):
            have = sorted(self.email)
            free = [n for n in self.names if n not in self.email]
            r = self.rng.random()
            self.n += 1
            if (r < 0.4 and free) or not have:
                name = self.rng.choice(free)
                new = dict(self.email, **{name: "k%d-%d@example.com" % (self.i, self.n)})
                args = ["add", name, new[name]]
            elif r < 0.7:
                name = self.rng.choice(have)
                new = dict(self.email)
                del new[name]
                args = ["remove", name]
            else:
                name = self.rng.choice(have)
                new = dict(self.email, **{name: "k%d-%d@example.com" % (self.i, self.n)})
                args = ["email", name, new[name]]
            delay = str(self.rng.randint(0, 30))
            rc, err = self.runner.run([kdrive_bin(), self.sh.acc, delay] + args,
                                      dict(os.environ))
            self.sh.count("kdrive")
            self.sh.note("k%d %d kdrive %s -> %s" % (self.i, seq, " ".join(args),
                                                    "killed" if rc == -9 else rc))
            have_now, probs = self.actual()
            for p in probs:
                self.sh.bad("G3: " + p)
            want_old = {n: self.email.get(n) for n in self.names}
            want_new = {n: new.get(n) for n in self.names}
            if rc == 0:
                if have_now != want_new:
                    self.sh.bad("acknowledged kdrive %s: k%d accounts %s, want %s"
                                % (" ".join(args), self.i, have_now, want_new))
                self.email = new
            elif rc == -9:
                if have_now == want_new:
                    self.email = new
                elif have_now != want_old:
                    self.sh.bad("killed kdrive %s: k%d accounts neither old nor new: %s"
                                % (" ".join(args), self.i, have_now))
            else:
                self.sh.bad("kdrive %s failed (%d): %s" % (" ".join(args), rc, err[:200]))

    def final(self):
        have, probs = self.actual()
        want = {n: self.email.get(n) for n in self.names}
        if have != want:
            return ["at the end: k%d accounts %s, want %s (a later commit lost "
                    "an acknowledged change)" % (self.i, have, want)]
        return []


def _tag_of(data):
    try:
        doc = json.loads(data)
        return doc["tokens"]["account_id"][len("acc-"):]
    except (ValueError, KeyError, TypeError):
        return None


def _sz(v):
    """A file for messages: absent, or its identity and token serial."""
    if v is None:
        return "absent"
    try:
        doc = json.loads(v)
        return "%s#%s" % (_tag_of(v), doc["tokens"]["access_token"].rsplit("-", 1)[1])
    except (ValueError, KeyError, TypeError, IndexError):
        return "%d bytes" % len(v)


def run(root, p=None, m=None, seed=None, kill_pct=None, kernel_workers=None):
    p = p or int(os.environ.get("CRASH_P", "4"))
    m = m or int(os.environ.get("CRASH_M", "250"))
    seed = seed if seed is not None else int(os.environ.get("CRASH_SEED", "1"))
    kill_pct = kill_pct if kill_pct is not None else float(os.environ.get("CRASH_KILL_PCT", "15"))
    kw = kernel_workers if kernel_workers is not None else int(os.environ.get("CRASH_KP", "2"))
    import shutil
    if os.path.exists(root):
        shutil.rmtree(root)
    os.makedirs(os.path.join(root, "home"), mode=0o700)
    os.makedirs(os.path.join(root, "codex", "accounts"), mode=0o700)
    os.chmod(root, 0o700)
    os.makedirs(out_dir(), exist_ok=True)
    t0 = time.time()
    with open(os.path.join(out_dir(), "concurrent.log"), "w") as log:
        sh = Shared(root, log)
        workers = [CliWorker(sh, i, m, seed, kill_pct) for i in range(p)]
        kws = [KernelWorker(sh, i, m // 2, seed, kill_pct) for i in range(kw)] \
            if os.path.exists(kdrive_bin()) else []
        threads = [threading.Thread(target=w.run) for w in workers + kws]
        stop = threading.Event()

        def progress():
            while not stop.wait(2 if os.isatty(2) else 15):
                if os.environ.get("CRASH_QUIET") != "1":
                    os.write(2, ("\rconcurrent: %d keel + %d kdrive commands, %d killed, "
                                 "%d violations, %.0fs   " % (
                                     sh.stats["commands"], sh.stats["kdrive"],
                                     sh.stats["killed"], len(sh.violations),
                                     time.time() - t0)).encode()
                             + (b"" if os.isatty(2) else b"\n"))
        pt = threading.Thread(target=progress, daemon=True)
        pt.start()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        stop.set()
        if os.environ.get("CRASH_QUIET") != "1" and os.isatty(2):
            os.write(2, b"\n")
        # The end: one more command (a no-op) sweeps; then all is re-checked.
        reg, _ = sh.registry()
        usage = reg.get("api", {}).get("usage", True) if isinstance(reg.get("api"), dict) else True
        subprocess.run([keel_bin(), "config", "api", "--enable" if usage is not False
                        else "--disable"], env=dict(workers[0].env),
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for w in workers:
            for v in w.diff("at the end"):
                sh.bad(v)
        for w in kws:
            for v in w.final():
                sh.bad(v)
        for d, _, files in os.walk(root):
            for f in files:
                rel = os.path.relpath(os.path.join(d, f), root)
                if f.startswith(".keel-tmp."):
                    sh.bad("G7: at the end, temp file %s survived" % rel)
                if f == "registry.json.lock":
                    sh.bad("G6: at the end, the lock file survived")
    st = sh.stats
    summary = ("P=%d x M=%d keel commands (+%d kernel-API writers x %d): %d "
               "commands, %d acknowledged, %d SIGKILLed (%d reruns), %d failed, "
               "%d kdrive commits; %d violations; %.0f s; seed %d"
               % (p, m, len(kws), m // 2, st["commands"], st["acked"],
                  st["killed"], st["reruns"], st["failed"], st["kdrive"],
                  len(sh.violations), time.time() - t0, seed))
    return {"summary": summary, "violations": sh.violations, "dir": root,
            "stats": st, "ops": st["commands"] + st["reruns"] + st["kdrive"],
            "repro": "CRASH_MODES=concurrent CRASH_P=%d CRASH_M=%d CRASH_SEED=%d "
                     "python3 harness/crashtest.py" % (p, m, seed)}
