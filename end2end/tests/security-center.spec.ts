// My Account's security center: where the account is signed in (and
// signing a browser out), its security activity, and the WebAuthn Signal
// API keeping the authenticator in step with the server — per account, so
// one org's signals never touch the same person's passkey for another org.
import {
  test,
  expect,
  openMyAccount,
  addPasskeyAfterSignIn,
  signInWithPassword,
  openLoginWithoutAutofill,
  expectAccessible,
  expectConsoleError,
  latchkey,
  continueToPassword,
  PASSWORD,
} from "./fixtures";

test("sessions are listed, and a browser signed out from another is signed out", async ({ page, browser, admin }) => {
  const { org, email } = admin.adaAtAcme();
  const other = await browser.newContext();
  const otherPage = await other.newPage();
  await signInWithPassword(otherPage, email, org);
  await expect(otherPage.getByRole("heading", { name: "Welcome, Ada Lovelace" })).toBeVisible();

  await openMyAccount(page, email, org);
  const sessions = page.getByRole("region", { name: "Where you're signed in" });
  await expect(sessions.getByRole("listitem")).toHaveCount(2);
  await expect(sessions.getByRole("listitem").first()).toContainText("This browser");
  await expect(sessions.getByRole("listitem").first()).toContainText("with Password");
  await expectAccessible(page, "My Account's sessions and activity");
  const stored = (await (await page.request.get("/api/sessions")).json()).sessions;
  expect(stored).toHaveLength(2);
  const theirs = stored.find((s: { current: boolean }) => !s.current);

  await sessions.getByRole("button", { name: /^Sign out .+ at / }).click();
  await expect(sessions.getByRole("status")).toHaveText(`${theirs.browser} is signed out.`);
  await expect(sessions.getByRole("listitem")).toHaveCount(1);
  await expect(sessions.getByRole("button", { name: "Sign out everywhere else" })).toHaveCount(0);
  // The other browser's next request finds itself signed out.
  await otherPage.reload();
  await expect(otherPage).toHaveURL("/login");
  expect((await (await page.request.get("/api/sessions")).json()).sessions).toHaveLength(1);

  // Its activity says so, newest first.
  const activity = page.getByRole("region", { name: "Security activity" });
  await expect(activity.getByRole("listitem").first()).toContainText("Signed out a session");
  await expect(activity).toContainText("Signed in with a password");

  // "Sign out everywhere else" with two others.
  for (let i = 0; i < 2; i++) {
    const context = await browser.newContext();
    await signInWithPassword(await context.newPage(), email, org);
    await expect.poll(async () => (await (await page.request.get("/api/sessions")).json()).sessions.length).toBe(2 + i);
  }
  await page.reload();
  await sessions.getByRole("button", { name: "Sign out everywhere else" }).click();
  await expect(sessions.getByRole("status")).toHaveText("Every other session is signed out.");
  await expect(sessions.getByRole("listitem")).toHaveCount(1);
  expect((await (await page.request.get("/api/sessions")).json()).sessions).toHaveLength(1);
  await other.close();
});

test("the activity shows each change to the account, failures too", async ({ page, admin, authenticator }) => {
  const { org, email } = admin.adaAtAcme();
  // A wrong password first.
  await signInWithPassword(page, email, org, "not the password at all");
  await expect(page.getByRole("alert").filter({ hasText: /\S/ })).toBeVisible();
  await addPasskeyAfterSignIn(page, email, org);
  const activity = page.getByRole("region", { name: "Security activity" });
  // The first passkey's recovery codes, the passkey, the sign-in and the
  // wrong password (events of the same second have no set order).
  const items = activity.getByRole("listitem");
  await expect(items).toHaveCount(4);
  for (const [words, count] of [
    ["Made new recovery codes", 1],
    ["Added a passkey", 1],
    ["Signed in with a password", 2],
    ["Failed (wrong password)", 1],
  ] as const) {
    await expect(items.filter({ hasText: words })).toHaveCount(count);
  }
  expect(await authenticator.credentials()).toHaveLength(1);
  const entries = (await (await page.request.get("/api/account/activity")).json()).entries;
  expect(entries.map((e: { event: string }) => e.event).sort()).toEqual(
    ["passkey.added", "recovery_codes.issued", "sign_in.password", "sign_in.password"].sort(),
  );
  const failure = entries.find((e: { outcome: string }) => e.outcome === "failure");
  expect(failure).toMatchObject({ event: "sign_in.password", cause: "wrong_password" });
});

test("deleting one org's passkey removes it from the authenticator and leaves the other org's", async ({
  page,
  admin,
  authenticator,
}) => {
  // Ada has an account in two orgs, with a passkey for each on the same
  // authenticator.
  const { org, email } = admin.adaAtAcme();
  const globex = admin.orgName("globex");
  admin.createOrg(globex, "Globex");
  admin.createAccount(globex, email, "Ada Lovelace");
  await addPasskeyAfterSignIn(page, email, globex);
  // Autofill would sign in with the Globex passkey: log out without it.
  const both: string[] = [];
  const credentials = await authenticator.credentials();
  const fresh = await openLoginWithoutAutofill(page, authenticator, credentials, { logOut: true });
  await continueToPassword(page, email, org);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { name: "Welcome, Ada Lovelace" })).toBeVisible();
  await page.getByRole("link", { name: "My Account" }).first().click();
  await page.getByRole("button", { name: "Add a Passkey" }).click();
  await expect(page.getByRole("status").filter({ hasText: /\S/ })).toHaveText("Passkey “Passkey” added.");
  for (const c of await fresh.credentials()) both.push(c.credentialId);
  expect(both).toHaveLength(2);
  const acmeId = (await (await page.request.get("/api/passkeys")).json()).signals.accepted_credential_ids[0];

  const deleted: string[] = [];
  fresh.cdp.on("WebAuthn.credentialDeleted", (event) => deleted.push(event.credentialId));
  const card = page.getByRole("listitem").filter({ hasText: "Passkey" }).first();
  await card.getByRole("button", { name: "Delete" }).click();
  await card.getByRole("button", { name: "Delete passkey" }).click();
  await expect(page.getByRole("status").filter({ hasText: /\S/ })).toHaveText("Passkey “Passkey” deleted.");
  // The browser was told which of Acme's passkeys remain (none).
  await expect.poll(() => deleted.length).toBe(1);
  const b64 = (id: string) => Buffer.from(id, "base64").toString("base64url");
  expect(b64(deleted[0])).toBe(acmeId);
  const left = (await fresh.credentials()).map((c) => b64(c.credentialId));
  expect(left).toHaveLength(1);
  expect(left[0]).not.toBe(acmeId);
  expect((await (await page.request.get("/api/passkeys")).json()).passkeys).toHaveLength(0);
});

test("a passkey the server no longer knows is forgotten by the authenticator after a refused sign-in", async ({
  page,
  admin,
  authenticator,
}) => {
  const { org, email } = admin.adaAtAcme();
  await addPasskeyAfterSignIn(page, email, org);
  const kept = await authenticator.credentials();
  // Deleted on the server behind the browser's back (from another device).
  latchkey(["account", "set-role", "--org", org, "--email", email, "--role", "member"]);
  const list = await (await page.request.get("/api/passkeys")).json();
  const deleted = await page.request.delete(`/api/passkeys/${list.passkeys[0].id}?rely_on_recovery_codes=true`);
  expect(deleted.status()).toBe(204);

  const stale = await openLoginWithoutAutofill(page, authenticator, kept, { logOut: true });
  const forgotten: string[] = [];
  stale.cdp.on("WebAuthn.credentialDeleted", (event) => forgotten.push(event.credentialId));
  expectConsoleError(page, /401|403/);
  await page.getByRole("button", { name: "Login" }).click();
  await expect(page.getByRole("alert").filter({ hasText: /\S/ })).toContainText("no longer registered");
  await expect.poll(() => forgotten.length).toBe(1);
  expect(await stale.credentials()).toHaveLength(0);
});

test("a renamed organization reaches the authenticator's account names", async ({ page, admin, authenticator }) => {
  const { org, email } = admin.adaAtAcme();
  await addPasskeyAfterSignIn(page, email, org);
  const updated: Array<{ userName?: string; userDisplayName?: string }> = [];
  authenticator.cdp.on("WebAuthn.credentialUpdated", (event) => updated.push(event.credential));
  admin.updateOrg(org, ["--name", "Acme Industries"]);
  await page.reload();
  await expect(page.getByRole("heading", { name: "My Account" })).toBeVisible();
  await expect.poll(() => updated.length).toBeGreaterThan(0);
  const [credential] = await authenticator.credentials();
  expect(credential.userName).toBe(`${email} (Acme Industries)`);
});

test("the organization switcher signs in to another org's account with its passkey, and offers the usual steps without one", async ({
  page,
  admin,
  authenticator,
}) => {
  const { org: acme, email } = admin.adaAtAcme();
  const globex = admin.orgName("globex");
  admin.createOrg(globex, "Globex");
  admin.createAccount(globex, email, "Ada Lovelace");
  const initech = admin.orgName("initech");
  admin.createOrg(initech, "Initech");
  admin.createAccount(initech, email, "Ada Lovelace");
  // Globex with a passkey; then Acme with the password.
  await addPasskeyAfterSignIn(page, email, globex);
  const fresh = await openLoginWithoutAutofill(page, authenticator, await authenticator.credentials(), {
    logOut: true,
  });
  await continueToPassword(page, email, acme);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { name: "Welcome, Ada Lovelace" })).toBeVisible();

  await page.getByRole("button", { name: "Profile" }).click();
  const menu = page.locator("#profile-menu");
  // Only Globex: Acme is the current one, and this browser never used Initech.
  await expect(menu.getByRole("list", { name: "Switch organization" }).getByRole("listitem")).toHaveCount(1);
  await expect(menu).not.toContainText("Initech");
  await expectAccessible(page, "the Profile menu with the organization switcher");
  await menu.getByRole("button", { name: "Switch to Globex" }).click();
  await expect(page.locator(".topbar-org")).toHaveText("Globex");
  const session = await (await page.request.get("/api/session")).json();
  expect([session.org.short_name, session.auth_method]).toEqual([globex, "passkey"]);
  expect((await (await page.request.get("/api/sessions")).json()).sessions).toHaveLength(1);

  // Back to Acme, which has no passkey here: its usual steps, email and org filled in.
  await page.getByRole("button", { name: "Profile" }).click();
  await menu.getByRole("button", { name: "Switch to Acme Security" }).click();
  await expect(menu.getByRole("alert").filter({ hasText: /\S/ })).toContainText("No passkey for Acme Security");
  // (The virtual authenticator would answer the sign-in page's autofill
  // with the Globex passkey at once; a person would type.)
  await fresh.detach();
  await menu.getByRole("button", { name: "Sign in to Acme Security another way" }).click();
  await expect(page).toHaveURL("/login");
  await expect(page.getByLabel("Email")).toHaveValue(email);
  await page.getByRole("button", { name: "Continue" }).click();
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.locator(".topbar-org")).toHaveText("Acme Security");
});
