"""Paths, environment, fixtures and state capture shared by the rig."""
import base64
import json
import os
import re
import shutil
import signal
import stat
import subprocess

HERE = os.path.dirname(os.path.abspath(__file__))
HARNESS = os.path.dirname(HERE)
ROOT = os.path.dirname(HARNESS)

KILL_INFO = 0x20000   # KEEL_FI_KILL (kernel/sys.h)
SHORT_INFO = 0x10000  # KEEL_FI_SHORT
FIXED_NOW = "1777777777.250"  # the wall clock every rig run sees
FIXED_STAMP = "20260503T030937Z"  # FIXED_NOW as keel's damaged-file stamp

POSIX_PRELOAD = "/usr/lib/fiu/fiu_posix_preload.so"

TEMP_PREFIX = ".keel-tmp."
LOCK_FILE = "registry.json.lock"


def env_path(name, default):
    v = os.environ.get(name)
    return os.path.abspath(v) if v else default


def keel_bin():
    return env_path("KEEL_BIN", os.path.join(ROOT, "build/test/keel"))


def fi_lib():
    return env_path("KEEL_FI_LIB", os.path.join(ROOT, "build/crashtest/keel_fi.so"))


def out_dir():
    return env_path("CRASH_OUT", os.path.join(ROOT, "build/crashtest"))


def work_dir():
    """Scratch states. On tmpfs by default: the kill and errno passes do
    not depend on durability (the power-loss pass does), and fsync on a
    disk would make them I/O-bound. CRASH_WORK overrides."""
    v = os.environ.get("CRASH_WORK")
    if v:
        return os.path.abspath(v)
    if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK):
        return "/dev/shm/keel-crashtest-%d" % os.getuid()
    return os.path.join(out_dir(), "work")


def state_env(root, extra=None):
    """The environment of one keel run on the state under `root`."""
    codex = os.path.join(root, "codex")
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.path.join(root, "home"),
        "LANG": "C",
        "LC_ALL": "C",
        "CODEX_AUTH_CODEX_DIR": codex,
        "CODEX_AUTH_ACCOUNTS_DIR": os.path.join(codex, "accounts"),
        "CODEX_AUTH_JSON_PATH": os.path.join(codex, "auth.json"),
        "CODEX_AUTH_CURRENT_PATH": os.path.join(codex, "current"),
        "CODEX_AUTH_SESSION_MAP_PATH": os.path.join(codex, "accounts", "sessions.json"),
        "KEEL_FI_NOW": FIXED_NOW,
        "LD_PRELOAD": fi_lib(),
    }
    if extra:
        env.update(extra)
    return env


def run_keel(root, args, extra_env=None, prefix=None, timeout=60, cwd=None):
    """Run keel with `args` on the state under root. Returns (rc, out, err);
    rc is negative for a signal, as subprocess reports it."""
    cmd = list(prefix or []) + [keel_bin()] + list(args)
    p = subprocess.run(cmd, env=state_env(root, extra_env), cwd=cwd or root,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=timeout)
    rc = p.returncode
    if rc == 128 + signal.SIGKILL or rc == 256 - signal.SIGKILL:
        rc = -signal.SIGKILL  # strace re-raises the tracee's signal
    return rc, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def fresh_root(path):
    if os.path.exists(path):
        shutil.rmtree(path)
    os.makedirs(os.path.join(path, "home"), mode=0o700)
    os.makedirs(os.path.join(path, "codex"), mode=0o700)
    os.chmod(path, 0o700)
    return path


def copy_root(src, dst):
    if os.path.exists(dst):
        shutil.rmtree(dst)
    shutil.copytree(src, dst, symlinks=True)


def capture(root):
    """The state: {relative path: (bytes, mode)} for every regular file
    under root/codex, and {relative path: mode} for directories."""
    files, dirs = {}, {}
    base = os.path.join(root, "codex")
    for d, subdirs, names in os.walk(base):
        rel_d = os.path.relpath(d, base)
        dirs[rel_d] = stat.S_IMODE(os.lstat(d).st_mode)
        for n in names:
            p = os.path.join(d, n)
            st = os.lstat(p)
            rel = os.path.normpath(os.path.join(rel_d, n))
            if stat.S_ISREG(st.st_mode):
                with open(p, "rb") as f:
                    files[rel] = (f.read(), stat.S_IMODE(st.st_mode))
            else:
                files[rel] = (None, st.st_mode)
    return files, dirs


# ---- fixtures: Codex auth.json files ------------------------------------

def _b64(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def make_auth(email, account_id, user_id, plan="plus", serial=0):
    """A Codex auth.json (Codex's layout) for this identity; `serial` changes
    the tokens only, as a token refresh does."""
    claims = {
        "iss": "https://auth.openai.com",
        "sub": "auth0|" + user_id,
        "email": email,
        "https://api.openai.com/auth": {
            "chatgpt_account_id": account_id,
            "chatgpt_user_id": user_id,
            "chatgpt_plan_type": plan,
        },
        "exp": 1999999999,
    }
    jwt = ".".join([_b64(b'{"alg":"RS256","typ":"JWT"}'),
                    _b64(json.dumps(claims).encode()),
                    "SIG-%s-%d" % (user_id, serial)])
    doc = {
        "OPENAI_API_KEY": None,
        "tokens": {
            "id_token": jwt,
            "access_token": "ACCESS-%s-%d" % (user_id, serial),
            "refresh_token": "REFRESH-%s-%d" % (user_id, serial),
            "account_id": account_id,
        },
        "last_refresh": "2026-05-01T10:00:%02d.000Z" % (serial % 60),
    }
    return (json.dumps(doc, indent=2) + "\n").encode()


def identity(tag, serial=0, plan="plus"):
    return make_auth("%s@example.com" % tag, "acc-" + tag, "user-" + tag, plan, serial)


def write_file(path, data, mode=0o600):
    os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    try:
        os.write(fd, data)
    finally:
        os.close(fd)
    os.chmod(path, mode)


# ---- step names and messages, read from the kernel's one list ------------

def kernel_steps():
    """[(enum, failpoint name, phrase)] from kernel/error.c. Only the text
    of the list is read; the checker shares no code with the kernel."""
    src = open(os.path.join(ROOT, "kernel/error.c")).read()
    names = dict(re.findall(r'case (KEEL_STEP_\w+): return "(keel/[^"]+)";', src))
    phrases = {}
    body = src[src.index("keel_step_phrase"):]
    for enum, phrase in re.findall(r'case (KEEL_STEP_\w+): return "([^"]*)";', body):
        phrases[enum] = phrase
    return [(e, n, phrases.get(e, "")) for e, n in names.items()]
