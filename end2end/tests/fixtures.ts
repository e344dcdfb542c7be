// Fixtures shared by every spec: the admin CLI against the server's
// database, unique names per test, and a CDP virtual authenticator.
import { test as base, expect, type CDPSession, type Page } from "@playwright/test";
import AxeBuilder from "@axe-core/playwright";
import { execFileSync } from "node:child_process";
import path from "node:path";
import fs from "node:fs";
import os from "node:os";
import { oidcIssuer } from "../playwright.config";
import { createHmac, randomBytes } from "node:crypto";

const root = path.resolve(__dirname, "../..");
const bin = process.env.LATCHKEY_BIN ?? path.join(root, "target/debug/latchkey");
const databaseUrl = `sqlite://${path.join(root, "end2end/.data/latchkey.db")}`;

export const PASSWORD = "correct horse battery staple";

const outbox = path.join(root, "end2end/.data/outbox");

/** Undoes quoted-printable so a message reads as text. */
function decodeQuotedPrintable(raw: string): string {
  const joined = raw.replace(/=\r?\n/g, "");
  const bytes: number[] = [];
  for (let i = 0; i < joined.length; i++) {
    const hex = joined.slice(i + 1, i + 3);
    if (joined[i] === "=" && /^[0-9A-F]{2}$/.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(joined[i], "utf8"));
    }
  }
  return Buffer.from(bytes).toString("utf8");
}

/** The messages in the server's outbox addressed to `to`, decoded. */
export function mailTo(to: string): string[] {
  if (!fs.existsSync(outbox)) return [];
  return fs
    .readdirSync(outbox)
    .filter((f) => f.endsWith(".eml"))
    .map((f) => decodeQuotedPrintable(fs.readFileSync(path.join(outbox, f), "utf8")))
    .filter((m) => m.includes(`To: ${to}`));
}

/** Waits for a message to `to` whose text contains `subject`, and returns it. */
export async function waitForMail(to: string, subject: string): Promise<string> {
  let found: string | undefined;
  await expect
    .poll(() => {
      found = mailTo(to).find((m) => m.includes(`Subject: ${subject}`));
      return found !== undefined;
    })
    .toBe(true);
  return found!;
}

/** Runs `latchkey ARGS…` against the database of the server under test. */
export function latchkey(args: string[], password?: string): string {
  return execFileSync(bin, args, {
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      LATCHKEY_PASSWORD: password ?? "",
      // The links the CLI prints (enroll-link) name the test server.
      LATCHKEY_ORIGIN: `http://localhost:${process.env.E2E_PORT}`,
    },
    encoding: "utf8",
  });
}

/** Admin actions a test needs; every name it makes is unique to the test. */
export class Admin {
  private readonly suffix = randomBytes(4).toString("hex");

  /** A unique org short name derived from `base` (e.g. `acme-1a2b3c4d`). */
  orgName(base: string): string {
    return `${base}-${this.suffix}`;
  }

  /** A unique email derived from `local` (e.g. `ada-1a2b3c4d@example.com`). */
  email(local: string): string {
    return `${local}-${this.suffix}@example.com`;
  }

  createOrg(shortName: string, name: string, flags: string[] = []): void {
    latchkey(["org", "create", "--short-name", shortName, "--name", name, ...flags]);
  }

  /** The usual starting point: org "Acme Security" with Ada's account in it. */
  adaAtAcme(): { org: string; email: string } {
    const org = this.orgName("acme");
    const email = this.email("ada");
    this.createOrg(org, "Acme Security");
    this.createAccount(org, email, "Ada Lovelace");
    return { org, email };
  }

  updateOrg(shortName: string, flags: string[]): void {
    latchkey(["org", "update", shortName, ...flags]);
  }

  createAccount(org: string, email: string, name: string, password = PASSWORD): void {
    latchkey(["account", "create", "--org", org, "--email", email, "--name", name], password);
  }

  /** An account without a password (`--no-password`): it signs in through an enrollment link. */
  createPasswordlessAccount(org: string, email: string, name: string): void {
    latchkey(["account", "create", "--org", org, "--email", email, "--name", name, "--no-password"]);
  }

  /**
   * Connects `org` to the test OpenID Provider (`latchkey org sso set`),
   * offering single sign-on or requiring it; `jitDomains` get accounts at
   * their first sign-in.
   */
  connectSso(org: string, { required = false, jitDomains = [] as string[] } = {}): void {
    const secretFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "latchkey-sso-")), "secret");
    fs.writeFileSync(secretFile, "latchkey-client-secret\n", { mode: 0o600 });
    latchkey([
      "org", "sso", "set", org,
      "--issuer", oidcIssuer,
      "--client-id", "latchkey",
      "--client-secret-file", secretFile,
      ...jitDomains.flatMap((d) => ["--jit-domain", d]),
      ...(required ? ["--required"] : []),
    ]);
  }

  /** The path and fragment (`/enroll#token=…`) of a new enrollment link from the CLI. */
  enrollLink(org: string, email: string): string {
    const printed = latchkey(["account", "enroll-link", "--org", org, "--email", email]).trim();
    const found = /\/enroll#token=[A-Za-z0-9_-]+$/.exec(printed);
    expect(found, `an enrollment link in ${printed}`).not.toBeNull();
    return found![0];
  }
}

/** RFC 6238 code for the step `offset` steps from now (SHA-1, 6 digits, 30 s). */
export function totp(secret: string, offset = 0): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = "";
  for (const c of secret.replace(/=+$/, "")) bits += alphabet.indexOf(c).toString(2).padStart(5, "0");
  const key = Buffer.from(bits.match(/.{8}/g)!.map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(Date.now() / 1000 / 30) + offset));
  const mac = createHmac("sha1", key).update(counter).digest();
  const at = mac[mac.length - 1] & 0xf;
  return String((mac.readUInt32BE(at) & 0x7fffffff) % 1_000_000).padStart(6, "0");
}

/** A CDP virtual authenticator attached to the test's page. */
export class Authenticator {
  constructor(
    readonly cdp: CDPSession,
    readonly id: string,
  ) {}

  /** With `presence: false` it waits, as a person who has not touched it yet. */
  static async attach(page: Page, { presence = true } = {}): Promise<Authenticator> {
    const cdp = await page.context().newCDPSession(page);
    await cdp.send("WebAuthn.enable");
    const { authenticatorId } = await cdp.send("WebAuthn.addVirtualAuthenticator", {
      options: {
        protocol: "ctap2",
        transport: "internal",
        hasResidentKey: true,
        hasUserVerification: true,
        isUserVerified: true,
        automaticPresenceSimulation: presence,
      },
    });
    return new Authenticator(cdp, authenticatorId);
  }

  async credentials() {
    const { credentials } = await this.cdp.send("WebAuthn.getCredentials", {
      authenticatorId: this.id,
    });
    return credentials;
  }

  /** Puts credentials (as `credentials()` returned them) on this authenticator. */
  async addCredentials(credentials: Awaited<ReturnType<Authenticator["credentials"]>>): Promise<void> {
    for (const credential of credentials) {
      await this.cdp.send("WebAuthn.addCredential", { authenticatorId: this.id, credential });
    }
  }

  /** The person touches the authenticator from now on (or stops). */
  async setPresence(enabled: boolean): Promise<void> {
    await this.cdp.send("WebAuthn.setAutomaticPresenceSimulation", { authenticatorId: this.id, enabled });
  }

  /** Makes the authenticator report (or not) that it verified the user. */
  async setUserVerified(isUserVerified: boolean): Promise<void> {
    await this.cdp.send("WebAuthn.setUserVerified", { authenticatorId: this.id, isUserVerified });
  }

  /** Makes the authenticator's responses lie: e.g. `{ isBadUV: true }` clears the UV flag. */
  async overrideResponseBits(bits: { isBogusSignature?: boolean; isBadUV?: boolean; isBadUP?: boolean }) {
    await this.cdp.send("WebAuthn.setResponseOverrideBits", { authenticatorId: this.id, ...bits });
  }

  async detach(): Promise<void> {
    await this.cdp.send("WebAuthn.removeVirtualAuthenticator", { authenticatorId: this.id });
  }
}

/** Console errors a test says it expects, by page (see `expectConsoleError`). */
const expectedErrors = new WeakMap<Page, RegExp[]>();

/** Declares that `page` may log a console error matching `pattern`. */
export function expectConsoleError(page: Page, pattern: RegExp): void {
  expectedErrors.set(page, [...(expectedErrors.get(page) ?? []), pattern]);
}

/**
 * Whether a console error is the browser's own log of a refused API
 * request (4xx): the tests check those refusals themselves, through what
 * the page shows and what the server stored.
 */
function isRefusedApiRequest(text: string, url: string): boolean {
  return /^Failed to load resource: the server responded with a status of 4\d\d/.test(text) && url.includes("/api/");
}

export const test = base.extend<{ admin: Admin; authenticator: Authenticator }>({
  // Every test fails on an uncaught page error (a wasm panic is one) or a
  // console error it did not declare: a flow that breaks the page cannot
  // pass by showing the right text anyway.
  page: async ({ page }, use) => {
    const problems: string[] = [];
    page.on("pageerror", (error) => problems.push(`uncaught: ${error.message}`));
    page.on("console", (message) => {
      if (message.type() !== "error") return;
      const text = message.text();
      if (isRefusedApiRequest(text, message.location().url)) return;
      if ((expectedErrors.get(page) ?? []).some((pattern) => pattern.test(text))) return;
      problems.push(`console error: ${text}`);
    });
    await use(page);
    expect(problems, "page errors and unexpected console errors").toEqual([]);
  },
  admin: async ({}, use) => {
    await use(new Admin());
  },
  authenticator: async ({ page }, use) => {
    const authenticator = await Authenticator.attach(page);
    await use(authenticator);
    // Tests may have replaced it (openLoginWithoutAutofill); the page's end
    // removes whatever is left.
  },
});

export { expect };

type Credentials = Awaited<ReturnType<Authenticator["credentials"]>>;

/**
 * Reaches `/login` (by logging out when `logOut`, else by opening it) with
 * no authenticator attached, then attaches a new one holding
 * `credentials`. The page's autofill request is armed while no
 * authenticator exists, so it stays pending — the virtual authenticator
 * would otherwise answer it at once, as if the person picked a passkey —
 * and the test can use the other ways to sign in.
 */
export async function openLoginWithoutAutofill(
  page: Page,
  current: Authenticator,
  credentials: Credentials,
  { logOut = false } = {},
): Promise<Authenticator> {
  await current.detach();
  if (logOut) {
    await page.getByRole("button", { name: "Profile" }).click();
    await page.getByRole("button", { name: "Log out" }).click();
    await expect(page).toHaveURL("/login");
  } else {
    await page.goto("/login");
  }
  await expect(page.getByRole("button", { name: "Login" })).toBeVisible();
  const fresh = await Authenticator.attach(page);
  await fresh.addCredentials(credentials);
  return fresh;
}

/** Signs in with a password and opens Profile → My Account. */
export async function openMyAccount(page: Page, email: string, org: string): Promise<void> {
  await signInWithPassword(page, email, org);
  await expect(page.getByRole("heading", { name: /^Welcome/ })).toBeVisible();
  await page.getByRole("button", { name: "Profile" }).click();
  await page.locator("#profile-menu").getByRole("link", { name: "My Account" }).click();
  await expect(page.getByRole("heading", { name: "My Account" })).toBeVisible();
}

/** Signs in with a password and adds a passkey in My Account. */
export async function addPasskeyAfterSignIn(page: Page, email: string, org: string): Promise<void> {
  await openMyAccount(page, email, org);
  // My Account then reloads its lists (sessions, activity): they are let
  // arrive, so that a test changing the org next is not raced by them.
  const reloaded = Promise.all(
    ["/api/sessions", "/api/account/activity"].map((path) =>
      page.waitForResponse((r) => new URL(r.url()).pathname === path),
    ),
  );
  await page.getByRole("button", { name: "Add a Passkey" }).click();
  await expect(page.getByRole("status").filter({ hasText: /\S/ })).toHaveText("Passkey “Passkey” added.");
  await reloaded;
}

/** Continues on the login page's password step (email and org already typed). */
export async function continueToPassword(page: Page, email: string, org: string): Promise<void> {
  await page.getByLabel("Email").fill(email);
  await page.getByRole("button", { name: "Continue" }).click();
  await page.getByLabel("Organization").fill(org);
  await page.getByRole("button", { name: "Continue" }).click();
}

/** Walks the sign-in form: email → organization → password. */
export async function signInWithPassword(
  page: Page,
  email: string,
  org: string,
  password = PASSWORD,
): Promise<void> {
  await page.goto("/login");
  await page.getByLabel("Email").fill(email);
  await page.getByRole("button", { name: "Continue" }).click();
  await page.getByLabel("Organization").fill(org);
  await page.getByRole("button", { name: "Continue" }).click();
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

/** Runs axe (WCAG 2.0–2.2, A and AA) and expects no violation. */
export async function expectAccessible(page: Page, state: string): Promise<void> {
  const { violations } = await new AxeBuilder({ page })
    .withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"])
    .analyze();
  const found = violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
  expect(found, `axe violations on ${state}`).toEqual([]);
}

