#!/usr/bin/env python3
"""make crashtest-selftest: prove the rig can fail. For each variant in
variants.py: copy kernel/, cli/ and spec/ to build/selftest/<variant>/,
plant the bug, build keel and kdrive from the copy (failpoints on), and
run the rig passes that should catch it. A baseline (the same copy with no
bug) runs the same passes; a variant is caught when it shows a violation
the baseline does not. Exit 0 only if every variant is caught. The
release build and kernel/ itself are never touched."""
import json
import os
import re
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
from variants import VARIANTS  # noqa: E402

CFLAGS = ["-std=c11", "-D_GNU_SOURCE", "-g", "-O1", "-DFIU_ENABLE",
          "-U_FORTIFY_SOURCE", "-w"]


def build(name, patch):
    d = os.path.join(ROOT, "build", "selftest", name)
    if os.path.exists(d):
        shutil.rmtree(d)
    os.makedirs(os.path.join(d, "harness"))
    for sub in ("kernel", "cli", "spec"):
        shutil.copytree(os.path.join(ROOT, sub), os.path.join(d, sub))
    shutil.copy(os.path.join(ROOT, "harness", "kdrive.c"), os.path.join(d, "harness"))
    for rel, old, new in patch:
        p = os.path.join(d, rel)
        src = open(p).read()
        if src.count(old) != 1:
            raise SystemExit("selftest: variant %s: the text to patch in %s is "
                             "gone or ambiguous; update harness/selftest/variants.py"
                             % (name, rel))
        open(p, "w").write(src.replace(old, new))
    kernel = sorted(os.path.join(d, "kernel", f) for f in os.listdir(os.path.join(d, "kernel"))
                    if f.endswith(".c"))
    cli = sorted(os.path.join(d, "cli", f) for f in os.listdir(os.path.join(d, "cli"))
                 if f.endswith(".c"))
    objs = []
    for src in kernel:
        o = src[:-2] + ".o"
        subprocess.run(["cc"] + CFLAGS + ["-c", src, "-o", o], check=True)
        objs.append(o)
    kobjs = list(objs)
    for src in cli:
        o = src[:-2] + ".o"
        if subprocess.run(["cc"] + CFLAGS + ["-c", src, "-o", o]).returncode != 0:
            # The variants are kernel bugs; a CLI file that does not compile
            # right now (someone is editing it) falls back to make's object.
            made = os.path.join(ROOT, "build", "test", "obj", "cli",
                                os.path.basename(o))
            if not os.path.exists(made):
                raise SystemExit("selftest: %s does not compile" % src)
            print("selftest: note: %s does not compile; using %s" % (
                os.path.relpath(src, d), os.path.relpath(made, ROOT)), flush=True)
            o = made
        objs.append(o)
    subprocess.run(["cc", "-o", os.path.join(d, "keel")] + objs + ["-lcjson", "-lfiu"], check=True)
    subprocess.run(["cc"] + CFLAGS + ["-o", os.path.join(d, "kdrive"),
                                      os.path.join(d, "harness", "kdrive.c")] + kobjs
                   + ["-lcjson", "-lfiu"], check=True)
    return d


def run_rig(d, modes, scenarios):
    out = os.path.join(d, "out")
    env = dict(os.environ)
    env.update({"KEEL_BIN": os.path.join(d, "keel"),
                "KEEL_KDRIVE": os.path.join(d, "kdrive"),
                "CRASH_OUT": out,
                "CRASH_WORK": "/dev/shm/keel-selftest-%d-%s" % (os.getuid(), os.path.basename(d))
                if os.path.isdir("/dev/shm") else os.path.join(out, "work"),
                "CRASH_MODES": modes,
                "CRASH_SCENARIOS": scenarios or "",
                "CRASH_P": os.environ.get("SELFTEST_P", "3"),
                "CRASH_M": os.environ.get("SELFTEST_M", "60"),
                "CRASH_KP": "3",
                "CRASH_JSON": os.path.join(out, "violations.json"),
                "CRASH_QUIET": "1"})
    os.makedirs(out, exist_ok=True)
    p = subprocess.run([sys.executable, os.path.join(ROOT, "harness", "crashtest.py")],
                       env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if p.returncode not in (0, 1):
        raise SystemExit("selftest: the rig itself failed on %s:\n%s"
                         % (d, p.stdout.decode(errors="replace")[-2000:]))
    return json.load(open(env["CRASH_JSON"]))


def kind(v):
    text = re.sub(r"\d+", "N", v["violation"])
    text = re.sub(r"\.keel-tmp\.\S+", ".keel-tmp.*", text)
    case = re.sub(r"#\d+", "", v["case"] or "")
    return (case + " | " + text)[:200]


def main():
    t0 = time.time()
    only = [x for x in os.environ.get("SELFTEST_VARIANTS", "").split(",") if x]
    names = [n for n in VARIANTS if not only or n in only]
    base_dir = build("baseline", [])
    baseline = {}
    rows = []
    for n in names:
        v = VARIANTS[n]
        key = (v["modes"], v.get("scenarios"))
        if key not in baseline:
            baseline[key] = {kind(x) for x in run_rig(base_dir, *key)}
        d = build(n, v["patch"])
        found = run_rig(d, *key)
        new = sorted({kind(x) for x in found} - baseline[key])
        rows.append((n, v["modes"], len(found), len(new), new[:3]))
        print("selftest: %-20s %-10s %s" % (n, v["modes"],
                                             "CAUGHT (%d new violations, e.g. %s)" % (len(new), new[0])
                                             if new else "NOT CAUGHT"), flush=True)
    missed = [r[0] for r in rows if r[3] == 0]
    lines = ["# crashtest selftest", "",
             "| variant | pass | violations | not in baseline | caught |",
             "|---|---|---|---|---|"]
    lines += ["| %s | %s | %d | %d | %s |" % (r[0], r[1], r[2], r[3], "yes" if r[3] else "NO")
              for r in rows]
    lines += [""] + ["- %s: `%s`" % (r[0], r[4][0]) for r in rows if r[4]]
    os.makedirs(os.path.join(ROOT, "build", "crashtest"), exist_ok=True)
    with open(os.path.join(ROOT, "build", "crashtest", "selftest.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("selftest: %d/%d variants caught in %.0f s (build/crashtest/selftest.md)"
          % (len(rows) - len(missed), len(rows), time.time() - t0))
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
