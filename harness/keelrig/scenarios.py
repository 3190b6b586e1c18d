"""The scenarios: real keel command sequences on a real directory. Each
builds its before-state with ordinary (fault-free) keel commands, names the
command under test, and states the CLI's write order for it (the order the
command files document and spec/cli-order.md gives):

  save NAME      W1 accounts/NAME.json, W2 current, W3 registry
  use NAME       W1 save-back into the owner's snapshot, W2 auth.json,
                 W3 current, W4 registry
  remove NAME    W1 unlink accounts/NAME.json, W2 current, W3 registry
  rename A B     W1 accounts/B.json, W2 current, W3 unlink accounts/A.json,
                 W4 registry
  import DIR     W1 the snapshots (any order), W2 registry
  config ...     registry only
  recover        W1 registry.json.damaged-<stamp> (a hard link), W2 registry

Before every registry write the commit links the previous registry as
registry.json.bak (old, new or briefly absent)."""
import os

from . import checker
from .common import FIXED_STAMP, identity, run_keel, write_file

REG = checker.REG
BAK = checker.BAK


class Scenario:
    def __init__(self, name, title, setup, cmd, order, damaged=None,
                 extra_ok=None):
        self.name = name
        self.title = title
        self._setup = setup
        self.cmd = cmd
        self.order = [g if isinstance(g, (list, tuple, set)) else [g]
                      for g in order]
        self.damaged_registry = damaged
        self._extra_ok = extra_ok

    def setup(self, root):
        self._setup(root)

    def argv(self, root):
        """The command's arguments ("{root}" stands for the state root)."""
        return [a.replace("{root}", root) for a in self.cmd]

    def tracked(self, before, after):
        keys = set(before) | set(after)
        return {k for k in keys
                if not checker.is_temp(k) and not checker.is_lock(k)
                and k != BAK}

    def ordered(self):
        return {f for g in self.order for f in g}

    def extra_ok(self, rel):
        return bool(self._extra_ok and self._extra_ok(rel))


def keel_ok(root, *args):
    rc, out, err = run_keel(root, list(args))
    if rc != 0:
        raise RuntimeError("setup: keel %s failed (%d): %s"
                           % (" ".join(args), rc, err.strip()))


def login(root, tag, serial=0, plan="plus"):
    write_file(os.path.join(root, "codex", "auth.json"),
               identity(tag, serial, plan))


def two_accounts(root, active="work"):
    login(root, "home", plan="pro")
    keel_ok(root, "save", "home")
    login(root, "work")
    keel_ok(root, "save", "work")
    if active != "work":
        keel_ok(root, "use", active)


# ---- the scenarios -------------------------------------------------------

def s_save_first(root):
    login(root, "work")


def s_save_new(root):
    login(root, "work")
    keel_ok(root, "save", "work")
    login(root, "home", plan="pro")


def s_save_refresh(root):
    two_accounts(root)
    login(root, "work", serial=1)  # codex refreshed the tokens


def s_use(root):
    two_accounts(root)
    login(root, "work", serial=1)  # refreshed since: must be saved back


def s_remove(root):
    two_accounts(root, active="home")


def s_rename(root):
    two_accounts(root)


def s_import(root):
    login(root, "work")
    keel_ok(root, "save", "work")
    src = os.path.join(root, "import")
    for tag in ("alpha", "beta", "gamma"):
        write_file(os.path.join(src, tag + ".json"), identity(tag, plan="team"))


def s_config(root):
    two_accounts(root)


DAMAGED = b'{\n  "version": 1,\n  "accounts": {\n    "work": {"na'


def s_recover(root):
    two_accounts(root)
    keel_ok(root, "config", "auto", "--enable")  # so that .bak is good
    write_file(os.path.join(root, "codex", REG), DAMAGED)


ASIDE = "accounts/registry.json.damaged-" + FIXED_STAMP


def _aside_ok(rel):
    # A rerun after a kill between the link and the replace keeps one more
    # hard link of the same damaged file ("-1"): debris-free by design.
    return rel.startswith("accounts/registry.json.damaged-")


SCENARIOS = [
    Scenario("save-first", "first save into an empty home", s_save_first,
             ["save", "work"], ["accounts/work.json", "current", REG]),
    Scenario("save-new", "save a second account over an existing registry",
             s_save_new, ["save", "home"],
             ["accounts/home.json", "current", REG]),
    Scenario("save-refresh", "save refreshed tokens of the active account",
             s_save_refresh, ["save", "work"],
             ["accounts/work.json", "current", REG]),
    Scenario("use", "switch, saving the refreshed tokens back", s_use,
             ["use", "home"],
             ["accounts/work.json", "auth.json", "current", REG]),
    Scenario("use-same", "use the account auth.json already holds, with "
             "refreshed tokens", s_use, ["use", "work"],
             ["accounts/work.json", "auth.json", "current", REG]),
    Scenario("remove", "remove the active account", s_remove,
             ["remove", "home"], ["accounts/home.json", "current", REG]),
    Scenario("rename", "rename the active account", s_rename,
             ["rename", "work", "job"],
             ["accounts/job.json", "current", "accounts/work.json", REG]),
    Scenario("import", "import three accounts from an export directory",
             s_import, ["import", "{root}/import"],
             [["accounts/alpha.json", "accounts/beta.json",
               "accounts/gamma.json"], REG]),
    Scenario("config", "change the auto-switch settings", s_config,
             ["config", "auto", "--enable", "--5h", "20", "--weekly", "7"],
             [REG]),
    Scenario("recover", "recover a damaged registry from its backup",
             s_recover, ["recover"], [ASIDE, REG], damaged=DAMAGED,
             extra_ok=_aside_ok),
]


def by_name(names):
    if not names:
        return list(SCENARIOS)
    want = [n.strip() for n in names.split(",") if n.strip()]
    known = {s.name: s for s in SCENARIOS}
    missing = [n for n in want if n not in known]
    if missing:
        raise SystemExit("unknown scenario(s): %s (have: %s)"
                         % (", ".join(missing), ", ".join(known)))
    return [known[n] for n in want]
