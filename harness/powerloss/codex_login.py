"""codex_login.py AUTH_PATH EMAIL ACCOUNT_ID USER_ID PLAN GEN - stand-in
for Codex writing auth.json between two Keel commands (a login, or a token
refresh when GEN changes): a durable atomic replace, traced like a Keel
command so the timeline knows the file changed and when that was durable.
"""
import os
import sys

from workloads import auth_json


def main(path, email, acct, user, plan, gen):
    d, base = os.path.split(path)
    tmp = os.path.join(d, ".codex-login.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.write(fd, auth_json(email, acct, user, plan, int(gen)))
    os.fchmod(fd, 0o600)
    os.fsync(fd)
    os.close(fd)
    os.rename(tmp, path)
    dfd = os.open(d, os.O_RDONLY | os.O_DIRECTORY)
    os.fsync(dfd)
    os.close(dfd)


if __name__ == "__main__":
    main(*sys.argv[1:])
