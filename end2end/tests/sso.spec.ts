// Single sign-on through the org's identity provider: oidc-provider (a
// certified OpenID Provider), signed in to through its own login page.
import type { Page } from "@playwright/test";
import { test, expect, expectAccessible, continueToPassword, signInWithPassword, latchkey } from "./fixtures";
import { oidcIssuer, oidcPort, stalePort, staleWindowSecs } from "../playwright.config";

/** The provider's login page: signs in as `login` (any name works there). */
async function signInAtProvider(page: Page, login: string): Promise<void> {
  await expect(page).toHaveURL(new RegExp(`^http://localhost:${oidcPort}/interaction/`));
  await page.getByPlaceholder("Enter any login").fill(login);
  await page.getByPlaceholder("and password").fill("any password");
  await page.getByRole("button", { name: "Sign-in" }).click();
}

async function sessionOf(page: Page) {
  const reply = await page.request.get("/api/session");
  return reply.status() === 200 ? reply.json() : null;
}

test("in an SSO-required org, a person signs in through the identity provider and lands in the console", async ({
  page,
  admin,
}) => {
  const { org, email } = admin.adaAtAcme();
  admin.connectSso(org, { required: true });

  await page.goto("/login");
  await continueToPassword(page, email, org);
  await expect(page.getByText("Your organization signs you in through its identity provider.")).toBeVisible();
  // Only single sign-on: no password, no passkey in place of it.
  await expect(page.getByLabel("Password")).toHaveCount(0);
  await expect(page.getByRole("button", { name: "Use a passkey instead" })).toHaveCount(0);
  await expect(page.getByRole("button", { name: "Forgot password?" })).toHaveCount(0);
  await expect(page.getByRole("heading", { name: "Log in with passkey" })).toHaveCount(0);
  await expectAccessible(page, "the single sign-on step");
  await page.getByRole("button", { name: "Continue with single sign-on" }).click();

  await signInAtProvider(page, email);
  await expect(page).toHaveURL("/");
  await expect(page.getByRole("heading", { name: "Welcome, Ada Lovelace" })).toBeVisible();
  await expect(page.getByRole("region", { name: "This session" })).toContainText("Single sign-on");
  // The server agrees: a live session for Ada, signed in through the provider.
  expect(await sessionOf(page)).toMatchObject({ email, org: { short_name: org }, auth_method: "sso" });
  const sessions = await (await page.request.get("/api/sessions")).json();
  expect(sessions.sessions).toHaveLength(1);
  // The binding cookie is gone, the session cookie stays out of scripts' reach.
  const cookies = await page.context().cookies();
  expect(cookies.find((c) => c.name === "latchkey_sso")).toBeUndefined();
  expect(cookies.find((c) => c.name === "latchkey_session")?.httpOnly).toBe(true);

  // Passwords stay refused there, whatever the page shows.
  const refused = await page.request.post("/api/login/password", {
    data: { email, org, password: "correct horse battery staple" },
  });
  expect((await refused.json()).code).toBe("sso_required");
});

test("cancelling at the provider comes back to the sign-in page with the reason, signed out", async ({ page, admin }) => {
  const { org, email } = admin.adaAtAcme();
  admin.connectSso(org, { required: true });

  await page.goto("/login");
  await continueToPassword(page, email, org);
  await page.getByRole("button", { name: "Continue with single sign-on" }).click();
  await expect(page).toHaveURL(new RegExp(`^http://localhost:${oidcPort}/interaction/`));
  await page.getByRole("link", { name: "[ Cancel ]" }).click();

  await expect(page).toHaveURL("/login");
  await expect(page.getByRole("alert").filter({ hasText: /\S/ }).first()).toHaveText(
    "Single sign-on was cancelled at your identity provider, so you are not signed in.",
  );
  await expectAccessible(page, "the sign-in page after a cancelled single sign-on");
  expect(await sessionOf(page)).toBeNull();
  // The way back: the form is right there; "Change" leaves the SSO org.
  await continueToPassword(page, email, org);
  await expect(page.getByRole("button", { name: "Continue with single sign-on" })).toBeVisible();
  await page.getByRole("button", { name: "Change" }).click();
  await expect(page.getByRole("heading", { name: "Log in with passkey" })).toBeVisible();
});

test("without an account and without a just-in-time rule, the provider's sign-in is refused; with one, the account is made", async ({
  page,
  browser,
  admin,
}) => {
  const org = admin.orgName("acme");
  const email = admin.email("bob");
  admin.createOrg(org, "Acme Security");
  admin.connectSso(org, { required: true });

  await page.goto("/login");
  await continueToPassword(page, email, org);
  await page.getByRole("button", { name: "Continue with single sign-on" }).click();
  await signInAtProvider(page, email);
  await expect(page).toHaveURL("/login");
  await expect(page.getByRole("alert").filter({ hasText: /\S/ }).first()).toHaveText(
    "There is no account for you in this organization yet. Ask your administrator to invite you.",
  );
  expect(await sessionOf(page)).toBeNull();

  // The org now makes accounts for its domain at the first sign-in.
  admin.connectSso(org, { required: true, jitDomains: ["example.com"] });
  const fresh = await browser.newPage();
  await fresh.goto("/login");
  await continueToPassword(fresh, email, org);
  await fresh.getByRole("button", { name: "Continue with single sign-on" }).click();
  await signInAtProvider(fresh, email);
  await expect(fresh).toHaveURL("/");
  expect(await sessionOf(fresh)).toMatchObject({ email, auth_method: "sso", has_password: false });
  await fresh.close();
});

test("an org that offers single sign-on shows it beside the password, which still works", async ({ page, admin }) => {
  const { org, email } = admin.adaAtAcme();
  admin.connectSso(org);
  await page.goto("/login");
  await continueToPassword(page, email, org);
  await expect(page.getByRole("button", { name: "Continue with single sign-on" })).toBeVisible();
  await expect(page.getByLabel("Password")).toBeVisible();
  await expectAccessible(page, "the password step with single sign-on offered");
  await page.getByLabel("Password").fill("correct horse battery staple");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL("/");
  expect(await sessionOf(page)).toMatchObject({ auth_method: "password" });
});

test.describe("with a short re-authentication window", () => {
  test.use({ baseURL: `http://localhost:${stalePort}` });

  test("confirm it's you goes through the identity provider again, then the change is made", async ({
    page,
    admin,
    authenticator,
  }) => {
    const { org, email } = admin.adaAtAcme();
    admin.connectSso(org);
    await page.goto("/login");
    await continueToPassword(page, email, org);
    await page.getByRole("button", { name: "Continue with single sign-on" }).click();
    await signInAtProvider(page, email);
    await expect(page).toHaveURL("/");
    await page.goto("/account");
    await expect(page.getByRole("heading", { name: "My Account" })).toBeVisible();

    await page.waitForTimeout((staleWindowSecs + 1) * 1000);
    await page.getByRole("button", { name: "Add a Passkey" }).click();
    const dialog = page.getByRole("dialog", { name: "Confirm it's you" });
    await expect(dialog).toBeVisible();
    await expect(dialog.getByLabel("Current password")).toBeHidden();
    await expectAccessible(page, "Confirm it's you through single sign-on");
    await dialog.getByRole("button", { name: "Continue with single sign-on" }).click();

    // prompt=login: the provider asks again, though it has a session.
    await signInAtProvider(page, email);
    await expect(page).toHaveURL("/account");
    await expect(page.getByRole("status").filter({ hasText: /\S/ }).first()).toHaveText(
      "You confirmed it's you through single sign-on: make your change now.",
    );
    await page.getByRole("button", { name: "Add a Passkey" }).click();
    await expect(page.getByRole("status").filter({ hasText: "added" })).toHaveText("Passkey “Passkey” added.");
    expect(await authenticator.credentials()).toHaveLength(1);
  });
});

test("an org without single sign-on offers no single sign-on", async ({ page, admin }) => {
  const { org, email } = admin.adaAtAcme();
  await page.goto("/login");
  await continueToPassword(page, email, org);
  await expect(page.getByLabel("Password")).toBeVisible();
  await expect(page.getByRole("button", { name: "Continue with single sign-on" })).toHaveCount(0);
  await signInWithPassword(page, email, org);
  await expect(page).toHaveURL("/");
});

test("an org owner connects the identity provider from the admin console, members then sign in through it, and the owner disconnects it", async ({
  page,
  browser,
  admin,
}) => {
  const { org, email } = admin.adaAtAcme();
  latchkey(["account", "set-role", "--org", org, "--email", email, "--role", "owner"]);
  await signInWithPassword(page, email, org);
  await expect(page.getByRole("heading", { name: "Welcome, Ada Lovelace" })).toBeVisible();
  await page.goto("/admin/policy");
  const section = page.getByRole("region", { name: "Identity provider" });
  await expect(section).toContainText("No identity provider is connected: single sign-on is off.");
  await expect(section).toContainText(`/api/sso/callback/${org}`);
  await expect(page.getByLabel("Require single sign-on")).toBeDisabled();
  await expect(section.getByLabel("Issuer")).toHaveValue(oidcIssuer);
  await section.getByLabel("Client ID").fill("latchkey");
  await section.getByLabel("Client secret").fill("latchkey-client-secret");
  await expectAccessible(page, "the identity provider form");
  await section.getByRole("button", { name: "Connect" }).click();
  await expect(section.getByRole("status")).toHaveText(
    `Connected to ${oidcIssuer}: members can use “Continue with single sign-on”.`,
  );
  await expect(section).toContainText("Offered beside the other ways");
  await expect(page.getByLabel("Require single sign-on")).toBeEnabled();
  const stored = await (await page.request.get("/api/admin/sso")).json();
  expect(stored.provider).toMatchObject({ issuer: oidcIssuer, client_id: "latchkey", required: false });
  expect(JSON.stringify(stored)).not.toContain("latchkey-client-secret");

  // A member's browser: "Continue with single sign-on" is offered.
  const other = await browser.newContext();
  const member = await other.newPage();
  await member.goto("/login");
  await continueToPassword(member, email, org);
  await member.getByRole("button", { name: "Continue with single sign-on" }).click();
  await signInAtProvider(member, email);
  await expect(member.getByRole("heading", { name: "Welcome, Ada Lovelace" })).toBeVisible();
  expect(await sessionOf(member)).toMatchObject({ auth_method: "sso" });

  // Disconnected: single sign-on is off and its session ended.
  await section.getByRole("button", { name: "Disconnect" }).click();
  await section.getByRole("group", { name: "Confirm disconnection" }).getByRole("button", { name: "Disconnect" }).click();
  await expect(section.getByRole("status")).toContainText("Disconnected: single sign-on is off, and 1 of its sessions ended.");
  await expect(section).toContainText("No identity provider is connected");
  expect((await member.request.get("/api/session")).status()).toBe(204);
  await other.close();
});
