"""G6, no two writers at once: a writer paused while it holds the lock
(SIGSTOP at its first temp-file create), whose interop lock file looks
stale by age to a second writer (its clock an hour later), must still
keep the second writer out: Keel reaps an interop file only while holding
the flock guard, so the second writer times out (exit 6) instead of
reaping a live holder's file. Then the first finishes normally."""
import os
import signal
import subprocess
import time

from . import checker
from .common import FIXED_NOW, capture, fresh_root, identity, keel_bin, state_env, write_file

STOP_INFO = 0x40000


def run(root):
    bad = []
    fresh_root(root)
    write_file(os.path.join(root, "codex", "auth.json"), identity("work"))
    env = state_env(root)
    if subprocess.run([keel_bin(), "save", "work"], env=env, stdout=subprocess.DEVNULL,
                      stderr=subprocess.DEVNULL).returncode != 0:
        return ["mutex: setup failed"], 0
    a_env = state_env(root, {"KEEL_FI": "keel/atomic/open_temp:1:%d" % STOP_INFO})
    write_file(os.path.join(root, "codex", "auth.json"), identity("home"))
    a = subprocess.Popen([keel_bin(), "save", "home"], env=a_env,
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    # Wait until A has stopped, holding the lock.
    for _ in range(500):
        try:
            with open("/proc/%d/stat" % a.pid) as f:
                if f.read().split(")")[-1].split()[0] == "T":
                    break
        except OSError:
            pass
        time.sleep(0.01)
    else:
        a.kill()
        return ["mutex: the first writer never reached its stop"], 1
    later = "%.3f" % (float(FIXED_NOW) + 3600)
    b_env = state_env(root, {"KEEL_FI_NOW": later})
    b = subprocess.run([keel_bin(), "--wait", "1", "config", "auto", "--enable"],
                       env=b_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if b.returncode != 6:
        bad.append("G6: a second writer got the lock (exit %d) while the first "
                   "held it (paused with a lock file that looked stale): two "
                   "writers at once" % b.returncode)
    os.kill(a.pid, signal.SIGCONT)
    arc = a.wait(timeout=60)
    if arc != 0:
        bad.append("mutex: the paused writer failed after resuming (%d): %s"
                   % (arc, a.stderr.read().decode(errors="replace").strip()[:200]))
    st, _ = capture(root)
    reg = st.get(checker.REG)
    obj = checker.registry_object(reg[0]) if reg else None
    if not obj or "home" not in obj.get("accounts", {}):
        bad.append("G4: the paused writer's acknowledged save is missing")
    return bad, 1
