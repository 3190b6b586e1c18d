"""check.py - the invariants a crash state must satisfy (issue 6, part 3),
with a JSON reader and schema rules that share nothing with the kernel's
decoder, and the recovery run: the next Keel commands on the crash state.

Rules on a crash state S taken after the first k operations, where the last
command acknowledged (exit 0) before k ended at operation a:
  G3 parse      registry.json, if present, is strict JSON (no duplicate
                keys, no NaN/Infinity) and follows the schema below;
  G1 old-or-new every file (except Keel temp files and the interop lock
                file) is byte-for-byte and mode-for-mode a version that
                path held at some instant in [0, k] - never torn, never
                empty unless it was;
  G2 durable    ...and at some instant in [a, k]: nothing a command
                acknowledged is lost;
  cut           there is ONE instant t in [a, k] at which every such file
                held exactly its content in S: the files are mutually
                consistent as of some moment the writer passed through
                (which is what spec/cli-order.md's write order is designed
                for; the same states a kill can produce, issue 5);
  G8 modes      regular files 0600, directories 0700.
Recovery (once per distinct state): `keel check` exits 0, `keel list`
exits 0, and a write, `keel config api --enable` or `--disable` (whichever
flips api.usage, so that it does write), exits 0 and leaves no temp file
and no lock file behind, a registry that parses with the new api.usage,
and 0600 files.
"""

import json
import math
import os
import re
import shutil
import subprocess
import time

from model import is_debris, is_lock

NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@+-]{0,63}$")
REGISTRY = ".codex/accounts/registry.json"


class Invalid(Exception):
    pass


def strict_json(data):
    def pairs(kv):
        d = {}
        for k, v in kv:
            if k in d:
                raise Invalid("duplicate key %r" % k)
            d[k] = v
        return d

    def const(c):
        raise Invalid("non-JSON constant " + c)

    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise Invalid("invalid UTF-8 at byte %d" % e.start)
    try:
        return json.loads(text, object_pairs_hook=pairs, parse_constant=const)
    except ValueError as e:
        raise Invalid(str(e))


def number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool) and \
        math.isfinite(v)


def schema(reg):
    """The registry's shape (DESIGN.md section 1); unknown fields allowed."""
    if not isinstance(reg, dict):
        raise Invalid("top level is not an object")
    if reg.get("version") != 1 or isinstance(reg.get("version"), bool):
        raise Invalid("version is not 1")
    accts = reg.get("accounts")
    if not isinstance(accts, dict):
        raise Invalid("accounts is not an object")
    for name, a in accts.items():
        if not NAME_RE.match(name):
            raise Invalid("invalid account name %r" % name)
        if not isinstance(a, dict) or a.get("name") != name:
            raise Invalid("account %r: not an object named %r" % (name, name))
        for f in ("email", "accountId", "userId", "planType", "createdAt",
                  "lastUsageAt"):
            if f in a and a[f] is not None and not isinstance(a[f], str):
                raise Invalid("account %r: %s is not a string" % (name, f))
    act = reg.get("activeAccountName")
    if act is not None and (not isinstance(act, str) or act not in accts):
        raise Invalid("activeAccountName %r names no account" % (act,))
    auto = reg.get("autoSwitch")
    if auto is not None:
        if not isinstance(auto, dict):
            raise Invalid("autoSwitch is not an object")
        if "enabled" in auto and not isinstance(auto["enabled"], bool):
            raise Invalid("autoSwitch.enabled is not a boolean")
        for f in ("threshold5hPercent", "thresholdWeeklyPercent"):
            if f in auto and not number(auto[f]):
                raise Invalid("autoSwitch.%s is not a number" % f)
    api = reg.get("api")
    if api is not None:
        if not isinstance(api, dict):
            raise Invalid("api is not an object")
        if "usage" in api and not isinstance(api["usage"], bool):
            raise Invalid("api.usage is not a boolean")


def registry_problem(data):
    try:
        schema(strict_json(data))
    except Invalid as e:
        return str(e)
    return None


def describe(v):
    if v is None:
        return "absent"
    kind, data, mode = v
    if kind == "d":
        return "dir %04o" % mode
    head = data[:40]
    if data and data.strip(b"\0") == b"":
        what = "all zero bytes"
    else:
        what = repr(head)[1:] + ("..." if len(data) > 40 else "")
    return "%d bytes %04o %s" % (len(data), mode, what)


def check_state(tl, view, k, a):
    """Violations (list of strings) of the crash-state rules."""
    out = []
    reg = view.get(REGISTRY)
    if reg is not None and reg[0] == "f" and \
            reg != tl.views[0].get(REGISTRY):
        # (a registry damaged before the workload began - the recover
        # scenario's input - is old-or-new like any other version)
        p = registry_problem(reg[1])
        if p:
            out.append("G3 %s does not parse/validate: %s" % (REGISTRY, p))
    lo, hi = 0, tl.n
    cut = [(a, k)]
    paths = set(p for p in tl.paths if not is_debris(p) and not is_lock(p))
    paths |= set(p for p in view if not is_debris(p) and not is_lock(p))
    for p in sorted(paths):
        v = view.get(p)
        if p not in tl.iv:
            out.append("G1 %s: %s never existed" % (p, describe(v)))
            continue
        v_ok = tl.matches(p, v, a, k)
        if not v_ok:
            if tl.matches(p, v, lo, k):
                out.append("G2 %s: %s is older than the version acknowledged "
                           "at op %d (%s)" % (p, describe(v), a,
                                              describe(tl.views[a].get(p))))
            else:
                out.append("G1 %s: %s is no version this path ever held "
                           "(acknowledged version: %s)"
                           % (p, describe(v), describe(tl.views[a].get(p))))
            continue
        cut = intersect(cut, v_ok)
        if not cut and not any(x.startswith("cut") for x in out):
            out.append("cut %s: %s - no single instant in [%d, %d] has this "
                       "file together with the others as they are"
                       % (p, describe(v), a, k))
    for p, v in sorted(view.items()):
        if is_debris(p):
            continue
        # G8 is about others: no group/other bit. (A mode tighter than
        # the acknowledged one is caught above, as a lost version.)
        if v[0] == "f" and v[2] & 0o7177:
            out.append("G8 %s has mode %04o, looser than 0600" % (p, v[2]))
        if v[0] == "d" and v[2] & 0o7077:
            out.append("G8 directory %s has mode %04o, looser than 0700"
                       % (p, v[2]))
    return out


def intersect(xs, ys):
    out = []
    for a1, b1 in xs:
        for a2, b2 in ys:
            lo, hi = max(a1, a2), min(b1, b2)
            if lo <= hi:
                out.append((lo, hi))
    return out


def materialise(view, root):
    if os.path.exists(root):
        shutil.rmtree(root)
    os.makedirs(root, mode=0o700)
    os.chmod(root, 0o700)
    for p in sorted(view):
        kind, data, mode = view[p]
        full = os.path.join(root, p)
        if kind == "d":
            os.mkdir(full, 0o700)
        else:
            with open(full, "wb") as f:
                f.write(data)
    for p in sorted(view, reverse=True):
        os.chmod(os.path.join(root, p), view[p][2])


def keel_env(root):
    home = os.path.join(root, ".codex")
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": root,
           "LANG": "C", "CODEX_AUTH_CODEX_DIR": home,
           "CODEX_AUTH_ACCOUNTS_DIR": os.path.join(home, "accounts"),
           "CODEX_AUTH_JSON_PATH": os.path.join(home, "auth.json"),
           "CODEX_AUTH_CURRENT_PATH": os.path.join(home, "current"),
           "CODEX_AUTH_SESSION_MAP_PATH":
               os.path.join(home, "accounts", "sessions.json")}
    return env


def run_keel(keel, root, args):
    p = subprocess.run([keel, "--wait", "2"] + args, env=keel_env(root),
                       cwd=root, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=30)
    return p.returncode, p.stdout.decode(errors="replace"), \
        p.stderr.decode(errors="replace")


def read_or_empty(path):
    try:
        with open(path, "rb") as f:
            return f.read()
    except FileNotFoundError:
        return b""


SKIP = "SKIP"


def lock_pid_alive(view):
    """The pid a crash state's lock file names, if a process has it now.
    The simulation runs the next command seconds after the recording, not
    after a reboot: a recycled pid (pid_max is 32768 here) would look like
    a live holder whose lock is not yet stale by age."""
    v = view.get(".codex/accounts/registry.json.lock")
    if v is None:
        return 0
    m = re.search(rb'"pid":\s*(\d+)', v[1])
    pid = int(m.group(1)) if m else 0
    if pid <= 0:
        return 0
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return 0
    except PermissionError:
        pass
    return pid


def recover_state(keel, view, root):
    """Materialise the state and run the next commands on it; violations
    (list of strings), or [SKIP + reason] when the run cannot be fair."""
    for _ in range(20):
        pid = lock_pid_alive(view)
        if not pid:
            break
        time.sleep(0.1)
    else:
        return [SKIP + " lock file names pid %d, which another process has "
                "now" % pid]
    materialise(view, root)
    out = []
    reg = view.get(REGISTRY)
    if reg is not None and registry_problem(reg[1]) is not None:
        # damaged (only legitimately so in the recover scenario, before
        # recover commits; check_state flags it anywhere else): the way
        # back is `keel recover` (G5)
        rc, so, se = run_keel(keel, root, ["recover"])
        if rc != 0:
            out.append("recovery: keel recover exits %d on a damaged "
                       "registry: %s" % (rc, se.strip()[:300]))
            return out
    rc, so, se = run_keel(keel, root, ["--json", "check"])
    if rc != 0:
        out.append("recovery: keel check exits %d: %s" % (rc, (so + se)
                                                           .strip()[:300]))
    rc, so, se = run_keel(keel, root, ["list"])
    if rc != 0:
        out.append("recovery: keel list exits %d: %s" % (rc, se.strip()[:300]))
    # a write that surely changes the registry (one that changes nothing
    # writes nothing): flip api.usage
    acc = os.path.join(root, ".codex", "accounts")
    want = True
    data = read_or_empty(os.path.join(acc, "registry.json"))
    if not data or registry_problem(data) is not None or \
            strict_json(data).get("api", {}).get("usage") is not False:
        want = False
    flag = "--enable" if want else "--disable"
    rc, so, se = run_keel(keel, root, ["config", "api", flag])
    if rc != 0:
        out.append("recovery: keel config api %s exits %d: %s"
                   % (flag, rc, se.strip()[:300]))
        return out
    for dirpath, dirs, files in os.walk(os.path.join(root, ".codex")):
        for n in files:
            if n.startswith(".keel-tmp."):
                out.append("G7 recovery: temp file %s survived a write "
                           "command" % os.path.relpath(
                               os.path.join(dirpath, n), root))
    for n in sorted(os.listdir(acc)):
        if n == "registry.json.lock":
            out.append("G6 recovery: lock file left after a write command")
        st = os.lstat(os.path.join(acc, n))
        if (st.st_mode & 0o7777) != 0o600:
            out.append("G8 recovery: %s has mode %04o" % (n, st.st_mode
                                                           & 0o7777))
    try:
        with open(os.path.join(acc, "registry.json"), "rb") as f:
            data = f.read()
    except OSError as e:
        return out + ["recovery: no registry after a write: %s" % e]
    p = registry_problem(data)
    if p:
        out.append("G3 recovery: registry after config: %s" % p)
    elif strict_json(data).get("api", {}).get("usage") is not want:
        out.append("recovery: api.usage is not %s after config api %s"
                   % (want, flag))
    return out
