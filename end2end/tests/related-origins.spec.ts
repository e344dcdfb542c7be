// WebAuthn related origins (LATCHKEY_RELATED_ORIGINS): a passkey made on
// the console's own origin signs in on a related origin that serves the
// same console, and nowhere else. Chromium fetches the list from
// https://<RP ID>/.well-known/webauthn, so this spec puts a TLS proxy with
// a throwaway certificate in front of a server whose origin is
// https://latchkey.test, and launches its own Chromium that resolves the
// test names to the proxy and trusts that certificate's key.
import { chromium, type Browser, type BrowserContext, type Page } from "@playwright/test";
import { execFileSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import https from "node:https";
import os from "node:os";
import path from "node:path";
import { relatedOrigin, relatedPort, relyingPartyOrigin } from "../playwright.config";
import { test, expect, Authenticator, addPasskeyAfterSignIn } from "./fixtures";

// Not listed in LATCHKEY_RELATED_ORIGINS, though the proxy serves it too.
const strangerOrigin = "https://stranger.test";

let proxy: https.Server;
let browser: Browser;

test.beforeAll(async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "latchkey-tls-"));
  const key = path.join(dir, "key.pem");
  const cert = path.join(dir, "cert.pem");
  execFileSync("openssl", [
    "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
    "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=latchkey.test",
    "-addext", "subjectAltName=DNS:latchkey.test,DNS:related.test,DNS:stranger.test",
  ], { stdio: "ignore" });
  const certificate = fs.readFileSync(cert);
  // Forwards every request, Host included, to the server's plain http port.
  proxy = https.createServer({ key: fs.readFileSync(key), cert: certificate }, (request, response) => {
    const upstream = http.request(
      { host: "127.0.0.1", port: relatedPort, method: request.method, path: request.url, headers: request.headers },
      (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(response);
      },
    );
    upstream.on("error", () => response.destroy());
    request.pipe(upstream);
  });
  await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
  const { port } = proxy.address() as { port: number };
  const spki = crypto
    .createHash("sha256")
    .update(new crypto.X509Certificate(certificate).publicKey.export({ type: "spki", format: "der" }))
    .digest("base64");
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--no-first-run",
      // Port 443 of every *.test name is the proxy; its key is trusted as
      // if a CA had signed it (no certificate error: WebAuthn refuses pages
      // that have one).
      `--host-resolver-rules=MAP *.test:443 127.0.0.1:${port}`,
      `--ignore-certificate-errors-spki-list=${spki}`,
    ],
  });
});

test.afterAll(async () => {
  await browser?.close();
  proxy?.close();
});

/** A fresh browser context whose relative URLs are on `origin`. */
async function openAt(origin: string): Promise<{ context: BrowserContext; page: Page; problems: string[] }> {
  const context = await browser.newContext({ baseURL: origin });
  const page = await context.newPage();
  // As the shared page fixture does: an uncaught page error (a wasm panic)
  // fails the test.
  const problems: string[] = [];
  page.on("pageerror", (error) => problems.push(error.message));
  return { context, page, problems };
}

/**
 * GET `path` from the page, with its cookies (the test's own HTTP client
 * would not resolve the *.test names): the status and the JSON body.
 */
async function fetchInPage(page: Page, path: string): Promise<{ status: number; body: any }> {
  return page.evaluate(async (path) => {
    const response = await fetch(path);
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : null };
  }, path);
}

test("a passkey made on the console signs in on its related origin, and not on another", async ({ admin }) => {
  const { org, email } = admin.adaAtAcme();
  const { context, page, problems } = await openAt(relyingPartyOrigin);

  // The list browsers read, at the relying party's host.
  const listed = await page.goto(`${relyingPartyOrigin}/.well-known/webauthn`);
  expect(listed?.headers()["content-type"]).toBe("application/json");
  expect(await listed?.json()).toEqual({ origins: [relyingPartyOrigin, relatedOrigin] });
  // Where password managers send people to create and manage passkeys.
  const endpoints = await page.goto(`${relyingPartyOrigin}/.well-known/passkey-endpoints`);
  const account = `${relyingPartyOrigin}/account`;
  expect(await endpoints?.json()).toEqual({ enroll: account, manage: account });

  // A passkey made on https://latchkey.test (its RP ID is latchkey.test).
  let authenticator = await Authenticator.attach(page);
  await addPasskeyAfterSignIn(page, email, org);
  const credentials = await authenticator.credentials();
  expect(credentials).toHaveLength(1);
  expect(credentials[0].rpId).toBe("latchkey.test");

  // On the related origin, "Login" signs in with it; the session is there.
  await authenticator.detach();
  await page.goto(`${relatedOrigin}/login`);
  await expect(page.getByRole("button", { name: "Login" })).toBeVisible();
  authenticator = await Authenticator.attach(page);
  await authenticator.addCredentials(credentials);
  await page.getByRole("button", { name: "Login" }).click();
  await expect(page.getByRole("heading", { name: "Welcome, Ada Lovelace" })).toBeVisible();
  expect(page.url()).toBe(`${relatedOrigin}/`);
  const session = await fetchInPage(page, "/api/session");
  expect(session.status).toBe(200);
  expect(session.body).toMatchObject({ email, org: { short_name: org }, auth_method: "passkey" });
  const { sessions } = (await fetchInPage(page, "/api/sessions")).body;
  expect(sessions.find((s: { current: boolean }) => s.current)).toMatchObject({
    signed_in_with: "passkey",
    passkey: "Passkey",
  });

  // On an origin the list does not name, the browser itself refuses.
  await authenticator.detach();
  await page.goto(`${strangerOrigin}/login`);
  await expect(page.getByRole("button", { name: "Login" })).toBeVisible();
  authenticator = await Authenticator.attach(page);
  await authenticator.addCredentials(credentials);
  await page.getByRole("button", { name: "Login" }).click();
  await expect(page.getByRole("alert")).toHaveText(
    "Passkeys cannot be used at this address. Open the console at its usual address and try again.",
  );
  expect((await fetchInPage(page, "/api/session")).status).toBe(204);
  await context.close();
  expect(problems, "uncaught page errors").toEqual([]);
});
