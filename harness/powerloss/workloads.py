"""workloads.py - the scenarios the power-loss pass records (issue 6,
part 4): every CLI scenario of the crash rig, and sequences of 3 commands.

A workload is a setup (commands run normally, not traced: the durable
before-state) and the traced commands, each of which must exit 0 in the
clean run. Files are laid out as the Node tool lays them out, under
<root>/.codex (check.keel_env sets the overrides).
"""

import base64
import json
import os
import sys

from check import keel_env, run_keel


def b64url(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def auth_json(email, acct, user, plan, gen=0):
    """A Codex auth.json (layout as Codex writes it); gen changes the
    tokens, as a token refresh does, keeping the identity."""
    hdr = b64url(b'{"alg":"RS256","typ":"JWT"}')
    payload = b64url(json.dumps({
        "iss": "https://auth.openai.com", "sub": "auth0|" + user,
        "email": email,
        "https://api.openai.com/auth": {"chatgpt_account_id": acct,
                                        "chatgpt_user_id": user,
                                        "chatgpt_plan_type": plan},
        "exp": 1999999999}).encode())
    tok = "%s-%s-g%d" % (acct, user, gen)
    doc = {"OPENAI_API_KEY": None,
           "tokens": {"id_token": "%s.%s.sig-%s" % (hdr, payload, tok),
                      "access_token": "access-" + tok,
                      "refresh_token": "refresh-" + tok,
                      "account_id": acct},
           "last_refresh": "2026-05-0%dT10:00:00.000Z" % (gen + 1)}
    return (json.dumps(doc, indent=2) + "\n").encode()


WORK = ("work@example.com", "acc-work", "user-work", "plus")
HOME = ("home@example.com", "acc-home", "user-home", "pro")
TEAM = ("team@example.com", "acc-team", "user-team", "team")


def login(root, who, gen=0):
    """Codex writing auth.json (not Keel: part of the setup)."""
    p = os.path.join(root, ".codex", "auth.json")
    with open(p, "wb") as f:
        f.write(auth_json(*who, gen=gen))
    os.chmod(p, 0o600)


def put(root, rel, data):
    p = os.path.join(root, rel)
    mkdir700(os.path.dirname(p))
    with open(p, "wb") as f:
        f.write(data)
    os.chmod(p, 0o600)


class Step:
    """One traced command, with a setup action run (untraced) before it:
    Codex logging in or refreshing tokens between Keel commands."""

    def __init__(self, args, before=None):
        self.args = args
        self.before = before


def mkdir700(path):
    os.makedirs(path, exist_ok=True)
    os.chmod(path, 0o700)    # whatever the umask


def home_only(root, keel):
    mkdir700(os.path.join(root, ".codex"))
    login(root, WORK)


def one_account(root, keel):
    home_only(root, keel)
    must(keel, root, ["save", "work"])


def two_accounts(root, keel):
    one_account(root, keel)
    login(root, HOME)
    must(keel, root, ["save", "home"])
    must(keel, root, ["use", "work"])


def export_dir(root, keel):
    home_only(root, keel)
    for name, who in (("home", HOME), ("team", TEAM), ("solo", WORK)):
        put(root, "export/%s.json" % name, auth_json(*who))
    os.chmod(os.path.join(root, "export"), 0o700)


def damaged(root, keel):
    two_accounts(root, keel)
    login(root, TEAM)
    must(keel, root, ["save", "team"])    # registry.json.bak: two accounts
    acc = os.path.join(root, ".codex", "accounts")
    with open(os.path.join(acc, "registry.json"), "r+b") as f:
        f.truncate(37)                     # a torn registry


def must(keel, root, args):
    rc, so, se = run_keel(keel, root, args)
    if rc != 0:
        raise RuntimeError("setup: keel %s exits %d: %s"
                           % (" ".join(args), rc, se.strip()))


def refresh(who, gen):
    """Codex refreshing the tokens of the same login."""
    return (who, gen)


def new_login(who):
    """Codex logging in to another account."""
    return (who, 0)


def login_argv(root, before):
    """The traced stand-in for Codex writing auth.json (codex_login.py)."""
    (email, acct, user, plan), gen = before
    here = os.path.dirname(os.path.abspath(__file__))
    return [sys.executable, "-B", os.path.join(here, "codex_login.py"),
            os.path.join(root, ".codex", "auth.json"), email, acct, user,
            plan, str(gen)]


# name -> (setup, [Step]): the crash rig's scenarios, one command each
SCENARIOS = {
    "first-save": (home_only, [Step(["save", "work"])]),
    "save-over": (one_account, [Step(["save", "home"], new_login(HOME))]),
    "save-refresh": (one_account, [Step(["save"], refresh(WORK, 1))]),
    "use-saveback": (two_accounts, [Step(["use", "home"],
                                         refresh(WORK, 1))]),
    "remove": (two_accounts, [Step(["remove", "home"])]),
    "rename": (two_accounts, [Step(["rename", "home", "house"])]),
    "import": (export_dir, [Step(["import", "export"])]),
    "config": (one_account, [Step(["config", "auto", "--enable", "--5h",
                                   "20"])]),
    "recover": (damaged, [Step(["recover"])]),
}

# sequences of 3 commands
SEQUENCES = {
    "seq-save-save-use": (home_only, [
        Step(["save", "work"]),
        Step(["save", "home"], new_login(HOME)),
        Step(["use", "work"], refresh(HOME, 1))]),
    "seq-rename-remove-save": (two_accounts, [
        Step(["rename", "work", "job"]),
        Step(["remove", "home"]),
        Step(["save", "team"], new_login(TEAM))]),
    "seq-config-use-import": (two_accounts, [
        Step(["config", "api", "--disable"]),
        Step(["use", "home"], refresh(WORK, 2)),
        Step(["import", "export"])]),
}


def seq_import_setup(root, keel):
    two_accounts(root, keel)
    put(root, "export/team.json", auth_json(*TEAM))
    os.chmod(os.path.join(root, "export"), 0o700)


SEQUENCES["seq-config-use-import"] = (seq_import_setup,
                                      SEQUENCES["seq-config-use-import"][1])

SEQUENCES["seq-use-use-use"] = (two_accounts, [
    Step(["use", "home"], refresh(WORK, 1)),
    Step(["use", "work"], refresh(HOME, 1)),
    Step(["use", "home"], refresh(WORK, 2))])
SEQUENCES["seq-remove-save-rename"] = (two_accounts, [
    Step(["remove", "work"]),
    Step(["save", "work"]),
    Step(["rename", "work", "w2"])])
SEQUENCES["seq-recover-save-config"] = (damaged, [
    Step(["recover"]),
    Step(["save", "team"], refresh(TEAM, 1)),
    Step(["config", "auto", "--disable", "--weekly", "9"])])

ALL = dict(SCENARIOS)
ALL.update(SEQUENCES)

# The negative controls run these (a small, fast set that writes every
# kind of file: snapshot, current, registry, auth.json).
SELFTEST = ["first-save", "use-saveback"]

__all__ = ["ALL", "SCENARIOS", "SEQUENCES", "SELFTEST", "keel_env"]
