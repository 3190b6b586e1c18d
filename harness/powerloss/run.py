#!/usr/bin/env python3
"""run.py - the power-loss pass: record each workload, enumerate its crash
states under the prefix and the weak model, check every state, run the
next Keel commands on every distinct state, and report (issue 6).

  run.py --keel build/keel [--only W1,W2] [--jobs N] [--report FILE]
  run.py --selftest [--jobs N]     the negative controls (variants/*.sed)

Exit status: 0 when the weak and prefix models show no violation (in
--selftest: when every planted bug is caught), 1 otherwise.
"""

import argparse
import hashlib
import multiprocessing
import os
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True   # no __pycache__ in the source tree

from check import SKIP, check_state, describe, keel_env, recover_state  # noqa
from model import (CAP_PENDING, CAP_PRODUCT, Timeline,  # noqa
                   enumerate_prefix, enumerate_weak, is_debris)
from record import record  # noqa
from workloads import ALL, SELFTEST, login_argv  # noqa

TOP = os.path.dirname(os.path.dirname(HERE))
UMASK = 0o277   # tight: the temp is created 0400, so fchmod matters
VARIANTS = ["no-file-fsync", "no-dir-fsync", "chmod-after-fsync"]
EXAMPLES_PER_WORKLOAD = 3


def state_key(view):
    h = hashlib.sha256()
    for p in sorted(view):
        kind, data, mode = view[p]
        h.update(p.encode() + b"\0" + kind.encode() + b"%o" % mode)
        if data is not None:
            h.update(hashlib.sha256(data).digest())
    return h.hexdigest()


def recovery_key(view):
    """Debris is only ever listed and unlinked, never read: states that
    differ only in a temp file's content or mode recover alike."""
    return state_key({p: (("f", b"", 0) if is_debris(p) else v)
                      for p, v in view.items()})


def op_text(op):
    t = op[0]
    if t == "write":
        return "write(ino %d, off %d, %d bytes)" % (op[1], op[2], len(op[3]))
    if t == "ack":
        return "ack(command %d, exit %d)" % (op[1], op[2])
    if t in ("create", "mkdir"):
        return "%s(dir %d, %r, ino %d, %04o)" % (t, op[1], op[2], op[3],
                                                 op[4])
    return "%s%r" % (t, tuple(op[1:]))


class Workload:
    def __init__(self, name, keel, scratch, quiet=False):
        self.name = name
        self.keel = keel
        self.scratch = os.path.join(scratch, name)
        self.quiet = quiet

    def record(self):
        setup, steps = ALL[self.name]
        root = os.path.join(self.scratch, "root")
        shutil.rmtree(self.scratch, ignore_errors=True)
        os.makedirs(root)
        os.chmod(root, 0o700)
        old = os.umask(UMASK)
        try:
            setup(root, self.keel)
        finally:
            os.umask(old)
        cmds, self.labels = [], []
        for st in steps:
            if st.before is not None:
                cmds.append(login_argv(root, st.before))
                self.labels.append("codex writes auth.json")
            cmds.append([self.keel] + st.args)
            self.labels.append("keel " + " ".join(st.args))
        self.init, self.ops, exits = record(root, cmds, keel_env(root), root,
                                            UMASK, self.scratch)
        self.nkeel = len(steps)
        for i, (rc, so, se) in enumerate(exits):
            if rc != 0:
                raise RuntimeError("%s: clean run of '%s' exits %d: %s"
                                   % (self.name, self.labels[i], rc,
                                      se.decode(errors="replace").strip()))
        # a[k]: the end of the last acknowledged command in the first k ops
        self.ack = [0] * (len(self.ops) + 1)
        last = 0
        for i, op in enumerate(self.ops):
            if op[0] == "ack" and op[2] == 0:
                last = i + 1
            self.ack[i + 1] = last
        self.tl = Timeline(self.init, self.ops)

    def explore(self, recovery):
        """Enumerate and check; recovery: key -> view, filled in for the
        caller to run the next commands on."""
        self.stats = {}
        self.bad = {}
        self.first_seen = {}
        for model, enum in (("prefix", enumerate_prefix),
                            ("weak", enumerate_weak)):
            seen = set()
            bad = []

            def on_state(k, j, view, capped, model=model, seen=seen,
                         bad=bad):
                key = state_key(view)
                if (k, key) in seen:
                    return
                seen.add((k, key))
                rkey = recovery_key(view)
                recovery.setdefault(rkey, view)
                self.first_seen.setdefault((model, rkey), (k, j, view))
                v = check_state(self.tl, view, k, self.ack[k])
                if v:
                    bad.append((k, j, rkey, v, view))
            capped = enum(self.init, self.ops, on_state)
            self.stats[model] = {"states": len(seen),
                                 "distinct": len(set(x for _, x in seen)),
                                 "capped": capped}
            self.bad[model] = bad

    def crash_text(self, model, k, j, key, view, msgs):
        """The failing crash state, printed for a human."""
        lines = ["  %s model, crash after op %d of %d%s:" % (
            model, k, len(self.ops),
            "" if j is None else ", first %d directory ops durable" % j)]
        if k > 0:
            lines.append("    last op: %s" % op_text(self.ops[k - 1]))
        acked = [self.labels[op[1]] for op in self.ops[:k]
                 if op[0] == "ack" and op[2] == 0]
        lines.append("    acknowledged before the crash: %s"
                     % (", ".join(acked) or "nothing"))
        for m in msgs:
            lines.append("    VIOLATION " + m)
        lines.append("    state:")
        for p in sorted(view):
            lines.append("      %-44s %s" % (p, describe(view[p])))
        return "\n".join(lines)


def rule_tag(msg):
    """"G7 recovery: ..." -> "G7"; "recovery: ..." -> "recovery"."""
    return msg.split(" ", 1)[0].rstrip(":")


def rules_text(rows):
    """Violating states per rule and model, e.g. "G7: prefix 3, weak 9"."""
    out = []
    for model in ("prefix", "weak"):
        tot = {}
        for r in rows:
            for t, n in r[model + "_rules"].items():
                tot[t] = tot.get(t, 0) + n
        out.append("%s: %s" % (model, ", ".join(
            "%s %d" % kv for kv in sorted(tot.items())) or "none"))
    return "Violating crash states by rule - " + "; ".join(out) + "."


def recover_worker(args):
    keel, key, view, scratch = args
    root = os.path.join(scratch, "recover.%d" % os.getpid())
    try:
        return key, recover_state(keel, view, root)
    except Exception as e:  # a crash of the checker is a finding too
        return key, ["recovery: checker error %r" % (e,)]


def run(keel, names, jobs, scratch, quiet=False, recover=True):
    """Run the workloads; returns (rows, examples, total_violations, secs).
    recover=False checks the crash states only (no Keel run on them)."""
    rows, examples, total = [], [], 0
    t0 = time.time()
    pool = multiprocessing.Pool(jobs)
    try:
        for i, name in enumerate(names):
            w = Workload(name, keel, scratch, quiet)
            t1 = time.time()
            w.record()
            recovery = {}
            w.explore(recovery)
            tasks = [(keel, k, v, w.scratch) for k, v in recovery.items()
                     if recover]
            rec_bad, skipped = {}, 0
            for key, msgs in pool.imap_unordered(recover_worker, tasks,
                                                 chunksize=8):
                if msgs and msgs[0].startswith(SKIP):
                    skipped += 1
                    if not quiet:
                        print("powerloss: %s: recovery skipped: %s"
                              % (name, msgs[0]), flush=True)
                elif msgs:
                    rec_bad[key] = msgs
            row = {"workload": name, "commands": w.nkeel,
                   "ops": len(w.ops), "points": len(w.ops) + 1,
                   "recovered": len(tasks) - skipped, "skipped": skipped,
                   "secs": time.time() - t1}
            for model in ("prefix", "weak"):
                st = w.stats[model]
                bad = list(w.bad[model])
                # a state whose recovery failed: shown at its first crash
                # point, counted once
                for key, msgs in rec_bad.items():
                    if (model, key) in w.first_seen:
                        k, j, view = w.first_seen[(model, key)]
                        bad.append((k, j, key, msgs, view))
                tags = {}
                for b in bad:
                    for t in set(rule_tag(m) for m in b[3]):
                        tags[t] = tags.get(t, 0) + 1
                row[model + "_rules"] = tags
                row[model] = st["states"]
                row[model + "_capped"] = st["capped"]
                row[model + "_viol"] = len(bad)
                total += len(bad)
                for k, j, key, msgs, view in bad[:EXAMPLES_PER_WORKLOAD]:
                    examples.append("%s:\n%s" % (name, w.crash_text(
                        model, k, j, key, view, msgs)))
            rows.append(row)
            if not quiet:
                print("powerloss: [%d/%d] %-24s %5d ops  prefix %5d  weak %6d"
                      "  recovered %5d  violations %d/%d  (%.1fs)"
                      % (i + 1, len(names), name, row["ops"], row["prefix"],
                         row["weak"], row["recovered"], row["prefix_viol"],
                         row["weak_viol"], row["secs"]), flush=True)
    finally:
        pool.close()
        pool.join()
    return rows, examples, total, time.time() - t0


HEADER = ("| workload | keel cmds | ops | crash points | prefix states | "
          "weak states | distinct states recovered | capped points | "
          "violations prefix | violations weak |")


def table(rows):
    out = [HEADER, "|" + "---|" * 10]
    tot = {k: 0 for k in ("ops", "points", "prefix", "weak", "recovered",
                          "prefix_viol", "weak_viol", "commands")}
    capped = 0
    for r in rows:
        c = r["prefix_capped"] + r["weak_capped"]
        capped += c
        out.append("| %s | %d | %d | %d | %d | %d | %d | %d | %d | %d |" % (
            r["workload"], r["commands"], r["ops"], r["points"], r["prefix"],
            r["weak"], r["recovered"], c, r["prefix_viol"], r["weak_viol"]))
        for k in tot:
            tot[k] += r[k]
    out.append("| **total** | %d | %d | %d | %d | %d | %d | %d | %d | %d |" % (
        tot["commands"], tot["ops"], tot["points"], tot["prefix"],
        tot["weak"], tot["recovered"], capped, tot["prefix_viol"],
        tot["weak_viol"]))
    return out


def markdown(rows, examples, secs, keel, title, max_examples=None):
    lines = ["## %s" % title, "",
             "Crash states that a power cut can leave, for real `%s` "
             "commands (spec/persistence-model.md). A crash state is one "
             "(crash point, on-disk state) pair; each distinct on-disk state "
             "also ran `keel check`, `keel list` and a write, `keel config "
             "api --enable` or `--disable` (whichever flips it). Caps: %d "
             "combinations per crash point, %d pending 4 KiB pieces per "
             "file; \"capped points\" counts the crash "
             "points where a cap cut the enumeration. umask %04o. "
             "Runtime %.1f s." % (keel, CAP_PRODUCT, CAP_PENDING, UMASK,
                                  secs), ""]
    lines += table(rows)
    lines += ["", rules_text(rows)]
    skipped = sum(r.get("skipped", 0) for r in rows)
    if skipped:
        lines += ["", "Recovery runs skipped because a crash state's lock "
                  "file names a pid another process has now: %d." % skipped]
    shown = examples if max_examples is None else examples[:max_examples]
    if shown:
        lines += ["", "### Failing crash states (%s)" % (
            "first few per workload" if max_examples is None else
            "first %d; all workloads in powerloss.md" % len(shown)),
                  "", "```"] + shown + ["```"]
    return "\n".join(lines) + "\n"


BEGIN = "<!-- powerloss: begin (harness/powerloss/run.py) -->"
END = "<!-- powerloss: end -->"


def write_report(path, text, short=None):
    """build/crashtest/powerloss.md in full; report.md gets (or has
    replaced) a delimited section with the short form of the same."""
    d = os.path.dirname(path)
    os.makedirs(d, exist_ok=True)
    with open(path, "w") as f:
        f.write(text)
    rep = os.path.join(d, "report.md")
    old = ""
    if os.path.exists(rep):
        with open(rep) as f:
            old = f.read()
    if BEGIN in old and END in old:
        pre = old[:old.index(BEGIN)]
        post = old[old.index(END) + len(END):]
    else:
        pre, post = old + ("\n" if old and not old.endswith("\n") else ""), ""
    with open(rep, "w") as f:
        f.write(pre + BEGIN + "\n" + (short or text) + "\n(in full: %s)\n" %
                os.path.basename(path) + END + post)


def selftest(jobs, scratch):
    """Each planted bug must produce at least one weak-model violation;
    the unmodified copy must produce none."""
    ok = True
    t0 = time.time()
    results = []
    # the unmodified copy in full, then each variant recompiles only the
    # file its script patches (the slow part here is starting compilers)
    # All from one snapshot of the sources: other people edit the tree.
    keels = {}
    top = os.path.join(TOP, "build", "powerloss-selftest")
    snap = os.path.join(top, "src")
    shutil.rmtree(snap, ignore_errors=True)
    shutil.copytree(os.path.join(TOP, "kernel"), os.path.join(snap, "kernel"))
    shutil.copytree(os.path.join(TOP, "cli"), os.path.join(snap, "cli"))
    os.makedirs(os.path.join(snap, "spec"))
    for h in os.listdir(os.path.join(TOP, "spec")):
        if h.endswith(".h"):
            shutil.copy(os.path.join(TOP, "spec", h), os.path.join(snap,
                                                                    "spec"))
    env = dict(os.environ, SRC=snap)
    for variant in ["none"] + VARIANTS:
        out = os.path.join(top, variant)
        b = subprocess.run(["sh", os.path.join(HERE, "build-variant.sh"),
                            variant, out] + ([os.path.join(top, "none")]
                                             if variant != "none" else []),
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           env=env)
        if b.returncode != 0:
            print("powerloss-selftest: building %s failed:\n%s"
                  % (variant, b.stderr.decode()))
            return 1
        keels[variant] = b.stdout.decode().strip().splitlines()[-1]
    print("powerloss-selftest: built %d variants (%.1fs)"
          % (len(keels), time.time() - t0), flush=True)
    for variant in ["none"] + VARIANTS:
        keel = keels[variant]
        # state checks only: the planted bugs are durability bugs, and the
        # Keel runs on every state of a broken variant would cost minutes
        rows, examples, total, secs = run(keel, SELFTEST, jobs,
                                          os.path.join(scratch, variant),
                                          quiet=True, recover=False)
        weak = sum(r["weak_viol"] for r in rows)
        prefix = sum(r["prefix_viol"] for r in rows)
        states = sum(r["weak"] + r["prefix"] for r in rows)
        want_bad = variant != "none"
        caught = weak > 0
        verdict = ("CAUGHT" if caught else "MISSED") if want_bad else \
            ("clean" if total == 0 else "FALSE ALARM")
        good = caught if want_bad else total == 0
        ok = ok and good
        results.append((variant, states, prefix, weak, verdict))
        print("powerloss-selftest: %-18s %6d states  violations prefix %4d "
              "weak %4d  %s (%.1fs)" % (variant, states, prefix, weak,
                                        verdict, secs), flush=True)
        weak_ex = [e for e in examples if "  weak model" in e]
        if weak_ex:
            print("  first failing crash state (weak model):")
            print("\n".join("  " + ln for ln in weak_ex[0].splitlines()))
    text = ["## Power-loss selftest (negative controls)", "",
            "| variant | states | violations prefix | violations weak | "
            "verdict |", "|---|---|---|---|---|"]
    text += ["| %s | %d | %d | %d | %s |" % r for r in results]
    text.append("")
    text.append("Workloads: %s. Runtime %.1f s." % (", ".join(SELFTEST),
                                                    time.time() - t0))
    write_report(os.path.join(TOP, "build", "crashtest",
                              "powerloss-selftest.md"), "\n".join(text) + "\n")
    print("powerloss-selftest: %s" % ("every planted bug caught" if ok else
                                      "FAILED"))
    return 0 if ok else 1


def default_scratch():
    """tmpfs when there is one: thousands of small states are written and
    fsynced there (the model, not the device, decides what is durable)."""
    if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK):
        return "/dev/shm/keel-powerloss-%d" % os.getuid()
    return os.path.join(TOP, "build", "powerloss")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--keel", default=os.path.join(TOP, "build", "keel"))
    ap.add_argument("--only", default="")
    ap.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1))
    ap.add_argument("--report", default=os.path.join(TOP, "build",
                                                     "crashtest",
                                                     "powerloss.md"))
    ap.add_argument("--scratch", default=default_scratch())
    ap.add_argument("--selftest", action="store_true")
    a = ap.parse_args()
    if a.selftest:
        return selftest(a.jobs, os.path.join(a.scratch, "selftest"))
    names = a.only.split(",") if a.only else list(ALL)
    keel = os.path.abspath(a.keel)
    rows, examples, total, secs = run(keel, names, a.jobs,
                                      os.path.join(a.scratch, "work"))
    print("\n".join(table(rows)))
    for e in examples:
        print(e)
    print(rules_text(rows))
    write_report(a.report,
                 markdown(rows, examples, secs, a.keel,
                          "Power-loss simulation"),
                 markdown(rows, examples, secs, a.keel,
                          "Power-loss simulation", max_examples=2))
    print("powerloss: %d crash states checked, %d violations, %.1f s; "
          "report %s" % (sum(r["prefix"] + r["weak"] for r in rows), total,
                         secs, os.path.relpath(a.report, TOP)))
    return 0 if total == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
