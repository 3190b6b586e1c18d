#!/usr/bin/env python3
"""Broken files and limits for tests/cli/hostile_files.bats (issue 9).

    hostile_files.py CASE HOME
runs keel ($KEEL) many times on the state under HOME (set up by the bats
test: two saved accounts, env overrides exported) and exits non-zero with
one line per violation. Every output is checked against the planted secrets
listed in $SECRETS (G8), every exit status must be < 128, and a failed
command must leave every file byte-identical."""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

KEEL = os.environ["KEEL"]
SECRETS = [s for s in open(os.environ["SECRETS"]).read().split() if s]
PRECISE = {"E_REGISTRY_CORRUPT", "E_NOT_A_FILE", "E_IO", "E_AUTH_INVALID",
           "E_ACCOUNT_NOT_FOUND", "E_FILE_TOO_LARGE", "E_NAME_INVALID",
           "E_AUTH_UNSAVED", "E_SNAPSHOT_EMAIL_MISMATCH"}
bad = []


def env_for(home):
    e = dict(os.environ)
    codex = os.path.join(home, ".codex")
    e.update(HOME=home, CODEX_AUTH_CODEX_DIR=codex,
             CODEX_AUTH_ACCOUNTS_DIR=os.path.join(codex, "accounts"),
             CODEX_AUTH_JSON_PATH=os.path.join(codex, "auth.json"),
             CODEX_AUTH_CURRENT_PATH=os.path.join(codex, "current"),
             CODEX_AUTH_SESSION_MAP_PATH=os.path.join(codex, "accounts",
                                                      "sessions.json"))
    return e


def keel(*args, home=None):
    p = subprocess.run([KEEL, "--json"] + list(args), capture_output=True,
                       env=env_for(home) if home else None)
    out = p.stdout.decode("utf-8", "replace")
    err = p.stderr.decode("utf-8", "replace")
    for s in SECRETS:
        if s in out or s in err:
            bad.append("secret leaked by keel %s" % " ".join(args))
    if p.returncode >= 128 or p.returncode < 0:
        bad.append("keel %s: exit status %d" % (" ".join(args), p.returncode))
    try:
        env = json.loads(out)
    except ValueError:
        bad.append("keel %s: stdout is not one JSON line: %r" % (" ".join(args), out[:200]))
        env = {"ok": False, "error": {"code": "?"}}
    return p.returncode, env


def state(root):
    files = {}
    for d, _, names in os.walk(root):
        for n in names:
            p = os.path.join(d, n)
            if n == "registry.json.bak":
                continue  # may gain a hard link to the unchanged registry
            with open(p, "rb") as f:
                files[os.path.relpath(p, root)] = f.read()
    return files


def variant(home, label, data, write=("config", "api", "--disable")):
    """Put data at registry.json; keel check + one write command."""
    acc = os.path.join(home, ".codex", "accounts")
    reg = os.path.join(acc, "registry.json")
    with open(reg, "wb") as f:
        f.write(data)
    os.chmod(reg, 0o600)
    rc, env = keel("check", home=home)
    if rc not in (0, 7):
        bad.append("%s: check exit %d %s" % (label, rc, env))
    elif rc == 7 and env["error"]["code"] != "E_REGISTRY_CORRUPT":
        bad.append("%s: check code %s" % (label, env["error"]["code"]))
    elif rc == 7 and not env["error"].get("details", {}).get("kind"):
        bad.append("%s: check does not explain the defect" % label)
    before = state(os.path.join(home, ".codex"))
    rc2, env2 = keel(*write, home=home)
    if rc2 != 0:
        code = env2["error"]["code"]
        if code not in PRECISE:
            bad.append("%s: write failed with imprecise %s" % (label, code))
        if state(os.path.join(home, ".codex")) != before:
            bad.append("%s: a failed write changed files" % label)
        if rc == 0 and code == "E_REGISTRY_CORRUPT":
            bad.append("%s: check said healthy, write said corrupt" % label)
    elif rc == 7:
        bad.append("%s: corrupt for check, yet the write succeeded" % label)
    return rc2


def parallel(home, labelled):
    """Run variant() over [(label, bytes)] in per-worker copies of home."""
    jobs = max(2, min(8, (os.cpu_count() or 2) * 2))
    homes = []
    for i in range(jobs):
        h = "%s.w%d" % (home.rstrip("/"), i)
        shutil.copytree(home, h, symlinks=True)
        homes.append(h)
    chunks = [labelled[i::jobs] for i in range(jobs)]

    def work(i):
        return [(lab, variant(homes[i], lab, data)) for lab, data in chunks[i]]

    with ThreadPoolExecutor(jobs) as ex:
        out = [r for rs in ex.map(work, range(jobs)) for r in rs]
    for h in homes:
        shutil.rmtree(h, ignore_errors=True)
    return out


def case_truncate(home):
    reg = os.path.join(home, ".codex", "accounts", "registry.json")
    good = open(reg, "rb").read()
    res = parallel(home, [(n, good[:n]) for n in range(len(good))])
    for n, rc in res:
        if rc != 0:
            continue
        # only a prefix that is still a whole document (the final newline
        # cut off) may be accepted
        try:
            json.loads(good[:n])
        except ValueError:
            bad.append("truncated at %d: accepted and overwritten" % n)


def case_bitflip(home, small):
    good = small.encode()
    flips = []
    for i in range(len(good) * 8):
        b = bytearray(good)
        b[i // 8] ^= 1 << (i % 8)
        flips.append(("bit %d flipped" % i, bytes(b)))
    parallel(home, flips)


TIME = "/usr/bin/time" if os.access("/usr/bin/time", os.X_OK) else None


def rss_kb(cmd):
    """Run cmd; its own peak RSS (kB) and the wall time. ru_maxrss of a
    child forked from this (large) python process would start at our own
    size, so /usr/bin/time measures it when installed; otherwise wait4's
    figure is an upper bound."""
    t = time.time()
    if TIME:
        with tempfile.NamedTemporaryFile("r") as tf:
            p = subprocess.run([TIME, "-o", tf.name, "-f", "%M"] + cmd,
                               capture_output=True)
            kb = int(tf.read().split()[-1])
        return p, kb, time.time() - t
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = p.stdout.read(), p.stderr.read()
    _, status, ru = os.wait4(p.pid, 0)
    p.returncode = os.waitstatus_to_exitcode(status)
    p.stdout, p.stderr = out, err
    return p, ru.ru_maxrss, time.time() - t


# Memory bound for one command on a registry of n bytes: the process's own
# baseline (peak RSS of `keel --version`) plus 16x the file plus 8 MB. The
# sanitizer build (build/asan/keel) adds redzones and quarantine to every
# allocation: there the allowance above the baseline is tripled.
SANITIZED = os.path.basename(os.path.dirname(os.path.abspath(KEEL))) == "asan"
_baseline = []


def rss_limit_kb(nbytes):
    if not _baseline:
        _baseline.append(rss_kb([KEEL, "--version"])[1])
    allowance = 16 * nbytes // 1024 + 8 * 1024
    return _baseline[0] + (3 if SANITIZED else 1) * allowance


def case_limits(home):
    acc = os.path.join(home, ".codex", "accounts")
    reg = os.path.join(acc, "registry.json")
    cap = 8 * 1024 * 1024

    def sized(total):
        d = {"version": 1, "accounts": {}}
        i = 0
        while len(json.dumps(d, indent=2)) + 70000 < total:
            d["pad%d" % i] = "x" * 60000
            i += 1
        s = json.dumps(d, indent=2) + "\n"
        d["padlast"] = ""
        s = json.dumps(d, indent=2) + "\n"
        d["padlast"] = "y" * (total - len(s))
        s = json.dumps(d, indent=2) + "\n"
        assert len(s) == total, (len(s), total)
        return s.encode()

    def depth(n):  # n nested containers in all, the top object included
        return ('{"version": 1, "accounts": {}, "deep": ' + "[" * (n - 1) +
                "]" * (n - 1) + "}\n").encode()

    def string(n):
        return ('{"version": 1, "accounts": {}, "s": "' + "z" * n +
                '"}\n').encode()

    cases = [("at the size cap", sized(cap), True),
             ("one byte over the size cap", sized(cap + 1), False),
             ("nesting 64", depth(64), True),
             ("nesting 65", depth(65), False),
             ("nesting 100000", depth(100000), False),
             ("a 65536-byte string", string(65536), True),
             ("a 65537-byte string", string(65537), False),
             ("a 4 MiB string", string(4 << 20), False)]
    for label, data, want_ok in cases:
        with open(reg, "wb") as f:
            f.write(data)
        for args in (["check"], ["config", "api", "--disable"]):
            before = open(reg, "rb").read()
            p, kb, _ = rss_kb([KEEL, "--json"] + args)
            if p.returncode >= 128:
                bad.append("%s: keel %s crashed (%d)" % (label, args[0], p.returncode))
                continue
            env = json.loads(p.stdout)
            if want_ok and not env["ok"]:
                bad.append("%s: keel %s refused it: %s" % (label, args[0], env["error"]["message"][:200]))
            if not want_ok:
                if env["ok"] or env["error"]["code"] != "E_REGISTRY_CORRUPT" \
                        or env["error"]["details"].get("kind") != "limit":
                    bad.append("%s: keel %s: want E_REGISTRY_CORRUPT kind limit, got %s"
                               % (label, args[0], str(env)[:200]))
                if open(reg, "rb").read() != before:
                    bad.append("%s: refused registry was changed" % label)
            limit = rss_limit_kb(len(data))
            if kb > limit:
                bad.append("%s: keel %s peak RSS %d kB > %d kB" % (label, args[0], kb, limit))


def case_many(home):
    """10,000 accounts: every command works, in bounded memory (time is
    not asserted: tests never assert on wall time; make bench measures)."""
    acc = os.path.join(home, ".codex", "accounts")
    reg = os.path.join(acc, "registry.json")
    d = json.load(open(reg))
    base = d["accounts"]["work"]
    for i in range(10000):
        a = dict(base)
        a["name"] = "user%05d" % i
        a["email"] = "user%05d@example.com" % i
        d["accounts"][a["name"]] = a
    data = (json.dumps(d, indent=2) + "\n").encode()
    with open(reg, "wb") as f:
        f.write(data)
    for args in (["list"], ["check"], ["config", "api", "--disable"],
                 ["rename", "user00000", "renamed"], ["remove", "user00001"],
                 ["use", "home"], ["save", "home"]):
        p, kb, _ = rss_kb([KEEL, "--json"] + args)
        env = json.loads(p.stdout)
        if not env["ok"]:
            bad.append("10000 accounts: keel %s failed: %s" % (args[0], env["error"]["message"][:200]))
        limit = rss_limit_kb(len(data))
        if kb > limit:
            bad.append("10000 accounts: keel %s peak RSS %d kB > %d kB" % (args[0], kb, limit))
    d = json.load(open(reg))
    if len(d["accounts"]) != 10001 or "renamed" not in d["accounts"] \
            or "user00001" in d["accounts"]:
        bad.append("10000 accounts: wrong result: %d accounts" % len(d["accounts"]))


def main():
    case, home = sys.argv[1], sys.argv[2]
    if case == "truncate":
        case_truncate(home)
    elif case == "bitflip":
        case_bitflip(home, sys.argv[3])
    elif case == "limits":
        case_limits(home)
    elif case == "many":
        case_many(home)
    for b in bad[:40]:
        print(b)
    if len(bad) > 40:
        print("... and %d more" % (len(bad) - 40))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
