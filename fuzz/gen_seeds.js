#!/usr/bin/env node
// gen_seeds.js - regenerate fuzz/seeds/<target>/ (run: node fuzz/gen_seeds.js).
//
// Valid registries are written exactly as the Node tool writes them,
// JSON.stringify(x, null, 2) + "\n", so the seeds are what users have on
// disk. Rejection cases mirror tests/unit/test_codec.c. Deterministic: the
// same script writes the same files, so seeds diff cleanly.
'use strict';
const fs = require('fs');
const path = require('path');

const root = path.join(__dirname, 'seeds');
const fmt = (x) => JSON.stringify(x, null, 2) + '\n';

function write(target, name, data) {
  const dir = path.join(root, target);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, name), data);
}

// ---- valid registries -------------------------------------------------------

function account(name, i) {
  const a = {
    name,
    email: `${name}@example.com`,
    accountId: `acc-${100 + i}`,
    userId: `user-${200 + i}`,
    planType: ['plus', 'pro', 'team', 'free'][i % 4],
    createdAt: new Date(Date.UTC(2026, 4, 1, 10, i % 60)).toISOString(),
  };
  if (i % 3 !== 2) {
    a.lastUsageAt = '2026-05-02T08:00:00.000Z';
    a.lastUsage = {
      primary: { usedPercent: (i * 7.25) % 100, windowMinutes: 300, resetsAt: 1777777777 + i },
      secondary: { usedPercent: i % 2 ? 7 : 0.1 + i, windowMinutes: 10080, resetsAt: 1778000000 },
      planType: a.planType,
      fetchedAt: '2026-05-02T08:00:00.000Z',
      source: i % 2 ? 'api' : 'cache',
    };
  }
  return a;
}

function registry(names, extra) {
  const r = {
    version: 1,
    autoSwitch: { enabled: false, threshold5hPercent: 10, thresholdWeeklyPercent: 5 },
    api: { usage: true },
  };
  if (names.length) r.activeAccountName = names[0];
  r.accounts = {};
  names.forEach((n, i) => { r.accounts[n] = account(n, i); });
  return Object.assign(r, extra || {});
}

const names = (n, p) => Array.from({ length: n }, (_, i) => `${p || 'acct'}${i}`);

const valid = {
  'new.json': fmt({
    version: 1,
    autoSwitch: { enabled: false, threshold5hPercent: 10, thresholdWeeklyPercent: 5 },
    api: { usage: true },
    accounts: {},
  }),
  'one.json': fmt(registry(['work'])),
  'two.json': fmt(registry(['work', 'home'])),
  'five.json': fmt(registry(['b', 'a', 'me@example.com', 'x+y', 'a-b_c.d'])),
  'twenty.json': fmt(registry(names(20))),
  'hundred.json': fmt(registry(names(100, 'u'))),
  'index-like-names.json': fmt(registry(['10', '2', '0', 'a', '1'])),
  'no-active.json': fmt(Object.assign(registry(['work']), { activeAccountName: undefined })),
  'active-null.json': fmt(Object.assign(registry(['work']), { activeAccountName: null })),
  'active-dangling.json': fmt(Object.assign(registry(['work']), { activeAccountName: 'gone' })),
  'name-64.json': fmt(registry(['a'.repeat(64)])),
  'unknown-fields.json': fmt({
    version: 1,
    futureTop: { nested: [1, 'two', { three: null }], empty: {}, none: [] },
    autoSwitch: { enabled: true, threshold5hPercent: 10, thresholdWeeklyPercent: 5, mode: 'smart' },
    api: { usage: false, endpoint: 'https://example.com/api?q=1&r=\u00e9' },
    activeAccountName: 'team-a',
    accounts: {
      'team-a': Object.assign(account('team-a', 1), { tags: ['x', 'y'], '7': 'index key', extra: { deep: [true, false, null] } }),
      solo: { name: 'solo' },
    },
    '3': 'top index key',
  }),
  'numbers.json': fmt(registry(['n'], {
    accounts: { n: { name: 'n', lastUsage: { primary: { usedPercent: 99.99999999999999, windowMinutes: 1e-7, resetsAt: 123456789012345680000 } },
      numbers: [0, -0, 42.5, 1e21, 1e-7, 0.000001, 5e-324, 1.7976931348623157e308, -1.5, 0.1 + 0.2, 2 ** 53, 2 ** 53 + 2, 1 / 3] } },
    activeAccountName: 'n',
  })),
  'strings.json': fmt(registry(['s'], {
    accounts: { s: { name: 's', email: 'quote" back\\ slash/ tab\t nl\n cr\r bell\u0007 del\u007f',
      planType: '\u00e9\u4e2d\u{1F600}\u2028\u2029', note: '\u001f\u0001 <script>' } },
    activeAccountName: 's',
  })),
  'mistyped.json': fmt(registry(['m'], {
    accounts: { m: { name: 'm', email: 5, accountId: null, lastUsage: { primary: 'x', secondary: { usedPercent: 'a' } }, lastUsageAt: [] } },
    autoSwitch: { enabled: 'yes', threshold5hPercent: null },
    api: [],
  })),
  'minimal.json': fmt({ version: 1, accounts: { a: { name: 'a' } } }),
  'version-only.json': fmt({ version: 1 }),
};

// compact and odd-but-valid spellings of the same data (still strict JSON)
valid['compact.json'] = JSON.stringify(registry(['work', 'home']));
valid['crlf-tabs.json'] = fmt(registry(['work'])).replace(/\n/g, '\r\n').replace(/  /g, '\t');
valid['number-forms.json'] = '{"version":1.0,"accounts":{"a":{"name":"a","lastUsage":{"primary":{"usedPercent":4.20e1,"windowMinutes":3E2,"resetsAt":-0.0}}}}}\n';
valid['escapes.json'] = '{"version":1,"accounts":{"\\u0061":{"name":"\\u0061","email":"\\ud83d\\ude00\\/\\b\\f\\n\\r\\t\\"\\\\"}}}';

// ---- rejection cases (each must be refused) --------------------------------

const good = fmt(registry(['work']));
const reject = {
  'empty': '',
  'ws-only': ' \n\t\r',
  'leading-zero': '{"version":01,"accounts":{}}',
  'trailing-dot': '{"version":1.,"accounts":{}}',
  'leading-dot': '{"version":-.5,"accounts":{}}',
  'plus-sign': '{"version":+1,"accounts":{}}',
  'hex': '{"version":0x1,"accounts":{}}',
  'bad-escape': '{"version":1,"accounts":{},"x":"\\q"}',
  'bad-unicode-escape': '{"version":1,"accounts":{},"x":"\\uqqqq"}',
  'escaped-nul': '{"version":1,"accounts":{},"x":"a\\u0000b"}',
  'escaped-nul-key': '{"version":1,"accounts":{},"admin\\u0000x":1}',
  'lone-high-surrogate': '{"version":1,"accounts":{},"x":"\\ud800"}',
  'lone-low-surrogate': '{"version":1,"accounts":{},"x":"\\udc00"}',
  'misordered-surrogates': '{"version":1,"accounts":{},"x":"\\udc00\\ud800"}',
  'high-then-char': '{"version":1,"accounts":{},"x":"\\ud800x"}',
  'dup-top-key': '{"version":1,"accounts":{},"version":1}',
  'dup-account': '{"version":1,"accounts":{"a":{"name":"a"},"a":{"name":"a"}}}',
  'dup-nested-key': '{"version":1,"accounts":{"a":{"name":"a","email":"x","email":"y"}}}',
  'dup-in-array-elem': '{"version":1,"accounts":{},"x":[{"k":1,"k":2}]}',
  'case-dup-ok-but-name-case': '{"version":1,"accounts":{"A":{"name":"a"}}}',
  'bom': '\ufeff' + good,
  'nul-byte': good.slice(0, 10) + '\0' + good.slice(10),
  'raw-control-in-string': '{"version":1,"accounts":{},"x":"a\u0001b"}',
  'raw-newline-in-string': '{"version":1,"accounts":{},"x":"a\nb"}',
  'vertical-tab-ws': '{"version":1,\u000b"accounts":{}}',
  'formfeed-ws': '{"version":1,\f"accounts":{}}',
  'overflow': '{"version":1,"accounts":{},"x":1e400}',
  'underflow': '{"version":1,"accounts":{},"x":1e-400}',
  'neg-overflow': '{"version":1,"accounts":{},"x":-1e309}',
  'long-number': '{"version":1,"accounts":{},"x":' + '1'.repeat(600) + '}',
  'deep-65': '{"version":1,"accounts":{},"x":' + '['.repeat(64) + ']'.repeat(64) + '}',
  'deep-1001': '['.repeat(1001) + ']'.repeat(1001),
  'deep-unclosed': '{"x":' + '{"a":'.repeat(200),
  'long-string': '{"version":1,"accounts":{},"x":"' + 'a'.repeat(65537) + '"}',
  'trailing-garbage': good + 'x',
  'trailing-second-value': good + '{}',
  'trailing-comma': '{"version":1,"accounts":{},}',
  'trailing-comma-array': '{"version":1,"accounts":{},"x":[1,]}',
  'single-quotes': "{'version':1}",
  'unquoted-key': '{version:1}',
  'comment': '{"version":1 /* c */,"accounts":{}}',
  'nan': '{"version":1,"accounts":{},"x":NaN}',
  'infinity': '{"version":1,"accounts":{},"x":Infinity}',
  'truncated': good.slice(0, good.length / 2),
  'unterminated-string': '{"version":1,"accounts":{},"x":"abc',
  'top-array': '[1,2]',
  'top-string': '"registry"',
  'top-null': 'null',
  'version-2': '{"version":2,"accounts":{}}',
  'version-string': '{"version":"1","accounts":{}}',
  'no-version': '{"accounts":{}}',
  'accounts-array': '{"version":1,"accounts":[]}',
  'account-not-object': '{"version":1,"accounts":{"a":"a"}}',
  'key-not-name': '{"version":1,"accounts":{"a":{"name":"b"}}}',
  'missing-name': '{"version":1,"accounts":{"a":{"email":"x"}}}',
  'name-not-string': '{"version":1,"accounts":{"a":{"name":1}}}',
  'name-path': '{"version":1,"accounts":{"../x":{"name":"../x"}}}',
  'name-slash': '{"version":1,"accounts":{"a/b":{"name":"a/b"}}}',
  'name-dot': '{"version":1,"accounts":{".":{"name":"."}}}',
  'name-dotdot': '{"version":1,"accounts":{"..":{"name":".."}}}',
  'name-leading-dash': '{"version":1,"accounts":{"-a":{"name":"-a"}}}',
  'name-empty': '{"version":1,"accounts":{"":{"name":""}}}',
  'name-65': '{"version":1,"accounts":{"' + 'a'.repeat(65) + '":{"name":"' + 'a'.repeat(65) + '"}}}',
  'name-space': '{"version":1,"accounts":{"a b":{"name":"a b"}}}',
  'name-unicode': '{"version":1,"accounts":{"\u00e9":{"name":"\u00e9"}}}',
};
// invalid UTF-8 needs raw bytes
const bin = (pre, bytes, post) => Buffer.concat([Buffer.from(pre), Buffer.from(bytes), Buffer.from(post)]);
const rejectBin = {
  'utf8-overlong': bin('{"version":1,"accounts":{},"x":"', [0xc0, 0xaf], '"}'),
  'utf8-overlong3': bin('{"version":1,"accounts":{},"x":"', [0xe0, 0x80, 0xaf], '"}'),
  'utf8-surrogate': bin('{"version":1,"accounts":{},"x":"', [0xed, 0xa0, 0x80], '"}'),
  'utf8-too-big': bin('{"version":1,"accounts":{},"x":"', [0xf4, 0x90, 0x80, 0x80], '"}'),
  'utf8-truncated': bin('{"version":1,"accounts":{},"x":"', [0xe2, 0x82], '"}'),
  'utf8-lone-cont': bin('{"version":1,"accounts":{},"x":"', [0x80], '"}'),
  'utf8-ff': bin('{"version":1,"accounts":{},"x":"', [0xff], '"}'),
  'utf8-in-key': bin('{"version":1,"accounts":{},"', [0xc3, 0x28], '":1}'),
  'utf8-bare-ws': bin('{"version":1,', [0xa0], '"accounts":{}}'),
};

for (const [n, d] of Object.entries(valid)) {
  write('decode', 'valid-' + n, d);
  write('roundtrip', 'valid-' + n, d);
  write('writepath', 'valid-' + n, d);
}
for (const [n, d] of Object.entries(reject)) write('decode', 'reject-' + n, d);
for (const [n, d] of Object.entries(rejectBin)) write('decode', 'reject-' + n, d);
for (const n of ['empty', 'leading-zero', 'dup-account', 'bom', 'escaped-nul', 'lone-high-surrogate', 'deep-65', 'truncated', 'version-2', 'key-not-name', 'name-path', 'trailing-garbage'])
  write('writepath', 'reject-' + n, reject[n]);
write('writepath', 'reject-utf8-overlong', rejectBin['utf8-overlong']);

// roundtrip edit scripts: registry NUL opcodes (see fuzz_roundtrip.c)
const script = (reg, bytes) => Buffer.concat([Buffer.from(reg), Buffer.from([0]), Buffer.from(bytes)]);
write('roundtrip', 'edit-add-remove', script(valid['two.json'], [0, 2, 1, 1, 0x80, 0, 0, 0x81, 1, 1, 1]));
write('roundtrip', 'edit-rename', script(valid['five.json'], [2, 0x80, 5, 2, 0x81, 0x82, 2, 1, 7]));
write('roundtrip', 'edit-strings', script(valid['one.json'], [3, 0x80, 0, 1, 5, 0x41, 0xc3, 0xa9, 0x0a, 0x22, 3, 0x80, 3, 1, 3, 0xff, 0x01, 0x7f]));
write('roundtrip', 'edit-usage', script(valid['one.json'], [4, 0x80, 1, 1, 0x9a, 0x99, 0x99, 0x99, 0x99, 0x99, 0xb9, 0x3f, 0, 5, 0, 0, 1, 2, 1, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 3, 0x61, 0x70, 0x69, 1, 0x62]));
write('roundtrip', 'edit-active-globals', script(valid['two.json'], [5, 0x81, 1, 5, 0x80, 0, 6, 0, 1, 0, 20, 0, 0, 0, 30, 0, 1, 7, 0]));
write('roundtrip', 'edit-new', script('', [0, 2, 1, 0, 3, 0, 4, 0x80, 0, 1, 7, 0x80]));

// ---- merge: base NUL mine NUL fresh -----------------------------------------

const R = (names2, extra) => fmt(registry(names2, extra));
const triple = (b, m, f) => Buffer.concat([Buffer.from(b), Buffer.from([0]), Buffer.from(m), Buffer.from([0]), Buffer.from(f)]);
const two = R(['work', 'home']);
const withEmail = (r, n, e) => { const x = JSON.parse(r); x.accounts[n].email = e; return fmt(x); };
const without = (r, n) => { const x = JSON.parse(r); delete x.accounts[n]; if (x.activeAccountName === n) delete x.activeAccountName; return fmt(x); };
const withAcct = (r, n) => { const x = JSON.parse(r); x.accounts[n] = account(n, 9); return fmt(x); };
const withActive = (r, n) => { const x = JSON.parse(r); x.activeAccountName = n; return fmt(x); };
const withAuto = (r, v) => { const x = JSON.parse(r); x.autoSwitch.threshold5hPercent = v; return fmt(x); };
write('merge', 'same', triple(two, two, two));
write('merge', 'mine-adds', triple(two, withAcct(two, 'new'), two));
write('merge', 'fresh-adds', triple(two, two, withAcct(two, 'other')));
write('merge', 'both-add-different', triple(two, withAcct(two, 'x'), withAcct(two, 'y')));
write('merge', 'both-add-same', triple(two, withAcct(two, 'x'), withAcct(withEmail(two, 'work', 'f@x'), 'x')));
write('merge', 'mine-deletes-fresh-edits', triple(two, without(two, 'home'), withEmail(two, 'home', 'new@x')));
write('merge', 'fresh-deletes-mine-edits', triple(two, withEmail(two, 'home', 'new@x'), without(two, 'home')));
write('merge', 'disjoint-fields', triple(two, withEmail(two, 'work', 'm@x'), withAuto(withEmail(two, 'home', 'f@x'), 50)));
write('merge', 'same-field-conflict', triple(two, withEmail(two, 'work', 'm@x'), withEmail(two, 'work', 'f@x')));
write('merge', 'active-to-deleted', triple(two, withActive(two, 'home'), without(two, 'home')));
write('merge', 'globals', triple(two, withAuto(two, 20), withActive(two, 'home')));
write('merge', 'unknown-fields', triple(valid['unknown-fields.json'], valid['unknown-fields.json'].replace('"smart"', '"eager"'), valid['unknown-fields.json'].replace('"x"', '"z"')));
write('merge', 'from-empty', triple('', R(['a']), R(['b'])));
write('merge', 'many', triple(valid['twenty.json'], without(withAcct(valid['twenty.json'], 'zz'), 'acct3'), withEmail(without(valid['twenty.json'], 'acct7'), 'acct3', 'e@x')));
write('merge', 'two-parts', Buffer.concat([Buffer.from(two), Buffer.from([0]), Buffer.from(withAcct(two, 'n'))]));
write('merge', 'one-part', two);
write('merge', 'mistyped', triple(two, valid['mistyped.json'], two));

// ---- claims: auth.json files with JWTs --------------------------------------

const b64u = (s) => Buffer.from(s).toString('base64').replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
const jwt = (payload) => b64u(JSON.stringify({ alg: 'RS256', typ: 'JWT' })) + '.' +
  (typeof payload === 'string' ? payload : b64u(JSON.stringify(payload))) + '.c2lnbmF0dXJl';
const auth = (idt, extra) => JSON.stringify(Object.assign({
  OPENAI_API_KEY: null,
  tokens: { id_token: idt, access_token: 'eyJhY2Nlc3MiOiJ0b2tlbiJ9.e30.sig', refresh_token: 'rt_0123456789abcdef', account_id: 'acc-123' },
  last_refresh: '2026-05-01T10:00:00.000Z',
}, extra || {}), null, 2) + '\n';
const full = { email: 'me@example.com', sub: 'auth0|abc', 'https://api.openai.com/auth': { chatgpt_account_id: 'acc-123', chatgpt_user_id: 'user-456', chatgpt_plan_type: 'plus' } };
write('claims', 'full', auth(jwt(full)));
write('claims', 'email-only', auth(jwt({ email: 'Me@Example.com' })));
write('claims', 'sub-only', auth(jwt({ sub: 'user-1' }), { tokens: { id_token: jwt({ sub: 'user-1' }) } }));
write('claims', 'user-id', auth(jwt({ user_id: 'u-9', email: 'x@y' })));
write('claims', 'api-key', JSON.stringify({ OPENAI_API_KEY: 'sk-proj-0123456789' }, null, 2));
write('claims', 'api-key-empty', JSON.stringify({ OPENAI_API_KEY: '' }));
write('claims', 'no-tokens', '{}');
write('claims', 'tokens-not-object', '{"tokens":"x"}');
write('claims', 'id-token-not-string', '{"tokens":{"id_token":5}}');
write('claims', 'jwt-two-parts', auth('abc.' + b64u('{"email":"a@b"}')));
write('claims', 'jwt-payload-not-json', auth(jwt(b64u('not json'))));
write('claims', 'jwt-payload-array', auth(jwt(b64u('[1,2]'))));
write('claims', 'jwt-bad-base64', auth(jwt('!!!!')));
write('claims', 'jwt-padded', auth(jwt(Buffer.from(JSON.stringify(full)).toString('base64'))));
write('claims', 'jwt-long-email', auth(jwt({ email: 'a'.repeat(300) + '@x' })));
write('claims', 'jwt-email-255', auth(jwt({ email: 'a'.repeat(253) + '@x' })));
write('claims', 'jwt-email-256', auth(jwt({ email: 'a'.repeat(254) + '@x' })));
write('claims', 'jwt-auth-not-object', auth(jwt({ email: 'a@b', 'https://api.openai.com/auth': 'x' })));
write('claims', 'jwt-mistyped', auth(jwt({ email: 5, sub: null, 'https://api.openai.com/auth': { chatgpt_account_id: [] } })));
write('claims', 'jwt-unicode', auth(jwt({ email: '\u00e9@\u4e2d.cn' })));
write('claims', 'jwt-escaped-nul', auth(jwt(b64u('{"email":"a\\u0000b@x"}'))));
write('claims', 'bare-jwt', jwt(full));
write('claims', 'not-json', 'hello');
write('claims', 'empty', '');
write('claims', 'top-array', '[]');
write('claims', 'trailing', auth(jwt(full)) + 'x');
write('claims', 'dup-keys', '{"tokens":{"id_token":"' + jwt({ email: 'a@b' }) + '"},"tokens":{}}');
write('claims', 'deep', '{"tokens":' + '['.repeat(1200) + ']'.repeat(1200) + '}');

// ---- lock payloads ----------------------------------------------------------

const lp = {
  'node': '{"pid":12345,"at":"2026-05-01T10:00:00.000Z"}',
  'no-ms': '{"pid":1,"at":"2026-05-01T10:00:00Z"}',
  'spaced': '{ "pid": 42, "at": "1970-01-01T00:00:00.000Z" }\n',
  'reordered': '{"at":"2026-12-31T23:59:59.999Z","pid":7}',
  'pid-only': '{"pid":99}',
  'at-only': '{"at":"2026-05-01T10:00:00.000Z"}',
  'pid-string': '{"pid":"12","at":"2026-05-01T10:00:00.000Z"}',
  'pid-negative': '{"pid":-5,"at":"2026-05-01T10:00:00.000Z"}',
  'pid-huge': '{"pid":99999999999999999999999,"at":"2026-05-01T10:00:00.000Z"}',
  'pid-float': '{"pid":1.5e3,"at":"2026-05-01T10:00:00.000Z"}',
  'bad-date': '{"pid":1,"at":"2026-13-45T25:61:61.000Z"}',
  'feb-29': '{"pid":1,"at":"2024-02-29T12:00:00.000Z"}',
  'year-9999': '{"pid":1,"at":"9999-12-31T23:59:59.999Z"}',
  'offset-tz': '{"pid":1,"at":"2026-05-01T10:00:00+02:00"}',
  'empty': '',
  'garbage': '\x00\xff{{{"pid"',
  'plain-pid': '12345\n',
  'long': '{"pid":1,"at":"2026-05-01T10:00:00.000Z","pad":"' + 'x'.repeat(300) + '"}',
};
for (const [n, d] of Object.entries(lp)) write('lockpayload', n, d);

// ---- write path: recovery cases (registry NUL backup) -------------------------

const pair = (a, b) => Buffer.concat([Buffer.from(a), Buffer.from([0]), Buffer.from(b)]);
const broken = '{"version":1,"accounts":{}';
write('writepath', 'recover-good-backup', pair(broken, valid['two.json']));
write('writepath', 'recover-bad-backup', pair(broken, broken));
write('writepath', 'recover-empty-both', pair('', ''));
write('writepath', 'recover-missing-registry-bad', pair(reject['dup-account'], valid['one.json']));

// ---- faults: 5 header bytes, then registry [NUL backup] ----------------------
// h[0] step (enum keel_step, kernel/error.h: KEEL_STEP_COUNT is 28 today;
// the target takes it modulo the count), h[1] injected value (index into
// its table: 0 EIO, 1 ENOSPC, 3 EINTR, 11 ENOENT, 12 EEXIST, 15 short
// write), h[2] first failing hit | (hits - 1) << 4, h[3] operation |
// temps << 3 | guard << 5 | absent << 6, h[4] interop file (0 none).
// See fuzz/fuzz_faults.c.

const STEPS = 28;
const OPS = 8;
const fhdr = (step, info, when, op, lockf) => Buffer.from([step, info, when, op, lockf]);
const fseed = (h, reg, bak) => bak === undefined
  ? Buffer.concat([h, Buffer.from(reg)])
  : Buffer.concat([h, Buffer.from(reg), Buffer.from([0]), Buffer.from(bak)]);
const small = valid['two.json'];
// every step under every operation: EIO on the first hit
for (let s = 0; s < STEPS; s++) {
  for (let op = 0; op < OPS; op++) {
    const bak = op === 4 ? small : undefined;
    const reg = op === 4 ? broken : small;
    write('faults', `s${s}-op${op}-eio`, fseed(fhdr(s, 0, 0, op | (1 << 3), 0), reg, bak));
  }
  // short writes, later hits, repeated EINTR, implausible errnos
  write('faults', `s${s}-commit-short`, fseed(fhdr(s, 15, 0, 0, 0), small));
  write('faults', `s${s}-commit-hit2`, fseed(fhdr(s, 1, 1, 0, 0), small));
  write('faults', `s${s}-commit-eintr-all`, fseed(fhdr(s, 3, 0xf0, 0, 0), small));
  write('faults', `s${s}-commit-enoent`, fseed(fhdr(s, 11, 0, 0, 0), small));
  write('faults', `s${s}-commit-eexist`, fseed(fhdr(s, 12, 0, 0, 0), small));
  // with a stale interop file to read and reap, and temps to sweep
  write('faults', `s${s}-commit-stale-lock`, fseed(fhdr(s, 0, 0, 0 | (2 << 3), 1), small));
}
// interop payloads: pid kinds x at kinds, compact/spaced, trailing junk
for (let p = 0; p < 8; p++) {
  for (let a = 0; a < 4; a++) {
    write('faults', `lockfile-p${p}-a${a}`, fseed(fhdr(0, 0, 0, 5, 0x80 | p | (a << 3) | ((p & 1) << 5) | ((a & 1) << 6)), small));
  }
}
write('faults', 'guard-held', fseed(fhdr(0, 0, 0, 0 | (1 << 5), 0), small));
write('faults', 'absent-commit', fseed(fhdr(0, 0, 0, 0 | (1 << 6), 0), ''));
write('faults', 'absent-commit-fault', fseed(fhdr(7, 0, 0, 0 | (1 << 6), 0), ''));
write('faults', 'corrupt-commit', fseed(fhdr(0, 0, 0, 0, 0), broken));
write('faults', 'large-commit-short', fseed(fhdr(3, 15, 0x30, 0, 0), valid['hundred.json'] || small));
// registry.json as a symlink / a directory, recover without a backup or
// without a registry, the aside name taken, a lock wait, EINTR on reading a
// stale interop file
for (const op of [0, 3, 4, 5, 7]) {
  write('faults', `symlink-op${op}`, fseed(fhdr(0, 0, 0, op | (2 << 6), 0), small));
  write('faults', `symlink-op${op}-enoent`, fseed(fhdr(20, 11, 0, op | (2 << 6), 0), small));
  write('faults', `dir-op${op}`, fseed(fhdr(0, 0, 0, op | (3 << 6), 0), small));
  write('faults', `dir-op${op}-enoent`, fseed(fhdr(20, 11, 0, op | (3 << 6), 0), small));
}
write('faults', 'recover-no-backup', fseed(fhdr(0, 0, 0, 4, 0), broken));
write('faults', 'recover-absent-good-backup', fseed(fhdr(0, 0, 0, 4 | (1 << 6), 0), '', small));
write('faults', 'recover-aside-eexist', fseed(fhdr(27, 12, 0, 4, 0), broken, small));
write('faults', 'recover-aside-eexist-all', fseed(fhdr(27, 12, 0xf0, 4, 0), broken, small));
write('faults', 'live-holder-wait', fseed(fhdr(0, 0, 0, 0, 0x80 | 2), small));
write('faults', 'guard-held-wait', fseed(fhdr(0, 0, 0, 0 | (1 << 5), 0x80), small));
for (const n of [0x00, 0x20, 0xf0]) {
  write('faults', `stale-lock-read-eintr-${n}`, fseed(fhdr(14, 3, n, 0, 1), small));
  write('faults', `stale-lock-read-eio-${n}`, fseed(fhdr(14, 0, n | 1, 0, 1), small));
}
// a no-op commit: canonical bytes stay untouched, a non-canonical file is
// rewritten canonically, an absent registry stays absent
write('faults', 'nochange-canonical', fseed(fhdr(0, 0, 0, 1, 0), small));
write('faults', 'nochange-noncanonical', fseed(fhdr(0, 0, 0, 1, 0), valid['compact.json']));
write('faults', 'nochange-noncanonical-fsync', fseed(fhdr(5, 0, 0, 1, 0), valid['compact.json']));
write('faults', 'nochange-absent', fseed(fhdr(0, 0, 0, 1 | (1 << 6), 0), ''));
