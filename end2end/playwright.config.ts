import { defineConfig } from "@playwright/test";

// Port of the server under test; the dev server keeps 3000.
const port = Number(process.env.E2E_PORT ?? 3100);
process.env.E2E_PORT = String(port);
// A second server on the same database whose re-authentication window is a
// few seconds, so a test can let its session go stale without a fake clock.
export const stalePort = port + 1;
export const staleWindowSecs = 6;
// A third, whose passkey ceremonies live a few seconds, so a test can let
// the sign-in page sit idle past a ceremony's lifetime.
export const shortCeremonyPort = port + 2;
export const shortCeremonySecs = 6;
// A fourth, reached through the related-origins spec's TLS proxy as
// https://latchkey.test, whose passkeys https://related.test may use too
// (WebAuthn related origins: browsers fetch the list over https only).
export const relatedPort = port + 3;
export const relyingPartyOrigin = "https://latchkey.test";
export const relatedOrigin = "https://related.test";
// The OpenID Provider (oidc-provider) the single sign-on tests sign in at;
// it sends browsers back to any of the three servers.
export const oidcPort = port + 9;
export const oidcIssuer = `http://localhost:${oidcPort}`;
const redirectUris = [port, stalePort, shortCeremonyPort]
  .map((p) => `http://localhost:${p}/api/sso/callback`)
  .join(",");

export default defineConfig({
  testDir: "./tests",
  fullyParallel: true,
  // Two cores: the server, the browser and the test runner share them.
  workers: 2,
  forbidOnly: !!process.env.CI,
  retries: 0,
  // The longest flows (axe over several screens, two browsers and mailed
  // links) took 27-38 s under two workers on a slow virtual machine; each
  // step still has its own 10 s expectation timeout.
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: [["list"]],
  use: {
    // localhost, not 127.0.0.1: an IP address cannot be a WebAuthn RP ID.
    baseURL: `http://localhost:${port}`,
    trace: "retain-on-failure",
    launchOptions: {
      // Debian's Chromium; Playwright never downloads a browser here.
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    },
  },
  // Started in this order: the first makes a fresh database, the others share it.
  webServer: [
    {
      command: "./serve.sh",
      // Org admins may connect the test OpenID Provider from the console.
      env: { E2E_PORT: String(port), E2E_FRESH_DB: "1", LATCHKEY_SSO_ISSUERS: oidcIssuer },
      // 127.0.0.1: Node resolves localhost to ::1 first, where the server does not listen.
      url: `http://127.0.0.1:${port}/login`,
      timeout: 60_000,
      reuseExistingServer: false,
      stdout: "ignore",
      stderr: "pipe",
    },
    {
      command: "./serve.sh",
      env: { E2E_PORT: String(stalePort), LATCHKEY_REAUTH_WINDOW_SECS: String(staleWindowSecs) },
      url: `http://127.0.0.1:${stalePort}/login`,
      timeout: 60_000,
      reuseExistingServer: false,
      stdout: "ignore",
      stderr: "pipe",
    },
    {
      command: "./serve.sh",
      env: { E2E_PORT: String(shortCeremonyPort), LATCHKEY_CEREMONY_LIFETIME_SECS: String(shortCeremonySecs) },
      url: `http://127.0.0.1:${shortCeremonyPort}/login`,
      timeout: 60_000,
      reuseExistingServer: false,
      stdout: "ignore",
      stderr: "pipe",
    },
    {
      command: "./serve.sh",
      env: {
        E2E_PORT: String(relatedPort),
        LATCHKEY_ORIGIN: relyingPartyOrigin,
        LATCHKEY_RELATED_ORIGINS: relatedOrigin,
      },
      url: `http://127.0.0.1:${relatedPort}/login`,
      timeout: 60_000,
      reuseExistingServer: false,
      stdout: "ignore",
      stderr: "pipe",
    },
    {
      command: "node oidc/provider.mjs",
      env: { OIDC_PORT: String(oidcPort), OIDC_REDIRECT_URIS: redirectUris },
      url: `http://127.0.0.1:${oidcPort}/.well-known/openid-configuration`,
      timeout: 30_000,
      reuseExistingServer: false,
      stdout: "ignore",
      stderr: "ignore",
    },
  ],
});
