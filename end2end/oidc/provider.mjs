// A real OpenID Provider (oidc-provider, a certified implementation) for the
// SSO tests: `node end2end/oidc/provider.mjs`.
//
// Contract (the Rust tests and Playwright rely on it):
// - OIDC_PORT (default 0 = any free port); served on 127.0.0.1 and ::1, so that
//   http://localhost:PORT works whichever address a client resolves first.
// - Issuer is exactly http://localhost:PORT. The one stdout line, once
//   listening, is {"issuer":"http://localhost:PORT"}; logs go to stderr.
// - OIDC_EXIT_WITH_STDIN=1: exit when stdin closes, so a provider spawned
//   with a pipe by a test binary never outlives it.
// - OIDC_REDIRECT_URIS: comma-separated redirect URIs of both clients; each
//   also allows one org segment under it (`…/api/sso/callback/<org>`).
// - Any login name signs in (dev interactions page); see findAccount.
import { generateKeyPairSync } from 'node:crypto';
import http from 'node:http';

import Provider from 'oidc-provider';

// stdout carries only the issuer line; anything else that logs goes to stderr.
console.log = console.info = console.warn;

if (process.env.OIDC_EXIT_WITH_STDIN === '1') {
  process.stdin.on('end', () => process.exit(0));
  process.stdin.on('close', () => process.exit(0));
  process.stdin.on('error', () => process.exit(0));
  process.stdin.resume();
}

const redirectUris = (process.env.OIDC_REDIRECT_URIS
  ?? [3000, 3100, 3101, 3102].map((p) => `http://localhost:${p}/api/sso/callback`).join(','))
  .split(',').map((s) => s.trim()).filter(Boolean);

const client = (clientId, secret) => ({
  client_id: clientId,
  client_secret: secret,
  redirect_uris: redirectUris,
  grant_types: ['authorization_code'],
  response_types: ['code'],
  token_endpoint_auth_method: 'client_secret_basic',
  id_token_signed_response_alg: 'RS256',
  // auth_time is what lets the RP check max_age / prompt=login freshness.
  require_auth_time: true,
});

// Fresh in-memory keys each run: RS256 first (the default alg), ES256 for RPs
// that ask for it via id_token_signed_response_alg.
const jwk = (type, opts, alg) => ({
  ...generateKeyPairSync(type, opts).privateKey.export({ format: 'jwk' }), alg, use: 'sig',
});
const jwks = {
  keys: [
    jwk('rsa', { modulusLength: 2048 }, 'RS256'),
    jwk('ec', { namedCurve: 'P-256' }, 'ES256'),
  ],
};

const configuration = {
  clients: [client('latchkey', 'latchkey-client-secret'), client('latchkey-other', 'other-secret')],
  // client_secret_post too, so either style of RP authenticates.
  clientAuthMethods: ['client_secret_basic', 'client_secret_post'],
  jwks,
  // Hard-coded: tests only. Cookies are not Secure over http (oidc-provider
  // sets Secure only when the request itself is https), so plain
  // http://localhost works in a browser.
  cookies: { keys: ['latchkey-e2e-oidc-cookie-key'] },
  pkce: { required: () => true },
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name'],
  },
  // Without this, claims that the userinfo endpoint could serve are left out of
  // the ID token; Latchkey reads email from the ID token alone.
  conformIdTokenClaims: false,
  features: {
    devInteractions: { enabled: true },
  },
  // Explicit lifetimes only to quiet oidc-provider's "default ttl" notices.
  ttl: {
    AccessToken: 3600,
    AuthorizationCode: 60,
    IdToken: 3600,
    Interaction: 3600,
    Session: 86400,
    Grant: 86400,
  },
  // First-party clients: no consent screen. Every request's scopes are granted
  // on the spot (added to the existing grant, if any).
  async loadExistingGrant(ctx) {
    const {
      provider, client: rp, session, result, account,
    } = ctx.oidc;
    const grantId = result?.consent?.grantId || session.grantIdFor(rp.clientId);
    const grant = (grantId && await provider.Grant.find(grantId))
      || new provider.Grant({ clientId: rp.clientId, accountId: account.accountId });
    grant.addOIDCScope([...ctx.oidc.requestParamOIDCScopes].join(' '));
    await grant.save();
    return grant;
  },
  // Any login works (lower-cased below): sub = email = the login; a login
  // starting with "unverified" gets email_verified=false.
  async findAccount(_ctx, id) {
    const sub = String(id);
    return {
      accountId: sub, // oidc-provider makes this the sub claim
      async claims() {
        return {
          sub,
          email: sub,
          email_verified: !sub.startsWith('unverified'),
          name: sub.split('@')[0],
        };
      },
    };
  },
};

// Listen on 127.0.0.1 first (port 0 picks a free one), then the same port on
// ::1. Retried because another process may hold that port on ::1.
function listen(server, port, host) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => { server.off('error', reject); resolve(server.address().port); });
  });
}

const wanted = Number(process.env.OIDC_PORT || 0);
let handler = null;
// Browsers ask every page's origin for /favicon.ico; the provider has none,
// and its 404 would read as a console error in the browser tests.
const dispatch = (req, res) => {
  if (req.url === '/favicon.ico') {
    res.writeHead(204).end();
    return;
  }
  handler(req, res);
};
let port;
for (let attempt = 0; ; attempt += 1) {
  const v4 = http.createServer(dispatch);
  port = await listen(v4, wanted, '127.0.0.1');
  try {
    await listen(http.createServer(dispatch), port, '::1');
    break;
  } catch (err) {
    // No IPv6 on this host: 127.0.0.1 alone will do (localhost -> 127.0.0.1).
    if (err.code === 'EADDRNOTAVAIL' || err.code === 'EAFNOSUPPORT') break;
    v4.close();
    if (wanted || attempt >= 20) throw err;
  }
}

const issuer = `http://localhost:${port}`;
const provider = new Provider(issuer, configuration);

// The dev login page and the error page @import a web font from a public
// host; the test browser must not reach out of the machine, so drop it.
provider.use(async (ctx, next) => {
  await next();
  if (typeof ctx.body === 'string' && ctx.response.is('html')) {
    ctx.body = ctx.body.replace(/@import url\([^)]*\);/g, '');
  }
});

// The session, codes and grants all carry the accountId the login page
// submits, and sub is that accountId: lower-case it once, right there.
const interactionFinished = provider.interactionFinished.bind(provider);
provider.interactionFinished = (req, res, result, options) => {
  if (result?.login?.accountId) result.login.accountId = String(result.login.accountId).toLowerCase();
  return interactionFinished(req, res, result, options);
};

// Latchkey's redirect URI is per org (`…/api/sso/callback/<org>`), and the
// tests make orgs with random names: a registered URI allows any one path
// segment under it. (A real provider lists each org's URI exactly.)
const exactlyAllowed = provider.Client.prototype.redirectUriAllowed;
provider.Client.prototype.redirectUriAllowed = function redirectUriAllowed(value) {
  return exactlyAllowed.call(this, value)
    || this.redirectUris.some((base) => value.startsWith(`${base}/`)
      && /^[a-z0-9-]+$/.test(value.slice(base.length + 1)));
};

// A 500 at the RP says only "server_error"; the cause goes to stderr.
provider.on('server_error', (_ctx, err) => console.error('oidc server_error:', err));

handler = provider.callback();
process.stdout.write(`${JSON.stringify({ issuer })}\n`);
