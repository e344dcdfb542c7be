// Check of provider.mjs: walks the authorization-code + PKCE flow the way an
// RP and a browser would (cookie jar, redirects by hand), plus the abort path
// and prompt=login. `node end2end/oidc/smoke.mjs`; exits non-zero on failure.
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { strict as assert } from 'node:assert';

const child = spawn(process.execPath, [new URL('./provider.mjs', import.meta.url).pathname], {
  env: { ...process.env, OIDC_EXIT_WITH_STDIN: '1' },
  stdio: ['pipe', 'pipe', 'inherit'],
});
const [line] = await once(createInterface({ input: child.stdout }), 'line');
const { issuer } = JSON.parse(line);
assert.match(issuer, /^http:\/\/localhost:\d+$/);

const REDIRECT = 'http://localhost:3000/api/sso/callback';
const b64u = (b) => Buffer.from(b).toString('base64url');
const jar = new Map();
let hops = 0;

// One request, cookies kept; returns the response without following redirects.
async function go(url, init = {}) {
  const res = await fetch(new URL(url, issuer), {
    ...init,
    redirect: 'manual',
    headers: { ...init.headers, cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') },
  });
  for (const c of res.headers.getSetCookie()) {
    const [kv] = c.split(';');
    const i = kv.indexOf('=');
    const [k, v] = [kv.slice(0, i), kv.slice(i + 1)];
    if (v && !/expires=Thu, 01 Jan 1970/i.test(c)) jar.set(k, v); else jar.delete(k);
  }
  hops += 1;
  return res;
}

// Follows redirects until one leaves the issuer (the RP's callback) or a page
// renders. Also submits oidc-provider's self-submitting forms, as a browser's
// script would: signing in as another account over an existing session goes
// through one (POST /session/end/confirm, which ends the old session first).
async function follow(res) {
  for (;;) {
    if (res.status >= 300 && res.status < 400) {
      const loc = new URL(res.headers.get('location'), issuer);
      if (loc.origin !== issuer) return { callback: loc };
      res = await go(loc);
      continue;
    }
    const html = await res.text();
    if (!html.includes('document.forms[0].submit()')) return { page: res, html };
    const action = html.match(/<form method="post" action="([^"]+)"/)[1];
    const fields = [...html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"\/>/g)];
    console.log('self-submitting form ->', new URL(action).pathname, fields.map((f) => f[1]).join(','));
    res = await go(action, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields.map((f) => [f[1], f[2]])),
    });
  }
}

function authorize(extra = {}) {
  const verifier = b64u(randomBytes(32));
  const q = new URLSearchParams({
    client_id: 'latchkey', response_type: 'code', scope: 'openid email profile',
    redirect_uri: REDIRECT, state: 's', nonce: 'n',
    code_challenge: b64u(createHash('sha256').update(verifier).digest()),
    code_challenge_method: 'S256', ...extra,
  });
  return { verifier, url: `/auth?${q}` };
}

function loginForm(html) {
  const action = html.match(/<form[^>]*action="([^"]+)"/)[1];
  const abort = html.match(/<a href="([^"]+)">\[ Cancel \]<\/a>/)[1];
  assert.match(html, /name="prompt" value="login"/);
  assert.match(html, /name="login"/);
  assert.match(html, /name="password"/);
  assert.doesNotMatch(html, /googleapis/);
  return { action, abort };
}

async function signIn(login, extra) {
  const { verifier, url } = authorize(extra);
  hops = 0;
  const first = await follow(await go(url));
  assert.equal(first.page.status, 200, 'login page expected');
  const { action } = loginForm(first.html);
  console.log('login page:', new URL(action, issuer).pathname.replace(/[^/]+$/, '{uid}'), 'POST');
  const done = await follow(await go(action, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ prompt: 'login', login, password: 'x' }),
  }));
  assert.ok(done.callback, `expected a redirect to the RP, got ${done.page?.status} ${done.html}`);
  console.log('requests from /auth to callback:', hops, 'cookies:', [...jar.keys()].join(' '));
  return { callback: done.callback, verifier };
}

async function token(code, verifier, id = 'latchkey', secret = 'latchkey-client-secret') {
  const res = await fetch(new URL('/token', issuer), {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({
      grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier,
    }),
  });
  const body = await res.json();
  assert.equal(res.status, 200, JSON.stringify(body));
  const [h, p] = body.id_token.split('.').slice(0, 2).map((s) => JSON.parse(Buffer.from(s, 'base64url')));
  return { header: h, claims: p };
}

try {
  const disco = await (await go('/.well-known/openid-configuration')).json();
  assert.equal(disco.issuer, issuer);
  console.log('discovery:', JSON.stringify({
    issuer: disco.issuer, authorization_endpoint: disco.authorization_endpoint,
    token_endpoint: disco.token_endpoint, jwks_uri: disco.jwks_uri,
    code_challenge_methods_supported: disco.code_challenge_methods_supported,
    id_token_signing_alg_values_supported: disco.id_token_signing_alg_values_supported,
  }));

  // 1. Full flow.
  const first = await signIn('Ada@example.com');
  assert.equal(first.callback.origin + first.callback.pathname, REDIRECT);
  assert.equal(first.callback.searchParams.get('state'), 's');
  const code = first.callback.searchParams.get('code');
  assert.ok(code);
  const { header, claims } = await token(code, first.verifier);
  console.log('id_token header:', JSON.stringify(header));
  console.log('id_token claims:', JSON.stringify(claims));
  assert.equal(header.alg, 'RS256');
  assert.equal(claims.iss, issuer);
  assert.equal(claims.aud, 'latchkey');
  assert.equal(claims.sub, 'ada@example.com');
  assert.equal(claims.email, 'ada@example.com');
  assert.equal(claims.email_verified, true);
  assert.equal(claims.name, 'ada');
  assert.equal(claims.nonce, 'n');
  assert.equal(typeof claims.auth_time, 'number');

  // 2. Same session again: no login page, straight back with a code.
  hops = 0;
  const again = await follow(await go(authorize().url));
  assert.ok(again.callback?.searchParams.get('code'), 'SSO session should skip the login page');
  console.log('second /auth in the same session: redirected with a code, no login page');

  // 3. PKCE is required: no code_challenge -> error at the RP.
  const noPkce = await follow(await go(authorize({ code_challenge: '', code_challenge_method: '' }).url
    .replace(/&code_challenge=&code_challenge_method=/, '')));
  console.log('without PKCE:', noPkce.callback?.searchParams.get('error'), noPkce.callback?.searchParams.get('error_description'));
  assert.equal(noPkce.callback?.searchParams.get('error'), 'invalid_request');

  // 4. prompt=login forces the login page despite the session; auth_time moves on.
  await new Promise((r) => { setTimeout(r, 1100); });
  const forced = await follow(await go(authorize({ prompt: 'login' }).url));
  assert.equal(forced.page?.status, 200, 'prompt=login must show the login page');
  loginForm(forced.html);
  const same = await signIn('ada@example.com', { prompt: 'login' });
  const c1 = (await token(same.callback.searchParams.get('code'), same.verifier)).claims;
  assert.ok(c1.auth_time > claims.auth_time, 'prompt=login must move auth_time on');
  await new Promise((r) => { setTimeout(r, 1100); });
  const re = await signIn('unverified@example.com', { prompt: 'login' });
  const c2 = (await token(re.callback.searchParams.get('code'), re.verifier)).claims;
  console.log('prompt=login re-login claims:', JSON.stringify(c2));
  assert.equal(c2.email_verified, false);
  assert.ok(c2.auth_time > c1.auth_time);

  // 5. max_age=0 also forces a login.
  const aged = await follow(await go(authorize({ max_age: '0' }).url));
  assert.equal(aged.page?.status, 200, 'max_age=0 must show the login page');
  console.log('max_age=0: login page shown');

  // 6. The code of one client is useless to the other.
  const other = await signIn('bob@example.com', { prompt: 'login' });
  const wrong = await fetch(new URL('/token', issuer), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code', code: other.callback.searchParams.get('code'),
      redirect_uri: REDIRECT, code_verifier: other.verifier,
      client_id: 'latchkey-other', client_secret: 'other-secret', // client_secret_post
    }),
  });
  console.log('code redeemed by latchkey-other:', wrong.status, (await wrong.json()).error);
  assert.equal(wrong.status, 400);

  // 7. latchkey-other gets its own ID token (aud = latchkey-other), via client_secret_post.
  {
    const { verifier, url } = authorize({ client_id: 'latchkey-other' });
    const res = await follow(await go(url));
    const c = res.callback.searchParams.get('code');
    const r = await fetch(new URL('/token', issuer), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code', code: c, redirect_uri: REDIRECT, code_verifier: verifier,
        client_id: 'latchkey-other', client_secret: 'other-secret',
      }),
    });
    const idt = JSON.parse(Buffer.from((await r.json()).id_token.split('.')[1], 'base64url'));
    console.log('latchkey-other id_token aud:', idt.aud);
    assert.equal(idt.aud, 'latchkey-other');
  }

  // 8. Abort ("[ Cancel ]") -> error=access_denied at the RP, with the state.
  {
    const res = await follow(await go(authorize({ prompt: 'login' }).url));
    const { abort } = loginForm(res.html);
    console.log('abort link:', abort.replace(/\/interaction\/[^/]+\//, '/interaction/{uid}/'));
    const back = await follow(await go(abort));
    console.log('abort ->', back.callback?.toString());
    assert.equal(back.callback?.searchParams.get('error'), 'access_denied');
    assert.equal(back.callback?.searchParams.get('state'), 's');
  }

  // 9. The login page needs the interaction cookie: without it, no redirect to the RP.
  {
    const res = await follow(await go(authorize({ prompt: 'login' }).url));
    const { action } = loginForm(res.html);
    const saved = new Map(jar);
    jar.clear();
    const r = await go(action, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ prompt: 'login', login: 'x@example.com', password: 'x' }),
    });
    console.log('login POST without cookies:', r.status);
    assert.ok(r.status >= 400);
    for (const [k, v] of saved) jar.set(k, v);
  }

  // 10. ::1 and 127.0.0.1 both answer.
  for (const host of ['127.0.0.1', '[::1]']) {
    const r = await fetch(issuer.replace('localhost', host) + '/.well-known/openid-configuration');
    assert.equal(r.status, 200, host);
  }
  console.log('reachable on 127.0.0.1 and [::1]');

  console.log('oidc smoke: 1 passed, 0 failed');
} finally {
  // Closing its stdin is what stops the provider (OIDC_EXIT_WITH_STDIN=1).
  child.stdin.end();
}
const [code] = await once(child, 'exit');
assert.equal(code, 0, 'provider should exit 0 when stdin closes');
console.log('provider exited with stdin closed');
