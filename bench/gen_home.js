// gen_home.js - write a Keel/Node-tool home for the benchmarks.
//
//   node bench/gen_home.js DIR N [full|slim] [snapshots[=K]]
//
// DIR/accounts/registry.json holds N accounts in the Node tool's exact
// format (JSON.stringify(x, null, 2) + "\n"). "full" accounts carry every
// field of DESIGN.md section 1 (about 600 bytes each); "slim" ones only
// {"name"} (so 100,000 of them fit under KEEL_REGISTRY_SIZE_MAX).
// With "snapshots", every account (or the first K) also gets
// <accounts>/<name>.json (a Codex auth.json whose id_token names it), the
// live DIR/auth.json is a copy of the first account's snapshot, and
// DIR/current names it.
'use strict';
const fs = require('fs');
const path = require('path');

const [dir, nArg, shape = 'full', snaps = ''] = process.argv.slice(2);
const n = Number(nArg);
const snapMatch = /^snapshots(?:=(\d+))?$/.exec(snaps);
if (!dir || !Number.isInteger(n) || n < 1 || !['full', 'slim'].includes(shape) ||
    (snaps !== '' && !snapMatch)) {
  process.stderr.write('usage: gen_home.js DIR N [full|slim] [snapshots[=K]]\n');
  process.exit(2);
}
const acc = path.join(dir, 'accounts');
fs.mkdirSync(acc, { recursive: true, mode: 0o700 });
fs.chmodSync(dir, 0o700);
fs.chmodSync(acc, 0o700);

const name = (i) => 'acct' + String(i).padStart(6, '0');
const b64url = (s) => Buffer.from(s).toString('base64url');

function account(i) {
  const nm = name(i);
  if (shape === 'slim') return { name: nm };
  return {
    name: nm,
    email: nm + '@example.com',
    accountId: 'acc-' + i,
    userId: 'user-' + i,
    planType: i % 3 ? 'plus' : 'pro',
    createdAt: '2026-05-01T10:00:00.000Z',
    lastUsageAt: '2026-05-02T08:00:00.000Z',
    lastUsage: {
      primary: { usedPercent: (i % 1000) / 10, windowMinutes: 300, resetsAt: 1777777777 + i },
      secondary: { usedPercent: 7, windowMinutes: 10080, resetsAt: 1778000000 },
      planType: 'plus',
      fetchedAt: '2026-05-02T08:00:00.000Z',
      source: 'api',
    },
  };
}

const reg = {
  version: 1,
  autoSwitch: { enabled: false, threshold5hPercent: 10, thresholdWeeklyPercent: 5 },
  api: { usage: true },
  activeAccountName: name(0),
  accounts: {},
};
for (let i = 0; i < n; i++) reg.accounts[name(i)] = account(i);
const write = (p, s) => fs.writeFileSync(p, s, { mode: 0o600 });
write(path.join(acc, 'registry.json'), JSON.stringify(reg, null, 2) + '\n');

function auth(i) {
  const nm = name(i);
  const hdr = b64url(JSON.stringify({ alg: 'RS256', typ: 'JWT' }));
  const payload = b64url(JSON.stringify({
    iss: 'https://auth.openai.com', sub: 'auth0|user-' + i, email: nm + '@example.com',
    'https://api.openai.com/auth': {
      chatgpt_account_id: 'acc-' + i, chatgpt_user_id: 'user-' + i, chatgpt_plan_type: 'plus',
    },
    exp: 1999999999,
  }));
  return JSON.stringify({
    OPENAI_API_KEY: null,
    tokens: {
      id_token: hdr + '.' + payload + '.sig' + i,
      access_token: 'access-' + i,
      refresh_token: 'refresh-' + i,
      account_id: 'acc-' + i,
    },
    last_refresh: '2026-05-01T10:00:00.000Z',
  }, null, 2) + '\n';
}

if (snapMatch) {
  const k = snapMatch[1] === undefined ? n : Math.min(n, Number(snapMatch[1]));
  for (let i = 0; i < k; i++) write(path.join(acc, name(i) + '.json'), auth(i));
  write(path.join(dir, 'auth.json'), auth(0));
  write(path.join(dir, 'current'), name(0) + '\n');
}
