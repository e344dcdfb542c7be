// End-to-end smoke test of the peer: the real `import` and `serve`
// commands on a temporary database and a free loopback port, driven over
// HTTP with the JSON Latchkey's clients send, and a software authenticator.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import Database from 'better-sqlite3';
import { SoftPasskey } from './softauthn.js';

const HERE = new URL('.', import.meta.url).pathname;
const PASSWORD = 'correct horse battery staple';
const dir = mkdtempSync(join(tmpdir(), 'latchkey-peer-'));
const dbPath = join(dir, 'peer.db');
let port;
let origin;
let server;

function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
    probe.on('error', reject);
  });
}

function run(args, { input, env } = {}) {
  const child = spawn(process.execPath, ['server.js', ...args], {
    cwd: HERE,
    env: { ...process.env, PEER_DB: dbPath, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.output = '';
  child.stdout.on('data', (text) => (child.output += text));
  child.stderr.on('data', (text) => (child.output += text));
  child.stdin.end(input ?? '');
  return child;
}

async function call(method, path, { body, token } = {}) {
  const headers = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (token) headers.cookie = `latchkey_session=${token}`;
  const res = await fetch(`http://127.0.0.1:${port}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  const setCookie = res.headers.getSetCookie().find((c) => c.startsWith('latchkey_session='));
  return {
    status: res.status,
    body: text ? JSON.parse(text) : null,
    setCookie,
    token: setCookie?.split(';')[0].split('=')[1],
  };
}

const login = (email, org, password) => call('POST', '/api/login/password', { body: { email, org, password } });
const loginStart = (account) => call('POST', '/api/login/passkey/start', { body: { account } });
const loginFinish = (ceremonyId, credential) =>
  call('POST', '/api/login/passkey/finish', { body: { ceremony_id: ceremonyId, credential } });
const registerStart = (token) => call('POST', '/api/passkeys/register/start', { token });
const registerFinish = (token, ceremonyId, credential) =>
  call('POST', '/api/passkeys/register/finish', { token, body: { ceremony_id: ceremonyId, credential } });

function assertRefused(reply, status, code) {
  assert.equal(reply.status, status, JSON.stringify(reply.body));
  assert.equal(reply.body.code, code);
  assert.equal(typeof reply.body.message, 'string');
  assert.equal(reply.setCookie, undefined, 'no session on a refusal');
}

before(async () => {
  const accounts = [
    { org: 'acme', email: 'Ada@Example.com ', display_name: 'Ada Lovelace', password: PASSWORD },
    { org: 'acme', email: 'bob@example.com', display_name: 'Bob', password: PASSWORD },
  ];
  const importer = run(['import'], { input: accounts.map((a) => JSON.stringify(a)).join('\n') + '\n' });
  const [code] = await once(importer, 'exit');
  assert.equal(code, 0, importer.output);
  assert.match(importer.output, /^imported 2 accounts/);

  port = await freePort();
  origin = `http://localhost:${port}`;
  server = run(['serve'], { env: { PORT: String(port) } });
  await new Promise((resolve, reject) => {
    server.stdout.on('data', () => server.output.includes('listening') && resolve());
    server.on('exit', () => reject(new Error(`server exited: ${server.output}`)));
  });
});

after(() => {
  if (server.exitCode === null) server.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

let ada; // Ada's password session token
let passkey; // Ada's software passkey
let counter = 0;

test('import stores argon2id hashes and normalised emails, and skips accounts that exist', async () => {
  const db = new Database(dbPath, { readonly: true });
  const rows = db.prepare('SELECT email, password_hash, user_handle FROM accounts ORDER BY email').all();
  db.close();
  assert.deepEqual(rows.map((r) => r.email), ['ada@example.com', 'bob@example.com']);
  for (const row of rows) {
    assert.match(row.password_hash, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    assert.equal(Buffer.from(row.user_handle, 'base64url').length, 16);
  }
  const again = run(['import'], {
    input: JSON.stringify({ org: 'acme', email: 'ada@example.com', display_name: 'A', password: 'x' }) + '\n',
  });
  await once(again, 'exit');
  assert.match(again.output, /^imported 0 accounts \(1 already existed/);
});

test('password sign-in refuses wrong credentials alike and opens a session', async () => {
  const wrong = await login('ada@example.com', 'acme', 'wrong password');
  assertRefused(wrong, 401, 'invalid_credentials');
  const unknown = await login('nobody@example.com', 'nosuch', PASSWORD);
  assertRefused(unknown, 401, 'invalid_credentials');
  assert.deepEqual(unknown.body, wrong.body);
  assertRefused(await call('POST', '/api/login/password', { body: { email: 'x' } }), 400, 'bad_request');

  const reply = await login(' ADA@example.com', 'Acme', PASSWORD);
  assert.equal(reply.status, 200, JSON.stringify(reply.body));
  const { authenticated_at: at, ...rest } = reply.body;
  assert.deepEqual(rest, {
    email: 'ada@example.com',
    display_name: 'Ada Lovelace',
    org: { short_name: 'acme', name: 'acme' },
    auth_method: 'password',
    totp_enabled: false,
    org_requires_2fa: false,
  });
  assert.ok(Math.abs(at - Date.now() / 1000) < 60);
  for (const attribute of ['HttpOnly', 'SameSite=Strict', 'Path=/']) {
    assert.ok(reply.setCookie.split('; ').includes(attribute), reply.setCookie);
  }
  ada = reply.token;
  assert.equal(Buffer.from(ada, 'base64url').length, 32);

  const db = new Database(dbPath, { readonly: true });
  const stored = db.prepare('SELECT token_hash FROM sessions').pluck().all();
  db.close();
  assert.ok(stored.includes(createHash('sha256').update(ada).digest('base64url')), 'the token is stored hashed');
  assert.ok(!stored.includes(ada), 'never the token itself');
});

test('GET /api/session describes the session, or answers 401', async () => {
  const reply = await call('GET', '/api/session', { token: ada });
  assert.equal(reply.status, 200);
  assert.equal(reply.body.email, 'ada@example.com');
  assert.equal(reply.body.auth_method, 'password');
  assertRefused(await call('GET', '/api/session'), 401, 'unauthenticated');
  assertRefused(await call('GET', '/api/session', { token: 'forged' }), 401, 'unauthenticated');
});

test('a passkey registers on the signed-in account', async () => {
  assertRefused(await registerStart(undefined), 401, 'unauthenticated');
  const start = await registerStart(ada);
  assert.equal(start.status, 200, JSON.stringify(start.body));
  const { publicKey } = start.body.options;
  assert.equal(typeof start.body.ceremony_id, 'string');
  assert.equal(publicKey.rp.id, 'localhost');
  assert.equal(publicKey.authenticatorSelection.residentKey, 'required');
  assert.equal(publicKey.authenticatorSelection.userVerification, 'required');
  assert.equal(publicKey.attestation, 'none');
  assert.deepEqual(publicKey.excludeCredentials, []);
  assert.equal(publicKey.user.name, 'ada@example.com');
  assert.equal(publicKey.user.displayName, 'Ada Lovelace · acme');
  assert.ok(!Buffer.from(publicKey.user.id, 'base64url').toString('latin1').includes('ada'), 'random user handle');

  const made = SoftPasskey.register(start.body.options, origin);
  const finish = await registerFinish(ada, start.body.ceremony_id, made.credential);
  assert.equal(finish.status, 200, JSON.stringify(finish.body));
  assert.equal(finish.body.name, 'Passkey');
  assert.equal(finish.body.backed_up, false);
  assert.equal(finish.body.last_used_at, null);
  passkey = made.passkey;

  // The ceremony was taken; a second finish with it is refused.
  const again = await registerFinish(ada, start.body.ceremony_id, made.credential);
  assertRefused(again, 400, 'ceremony_invalid');

  // The next registration excludes the passkey.
  const next = await registerStart(ada);
  assert.deepEqual(
    next.body.options.publicKey.excludeCredentials.map((c) => c.id),
    [made.credential.id],
  );
});

test('a registration cannot be finished by another session', async () => {
  const other = (await login('ada@example.com', 'acme', PASSWORD)).token;
  const start = await registerStart(ada);
  const { credential } = SoftPasskey.register(start.body.options, origin);
  assertRefused(await registerFinish(other, start.body.ceremony_id, credential), 400, 'ceremony_invalid');
});

test('a registration without user verification is refused', async () => {
  const start = await registerStart(ada);
  const { credential } = SoftPasskey.register(start.body.options, origin, { userVerified: false });
  assertRefused(await registerFinish(ada, start.body.ceremony_id, credential), 401, 'passkey_refused');
});

test('the passkey signs in without an email (discoverable)', async () => {
  const start = await loginStart(null);
  assert.equal(start.status, 200, JSON.stringify(start.body));
  const { publicKey } = start.body.options;
  assert.deepEqual(publicKey.allowCredentials, []);
  assert.equal(publicKey.userVerification, 'required');
  assert.equal(publicKey.rpId, 'localhost');
  assert.equal(publicKey.timeout, 300000);
  assert.equal(Buffer.from(publicKey.challenge, 'base64url').length, 32);

  const reply = await loginFinish(start.body.ceremony_id, passkey.assert(start.body.options, ++counter));
  assert.equal(reply.status, 200, JSON.stringify(reply.body));
  assert.equal(reply.body.auth_method, 'passkey');
  assert.equal(reply.body.org.short_name, 'acme');
  assert.ok(reply.token && reply.token !== ada);
  const session = await call('GET', '/api/session', { token: reply.token });
  assert.equal(session.status, 200);
  assert.equal(session.body.auth_method, 'passkey');

  // `{}` (what Latchkey's own tests send) is the same discoverable request.
  const empty = await call('POST', '/api/login/passkey/start', { body: {} });
  assert.deepEqual(empty.body.options.publicKey.allowCredentials, []);
});

test('a replayed ceremony, or a replayed assertion, is refused', async () => {
  const start = await loginStart(null);
  const assertion = passkey.assert(start.body.options, ++counter);
  assert.equal((await loginFinish(start.body.ceremony_id, assertion)).status, 200);
  // The same ceremony again: it was taken (Latchkey: 400 ceremony_invalid).
  assertRefused(await loginFinish(start.body.ceremony_id, assertion), 400, 'ceremony_invalid');
  // The same signed assertion on a new ceremony: wrong challenge.
  const fresh = await loginStart(null);
  assertRefused(await loginFinish(fresh.body.ceremony_id, assertion), 401, 'passkey_refused');
});

test('of two concurrent finishes of one ceremony, exactly one succeeds', async () => {
  const start = await loginStart(null);
  const replies = await Promise.all([
    loginFinish(start.body.ceremony_id, passkey.assert(start.body.options, ++counter)),
    loginFinish(start.body.ceremony_id, passkey.assert(start.body.options, ++counter)),
  ]);
  assert.deepEqual(replies.map((r) => r.status).sort(), [200, 400]);
});

test('an assertion without user verification is refused', async () => {
  const start = await loginStart(null);
  const assertion = passkey.assert(start.body.options, ++counter, { userVerified: false });
  assertRefused(await loginFinish(start.body.ceremony_id, assertion), 401, 'passkey_refused');
});

test('an assertion made in a cross-origin frame is refused', async () => {
  const start = await loginStart(null);
  const assertion = passkey.assert(start.body.options, ++counter, { crossOrigin: true });
  assertRefused(await loginFinish(start.body.ceremony_id, assertion), 401, 'passkey_refused');
});

test('a signature counter that does not move forward is refused', async () => {
  const start = await loginStart(null);
  assertRefused(await loginFinish(start.body.ceremony_id, passkey.assert(start.body.options, 1)), 401, 'passkey_refused');
  const next = await loginStart(null);
  assert.equal((await loginFinish(next.body.ceremony_id, passkey.assert(next.body.options, ++counter))).status, 200);
});

test('a request for one account takes only its passkeys; unknown accounts get a stable decoy', async () => {
  const own = await loginStart({ email: 'ada@example.com', org: 'acme' });
  assert.deepEqual(own.body.options.publicKey.allowCredentials.map((c) => c.id), [passkey.credentialId.toString('base64url')]);
  assert.equal((await loginFinish(own.body.ceremony_id, passkey.assert(own.body.options, ++counter))).status, 200);

  // Bob has no passkey: the answer looks the same, with a decoy credential.
  const bob = await loginStart({ email: 'bob@example.com', org: 'acme' });
  const unknown = await loginStart({ email: 'nobody@example.com', org: 'nosuch' });
  const unknownAgain = await loginStart({ email: ' Nobody@example.com', org: 'NOSUCH ' });
  assert.deepEqual(Object.keys(unknown.body.options.publicKey).sort(), Object.keys(own.body.options.publicKey).sort());
  assert.equal(bob.body.options.publicKey.allowCredentials.length, 1);
  assert.deepEqual(unknown.body.options.publicKey.allowCredentials, unknownAgain.body.options.publicKey.allowCredentials);
  assert.notDeepEqual(unknown.body.options.publicKey.allowCredentials, own.body.options.publicKey.allowCredentials);
  // Ada's passkey answering a request for Bob is refused.
  assertRefused(await loginFinish(bob.body.ceremony_id, passkey.assert(bob.body.options, ++counter)), 401, 'passkey_refused');
});

test('malformed and cross-site requests get the API error body', async () => {
  const res = await fetch(`http://127.0.0.1:${port}/api/login/passkey/finish`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{"ceremony_id":',
  });
  assert.equal(res.status, 400);
  assert.equal((await res.json()).code, 'bad_request');
  const cross = await fetch(`http://127.0.0.1:${port}/api/login/passkey/start`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: 'https://evil.example' },
    body: '{}',
  });
  assert.equal(cross.status, 403);
  assert.equal((await cross.json()).code, 'cross_site_request');
});

test('SIGTERM stops the server cleanly', async () => {
  server.kill('SIGTERM');
  const [code] = await once(server, 'exit');
  assert.equal(code, 0, server.output);
  assert.doesNotMatch(server.output, /request failed/, 'no request ended in a 500');
});
