#!/usr/bin/env python3
"""make crashtest: kill keel at every kernel step and every I/O call, inject
every meaningful errno, fire random SIGKILLs at concurrent writers, and
check every outcome with an oracle independent of the kernel.

Usage: python3 harness/crashtest.py [--case SCEN:MODE:POINT:N[:ERRNO]]
Environment (all optional):
  KEEL_BIN         keel binary with failpoints (build/test/keel)
  KEEL_FI_LIB      the preload (build/crashtest/keel_fi.so)
  CRASH_OUT        output directory (build/crashtest)
  CRASH_JOBS       parallel runs (number of CPUs)
  CRASH_SCENARIOS  comma list of scenarios (all)
  CRASH_MODES      comma list of kill-step,errno,kill-io,kill-fiu,mutex,
                   concurrent (all)
  CRASH_KP         kernel-API writers (harness/kdrive.c) in the concurrency
                   pass (2); KEEL_KDRIVE names that binary
  CRASH_WORK       scratch directory (/dev/shm/keel-crashtest-UID)
  CRASH_JSON       also write every violation to this file (for the selftest)
  CRASH_P, CRASH_M concurrency: processes x commands each (4 x 250)
  CRASH_SEED       seed of the random commands and kills (1)
  CRASH_KILL_PCT   share of concurrent commands to SIGKILL, percent (15)
  CRASH_ERRNO      full: every errno at every hit of every step (default:
                   every errno at every step, every hit with one errno)
  CRASH_QUIET      1: no progress line
Exit status: 0 no violations; 1 violations (the smallest reproducer is
printed); 2 the rig itself could not run."""
import multiprocessing
import os
import shutil
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from keelrig import checker, common, faults, scenarios  # noqa: E402
from keelrig.faults import Case  # noqa: E402

MODES = ["kill-step", "errno", "kill-io", "kill-fiu", "mutex", "concurrent"]
PLANS = {}


class Progress:
    def __init__(self, total, label):
        self.total, self.label = total, label
        self.done = self.bad = 0
        self.t0 = self.last = time.time()
        self.quiet = os.environ.get("CRASH_QUIET") == "1"
        self.tty = sys.stderr.isatty()

    def step(self, bad):
        self.done += 1
        self.bad += 1 if bad else 0
        now = time.time()
        if self.quiet:
            return
        if self.tty and (now - self.last > 0.2 or self.done == self.total):
            self.last = now
            sys.stderr.write("\r%s: %d/%d runs, %d with violations, %.0fs   "
                             % (self.label, self.done, self.total, self.bad,
                                now - self.t0))
            sys.stderr.flush()
        elif not self.tty and (now - self.last > 10 or self.done == self.total):
            self.last = now
            sys.stderr.write("%s: %d/%d runs, %d with violations, %.0fs\n"
                             % (self.label, self.done, self.total, self.bad,
                                now - self.t0))
        if self.tty and self.done == self.total:
            sys.stderr.write("\n")


# ---- planning ------------------------------------------------------------

class Plan:
    pass


def plan_scenario(scen, work):
    """Build the before-state, take the after-state from a clean run, count
    the failpoint hits and system calls, and list the cases."""
    p = Plan()
    p.scen = scen
    p.problems = []
    p.template = os.path.join(work, "templates", scen.name)
    common.fresh_root(p.template)
    scen.setup(p.template)
    p.before, _ = common.capture(p.template)
    clean = os.path.join(work, "clean", scen.name)
    common.copy_root(p.template, clean)
    rc, out, err = common.run_keel(clean, scen.argv(clean))
    if rc != 0:
        raise RuntimeError("%s: the clean run failed (%d): %s"
                           % (scen.name, rc, err.strip()))
    p.after, adirs = common.capture(clean)
    # The after-state itself: valid, consistent, 0600, in the stated order.
    for rel in scen.tracked(p.before, p.after):
        if p.before.get(rel) != p.after.get(rel) and rel not in scen.ordered():
            p.problems.append("%s changes but is not in the write order" % rel)
    p.problems += checker.modes(p.after, adirs)
    p.problems += checker.quiescent(p.after)
    if checker.REG in p.after:
        p.problems += ["G3: " + x for x in
                       checker.registry_problems(p.after[checker.REG][0])]
    # Does a second run change nothing (idempotent bytes)?
    shutil.rmtree(clean)
    # Kernel failpoints hit by the command.
    common.copy_root(p.template, clean)
    p.calls = {}
    rc, err, p.hits = faults.count_points(clean, scen, faults.point_names(),
                                          calls=p.calls)
    shutil.rmtree(clean)
    # System calls, and what libfiu's POSIX preload sees of them.
    common.copy_root(p.template, clean)
    rc, p.sys_post, p.sys_pre = faults.count_syscalls(clean, scen)
    shutil.rmtree(clean)
    common.copy_root(p.template, clean)
    rc, err, p.fiu_hits = faults.count_points(
        clean, scen, list(faults.FIU_POSIX),
        extra_env={"LD_PRELOAD": common.POSIX_PRELOAD + " " + common.fi_lib()})
    shutil.rmtree(clean)
    p.by_fiu = {}
    for fp, sysname in faults.FIU_POSIX.items():
        n = len(p.sys_post.get(sysname, []))
        if n and p.fiu_hits.get(fp, 0) == n:
            p.by_fiu[sysname] = fp
    return p


def cases_for(p, modes):
    cs = []
    name = p.scen.name
    full = os.environ.get("CRASH_ERRNO") == "full"
    for point, n in sorted(p.hits.items()):
        if "kill-step" in modes:
            cs += [Case(name, "kill-step", point, k) for k in range(1, n + 1)]
        if "errno" not in modes or n == 0:
            continue
        errs = faults.ERRNOS_FOR.get(point, [])
        pairs = set()
        if full:
            pairs = {(k, e) for k in range(1, n + 1) for e in errs}
        else:
            # Every errno at this step, and every hit of the step with
            # some errno (cycling), and EINTR / a short write wherever the
            # kernel promises to absorb them.
            for i in range(max(n, len(errs))):
                pairs.add((i % n + 1, errs[i % len(errs)]))
            for k in range(1, n + 1):
                if point in faults.MUST_SUCCEED and "EINTR" in errs:
                    pairs.add((k, "EINTR"))
                if faults.SHORT in errs:
                    pairs.add((k, faults.SHORT))
        for k, e in sorted(pairs):
            call = p.calls.get((point, k))
            if e == faults.SHORT and call not in ("write", None):
                continue  # a short write needs a write
            cs.append(Case(name, "errno", point, k, e))
    for sysname, occ in sorted(p.sys_post.items()):
        if sysname in p.by_fiu:
            if "kill-fiu" in modes:
                cs += [Case(name, "kill-fiu", p.by_fiu[sysname], k)
                       for k in range(1, len(occ) + 1)]
        elif "kill-io" in modes:
            cs += [Case(name, "kill-io", sysname, k) for k in occ]
    return cs


def _work(case):
    p = PLANS[case.scen]
    r = faults.run_case(case, p.scen, p.template, p.before, p.after,
                        os.path.join(PLANS["__work__"], "runs"),
                        call=p.calls.get((case.point, case.nth)))
    return case, r


# ---- reporting -----------------------------------------------------------

def table(rows, head):
    w = [max(len(str(r[i])) for r in rows + [head]) for i in range(len(head))]
    line = lambda r: "| " + " | ".join(str(c).ljust(w[i]) for i, c in enumerate(r)) + " |"
    return "\n".join([line(head), "|" + "|".join("-" * (x + 2) for x in w) + "|"]
                     + [line(r) for r in rows])


def coverage_lines(plans):
    out = []
    for p in plans:
        fiu = ["%s (%d, %s)" % (s, len(p.sys_post[s]), fp)
               for s, fp in sorted(p.by_fiu.items())]
        st = ["%s %d" % (s, len(o)) for s, o in sorted(p.sys_post.items())
              if s not in p.by_fiu]
        seen = {fp: n for fp, n in p.fiu_hits.items() if n}
        partial = ["%s saw %d of %d" % (faults.FIU_POSIX[fp], n,
                                        len(p.sys_post.get(faults.FIU_POSIX[fp], [])))
                   for fp, n in sorted(seen.items())
                   if faults.FIU_POSIX[fp] not in p.by_fiu]
        out.append("- **%s**: libfiu POSIX preload: %s; strace: %s%s"
                   % (p.scen.name, ", ".join(fiu) or "none",
                      ", ".join(st) or "none",
                      ("; libfiu also hooks but misses calls made inside libc: "
                       + ", ".join(partial)) if partial else ""))
    return out


def main():
    argv = sys.argv[1:]
    only_case = None
    if argv[:1] == ["--case"] and len(argv) == 2:
        only_case = Case.parse(argv[1])
    elif argv:
        print(__doc__)
        return 2
    out = common.out_dir()
    work = common.work_dir()
    if os.path.exists(work):
        shutil.rmtree(work)
    os.makedirs(work)
    PLANS["__work__"] = work
    for need in (common.keel_bin(), common.fi_lib()):
        if not os.path.exists(need):
            print("crashtest: %s is missing (make build/test/keel "
                  "build/crashtest/keel_fi.so)" % need, file=sys.stderr)
            return 2
    modes = [m.strip() for m in os.environ.get("CRASH_MODES", ",".join(MODES)).split(",") if m.strip()]
    # Runs wait on exec and fsync more than they compute: oversubscribe.
    jobs = int(os.environ.get("CRASH_JOBS", "0") or 0) or 4 * (os.cpu_count() or 2)
    t0 = time.time()

    if only_case:
        scen = scenarios.by_name(only_case.scen)[0]
        p = plan_scenario(scen, work)
        r = faults.run_case(only_case, scen, p.template, p.before, p.after,
                            os.path.join(work, "runs"), keep=True,
                            call=p.calls.get((only_case.point, only_case.nth)))
        print("case:     %s" % only_case.key())
        print("outcome:  %s" % r["outcome"])
        print("stderr:   %s" % r["stderr"])
        print("state in: %s" % r["dir"])
        print("by hand:  cd %s && %s" % (r["dir"], only_case.shell(r["dir"], common.keel_bin())))
        for v in r["violations"]:
            print("VIOLATION: " + v)
        return 1 if r["violations"] else 0

    scens = scenarios.by_name(os.environ.get("CRASH_SCENARIOS", ""))
    if not set(modes) & {"kill-step", "errno", "kill-io", "kill-fiu"}:
        scens = []
    plans = []
    for s in scens:
        p = plan_scenario(s, work)
        PLANS[s.name] = p
        plans.append(p)
    cases = []
    for p in plans:
        cases += cases_for(p, modes)
    results = {p.scen.name: [] for p in plans}
    prog = Progress(len(cases), "crashtest")
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(jobs) as pool:
        for case, r in pool.imap_unordered(_work, cases, chunksize=4):
            results[case.scen].append((case, r))
            prog.step(r["violations"])
    mutex = None
    if "mutex" in modes:
        from keelrig import mutex as mx
        mutex = mx.run(os.path.join(work, "mutex"))
    conc = None
    if "concurrent" in modes:
        from keelrig import concurrent
        conc = concurrent.run(os.path.join(work, "concurrent"))
    elapsed = time.time() - t0
    return report(plans, results, conc, elapsed, out, modes, mutex)


def report(plans, results, conc, elapsed, out, modes, mutex=None):
    rows, viol = [], []
    tot = dict(points=0, occ=0, kills=0, errno=0, io=0, bad=0)
    for p in plans:
        rs = results[p.scen.name]
        kills = sum(1 for c, _ in rs if c.mode == "kill-step")
        io = sum(1 for c, _ in rs if c.mode in ("kill-io", "kill-fiu"))
        er = sum(1 for c, _ in rs if c.mode == "errno")
        bad = [(c, r) for c, r in rs if r["violations"]]
        pts = sum(1 for n in p.hits.values() if n)
        occ = sum(p.hits.values())
        nv = sum(len(r["violations"]) for _, r in bad) + len(p.problems)
        rows.append([p.scen.name, "%d (%d hits)" % (pts, occ), kills, io, er,
                     nv])
        tot["points"] += pts
        tot["occ"] += occ
        tot["kills"] += kills
        tot["io"] += io
        tot["errno"] += er
        tot["bad"] += nv
        viol += [(c, r) for c, r in bad]
        for x in p.problems:
            viol.append((None, {"violations": ["%s: %s" % (p.scen.name, x)],
                                "dir": p.template}))
    rows.append(["total", "%d (%d hits)" % (tot["points"], tot["occ"]),
                 tot["kills"], tot["io"], tot["errno"], tot["bad"]])
    head = ["scenario", "points run", "step kills", "I/O kills", "errno runs",
            "violations"]
    md = ["# make crashtest report", "",
          "keel: `%s`; %d runs in %.0f s on %d CPUs; modes: %s"
          % (common.keel_bin(), sum(len(v) for v in results.values()),
             elapsed, os.cpu_count() or 0, ", ".join(modes)), "",
          table(rows, head), ""]
    md.append("Scenarios:")
    md += ["- **%s**: %s: `keel %s`" % (p.scen.name, p.scen.title,
                                         " ".join(p.scen.cmd)) for p in plans]
    md += ["", "System calls killed at, by mechanism (calls after main() "
           "began; the dynamic loader's are skipped):"]
    md += coverage_lines(plans)
    if mutex is not None:
        md += ["", "## Lock exclusion (G6)", "",
               "A writer paused while holding the lock, its lock file stale "
               "by age to a second writer: %s" % ("; ".join(mutex[0]) or
                                                   "the second writer was kept out (exit 6); 0 violations")]
    if conc is not None:
        md += ["", "## Concurrency under fire", "", conc["summary"], ""]
        md += ["- " + x for x in conc["violations"][:50]]
    kinds = {}
    for c, r in viol:
        for v in r["violations"]:
            k = _kind(v)
            kinds.setdefault(k, []).append((c, v))
    if kinds:
        md += ["", "## Violations by kind", ""]
        for k, lst in sorted(kinds.items(), key=lambda x: -len(x[1])):
            c, v = min(lst, key=lambda x: _size(x[0]))
            md.append("- %d x %s  \n  e.g. `%s`: %s" % (
                len(lst), k, c.key() if c else "-", v))
    text = "\n".join(md) + "\n"
    os.makedirs(out, exist_ok=True)
    write_section(os.path.join(out, "report.md"), text)
    print()
    print(table(rows, head))
    if conc is not None:
        print(conc["summary"])
    if mutex is not None:
        print("lock exclusion (G6): %s" % ("; ".join(mutex[0]) or "ok"))
    print("report: %s" % os.path.join(out, "report.md"))
    all_bad = viol + ([(None, {"violations": conc["violations"], "dir": conc["dir"]})]
                      if conc and conc["violations"] else [])
    if mutex and mutex[0]:
        all_bad.append((None, {"violations": mutex[0], "dir": ""}))
        print("lock exclusion: " + "; ".join(mutex[0]))
    if os.environ.get("CRASH_JSON"):
        import json
        dump = [{"case": c.key() if c else None, "violation": v}
                for c, r in all_bad for v in r["violations"]]
        with open(os.environ["CRASH_JSON"], "w") as f:
            json.dump(dump, f, indent=1)

    if not all_bad:
        print("crashtest: 0 violations in %.0f s" % elapsed)
        return 0
    print("crashtest: VIOLATIONS (%d kinds):" % len(kinds) if kinds else
          "crashtest: VIOLATIONS:")
    for k, lst in sorted(kinds.items(), key=lambda x: -len(x[1])):
        print("  %4d x %s" % (len(lst), k))
    if conc and conc["violations"]:
        print("  %4d x concurrency (see report.md), e.g. %s"
              % (len(conc["violations"]), conc["violations"][0][:200]))
        print("  concurrency reproducer: %s" % conc["repro"])
    cases = [(c, r) for c, r in viol if c is not None]
    if cases:
        c, r = min(cases, key=lambda x: _size(x[0]))
        print("smallest reproducer:")
        print("  python3 harness/crashtest.py --case %s" % c.spec())
        print("  (state kept in %s)" % r["dir"])
        for v in r["violations"][:5]:
            print("  - " + v)
    return 1


BEGIN = "<!-- crash rig (harness/crashtest.py): begin -->"
END = "<!-- crash rig: end -->"


def write_section(path, text):
    """Write our part of report.md between our markers, keeping whatever
    other passes (power loss) wrote around it."""
    old = ""
    if os.path.exists(path):
        old = open(path).read()
    block = BEGIN + "\n" + text + END + "\n"
    if BEGIN in old and END in old:
        head, rest = old.split(BEGIN, 1)
        new = head + block + rest.split(END, 1)[1].lstrip("\n")
    else:
        new = block + ("\n" + old if old else "")
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(new)
    os.replace(tmp, path)


def _kind(v):
    import re
    v = re.sub(r"\d+ bytes", "N bytes", v)
    v = re.sub(r"\.keel-tmp\.[^ ]+", ".keel-tmp.*", v)
    v = re.sub(r"\(\d+\)", "(N)", v)
    v = re.sub(r": .*", "", v) if v.startswith(("rerunning", "the next command failed",
                                                 "the message", "exit ")) else v
    return v[:160]


def _size(c):
    if c is None:
        return (9, 9, 9)
    order = {"kill-step": 0, "errno": 1, "kill-fiu": 2, "kill-io": 3}
    return (order.get(c.mode, 9), c.nth, c.scen)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as e:  # the rig could not run: not a verdict
        import traceback
        traceback.print_exc()
        print("crashtest: the rig could not run: %s" % e, file=sys.stderr)
        sys.exit(2)
