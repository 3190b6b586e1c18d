"""The oracle. It shares no code with the kernel: registry.json is parsed
with Python's json module plus the schema rules below, and every state is
compared byte for byte with the scenario's before- and after-states.

Every function returns a list of violation strings (empty: fine)."""
import json
import math
import os
import re

from .common import LOCK_FILE, TEMP_PREFIX

NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@+-]{0,63}$")
ACCOUNT_STRINGS = ("email", "accountId", "userId", "planType", "createdAt",
                   "lastUsageAt")
REG = "accounts/registry.json"
BAK = "accounts/registry.json.bak"
ACCOUNTS = "accounts"


class StrictError(ValueError):
    pass


def _pairs(pairs):
    seen = set()
    for k, _ in pairs:
        if k in seen:
            raise StrictError("duplicate key %r" % k)
        seen.add(k)
    return dict(pairs)


def _no_constant(c):
    raise StrictError("non-JSON constant %s" % c)


def parse_registry(data):
    """(object, problems)."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        return None, ["registry is not UTF-8: %s" % e]
    try:
        obj = json.loads(text, object_pairs_hook=_pairs,
                         parse_constant=_no_constant)
    except (ValueError, StrictError) as e:
        return None, ["registry does not parse as JSON: %s" % e]
    return obj, []


def _num(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def validate_registry(data):
    """G3: strict JSON, the registry schema, and the Node tool's formatting
    (JSON.stringify(x, null, 2) plus a newline)."""
    obj, bad = parse_registry(data)
    if bad:
        return bad
    if not isinstance(obj, dict):
        return ["registry is not a JSON object"]
    if obj.get("version") != 1 or isinstance(obj.get("version"), bool):
        bad.append("version is not 1")
    auto = obj.get("autoSwitch")
    if not isinstance(auto, dict):
        bad.append("autoSwitch is not an object")
    else:
        if not isinstance(auto.get("enabled"), bool):
            bad.append("autoSwitch.enabled is not a boolean")
        for k in ("threshold5hPercent", "thresholdWeeklyPercent"):
            if not _num(auto.get(k)):
                bad.append("autoSwitch.%s is not a number" % k)
    api = obj.get("api")
    if not isinstance(api, dict) or not isinstance(api.get("usage"), bool):
        bad.append("api.usage is not a boolean")
    accts = obj.get("accounts")
    if not isinstance(accts, dict):
        bad.append("accounts is not an object")
        accts = {}
    for name, a in accts.items():
        if not NAME_RE.match(name):
            bad.append("account key %r is not a valid name" % name)
        if not isinstance(a, dict):
            bad.append("accounts.%s is not an object" % name)
            continue
        if a.get("name") != name:
            bad.append("accounts.%s.name is %r" % (name, a.get("name")))
        for k in ACCOUNT_STRINGS:
            if k in a and not isinstance(a[k], str):
                bad.append("accounts.%s.%s is not a string" % (name, k))
        if not isinstance(a.get("createdAt"), str):
            bad.append("accounts.%s.createdAt is missing" % name)
    active = obj.get("activeAccountName")
    if active is not None:
        if not isinstance(active, str):
            bad.append("activeAccountName is not a string or null")
        elif active not in accts:
            bad.append("activeAccountName %r names no account" % active)
    want = (json.dumps(obj, indent=2, ensure_ascii=False) + "\n").encode()
    if not bad and want != data:
        bad.append("registry is not formatted as JSON.stringify(x, null, 2)")
    return bad


_valid_cache = {}


def registry_problems(data):
    if data not in _valid_cache:
        _valid_cache[data] = validate_registry(data)
    return _valid_cache[data]


def registry_object(data):
    obj, bad = parse_registry(data)
    return None if bad else obj


# ---- one state against a scenario -----------------------------------------

def _val(state, rel):
    f = state.get(rel)
    return None if f is None else f[0]


def _fmt(v):
    return "absent" if v is None else "%d bytes" % len(v)


def is_temp(rel):
    return os.path.basename(rel).startswith(TEMP_PREFIX)


def is_lock(rel):
    return rel == ACCOUNTS + "/" + LOCK_FILE


def modes(state, dirs):
    bad = []
    for rel, (data, mode) in sorted(state.items()):
        if data is None:
            bad.append("G8: %s is not a regular file" % rel)
        elif mode != 0o600:
            bad.append("G8: %s has mode %o, not 600" % (rel, mode))
    for rel, mode in sorted(dirs.items()):
        if mode != 0o700:
            bad.append("G8: directory %s has mode %o, not 700" % (rel, mode))
    return bad


def files_vs(scen, before, after, state, allow_temps, allow_lock):
    """G1/G3/G7 and the write-order rule for one state. Returns
    (violations, {tracked file: 'old'|'new'})."""
    bad, where = [], {}
    tracked = scen.tracked(before, after)
    for rel in sorted(state):
        if rel in tracked or rel == BAK:
            continue
        if is_temp(rel):
            if not allow_temps:
                bad.append("G7: temp file %s survived" % rel)
        elif is_lock(rel):
            if not allow_lock:
                bad.append("G6: lock file %s survived" % rel)
        elif not scen.extra_ok(rel):
            bad.append("unexpected file %s" % rel)
    for rel in sorted(tracked):
        v, b, a = _val(state, rel), _val(before, rel), _val(after, rel)
        if v == a:
            where[rel] = "new" if v != b else "same"
        elif v == b:
            where[rel] = "old"
        else:
            g = "G1" if rel == REG else "old-or-new"
            bad.append("%s: %s is neither the before (%s) nor the after (%s) "
                       "version: %s" % (g, rel, _fmt(b), _fmt(a), _fmt(v)))
    v = _val(state, BAK)
    if v not in (_val(before, BAK), _val(after, BAK), None):
        bad.append("registry.json.bak is neither old, new nor absent")
    reg = _val(state, REG)
    if reg is not None and reg != scen.damaged_registry:
        for p in registry_problems(reg):
            bad.append("G3: " + p)
    if not bad:
        bad += order_rule(scen, where)
    return bad, where


def order_rule(scen, where):
    """The CLI's write order (spec/cli-order.md): the files a command
    changes are written group by group; a file of a later group may be new
    only if every file of every earlier group is new. A kill leaves a
    prefix of the order, never a gap."""
    bad = []
    incomplete = None
    for group in scen.order:
        states = [where.get(f, "same") for f in group]
        if incomplete is not None and any(s == "new" for s in states):
            newer = [f for f in group if where.get(f) == "new"]
            bad.append("write order: %s is new but %s is still old"
                       % (", ".join(newer), incomplete))
            break
        olds = [f for f in group if where.get(f) == "old"]
        if olds and incomplete is None:
            incomplete = ", ".join(olds)
    return bad


def quiescent(state):
    """Consistency of a settled state (no command running, none killed
    since the last completed one): every registry account has a snapshot
    and every snapshot an account; `current` names the active account;
    auth.json holds the active account's snapshot bytes."""
    bad = []
    reg = _val(state, REG)
    obj = registry_object(reg) if reg is not None else {"accounts": {}}
    if obj is None:
        return ["registry does not parse in a settled state"]
    accts = obj.get("accounts", {})
    snaps = set()
    for rel in state:
        d, b = os.path.split(rel)
        if d == ACCOUNTS and b.endswith(".json") and b not in (
                "registry.json", "sessions.json"):
            snaps.add(b[:-5])
    for n in sorted(set(accts) - snaps):
        bad.append("settled: account %s has no snapshot" % n)
    for n in sorted(snaps - set(accts)):
        bad.append("settled: snapshot %s.json has no account" % n)
    active = obj.get("activeAccountName")
    cur = _val(state, "current")
    cur_name = cur.decode().strip() if cur else None
    if (active or None) != (cur_name or None):
        bad.append("settled: current names %r, the registry %r"
                   % (cur_name, active))
    if active and active in snaps:
        if _val(state, "auth.json") != _val(state, "accounts/%s.json" % active):
            bad.append("settled: auth.json is not account %s's snapshot" % active)
    return bad
