// The passkey nudge after a sign-in without one, and an org that
// requires passkeys: checked in the page and in what the server stored.
import { test, expect, latchkey, signInWithPassword, expectAccessible, Authenticator } from "./fixtures";

test("the nudge after a password sign-in: Not now is remembered, Create a passkey adds one", async ({
  page,
  browser,
  admin,
  authenticator,
}) => {
  const { org, email } = admin.adaAtAcme();
  await signInWithPassword(page, email, org);
  const nudge = page.getByRole("region", { name: "Sign in faster next time" });
  await expect(nudge).toBeVisible();
  await expect(nudge.getByRole("button", { name: "Don't ask again" })).toBeVisible();
  await expectAccessible(page, "the console home with the passkey nudge");
  await nudge.getByRole("button", { name: "Not now" }).click();
  await expect(nudge).toHaveCount(0);
  expect((await (await page.request.get("/api/account/passkey-nudge")).json()).show).toBe(false);
  // Not asked again at the next sign-in (for 14 days).
  await page.getByRole("button", { name: "Profile" }).click();
  await page.getByRole("button", { name: "Log out" }).click();
  await signInWithPassword(page, email, org);
  await expect(page.getByRole("heading", { name: "Welcome, Ada Lovelace" })).toBeVisible();
  await expect(page.getByRole("region", { name: "Sign in faster next time" })).toHaveCount(0);

  // Another person creates one from the nudge.
  const carl = admin.email("carl");
  admin.createAccount(org, carl, "Carl Gauss");
  const context = await browser.newContext();
  const carlPage = await context.newPage();
  const key = await Authenticator.attach(carlPage);
  await signInWithPassword(carlPage, carl, org);
  await carlPage.getByRole("region", { name: "Sign in faster next time" }).getByRole("button", { name: "Create a passkey" }).click();
  await expect(carlPage.getByRole("status").filter({ hasText: /\S/ })).toHaveText(
    "Passkey “Passkey” added. Next time, sign in with it.",
  );
  await expect(carlPage.getByRole("region", { name: "Sign in faster next time" })).toHaveCount(0);
  expect(await key.credentials()).toHaveLength(1);
  expect((await (await carlPage.request.get("/api/passkeys")).json()).passkeys).toHaveLength(1);
  await context.close();
  void authenticator;
});

test("an org that requires passkeys: past its date, a password sign-in must create one", async ({
  page,
  browser,
  admin,
}) => {
  const { org, email } = admin.adaAtAcme();
  latchkey(["account", "set-role", "--org", org, "--email", email, "--role", "owner"]);
  const carl = admin.email("carl");
  admin.createAccount(org, carl, "Carl Gauss");
  await signInWithPassword(page, email, org);
  await expect(page.getByRole("heading", { name: "Welcome, Ada Lovelace" })).toBeVisible();
  await page.goto("/admin/policy");
  await page.getByLabel("Required", { exact: true }).check();
  const today = new Date().toISOString().slice(0, 10);
  await page.getByLabel("Required from (UTC)").fill(today);
  await expectAccessible(page, "the policy page with passkeys required");
  await page.getByRole("button", { name: "Review changes" }).click();
  await expect(page.getByRole("group", { name: "Confirm policy change" })).toContainText("Saving ends no session.");
  await page.getByRole("button", { name: "Save changes" }).click();
  await expect(page.getByRole("status").filter({ hasText: /\S/ })).toHaveText("The policy is saved.");
  const stored = await (await page.request.get("/api/admin/policy")).json();
  expect(stored.passkeys).toBe("required");
  expect(stored.passkeys_required_from).toBe(Date.parse(today) / 1000);

  // Carl's password now opens only the step that adds a passkey.
  const context = await browser.newContext();
  const carlPage = await context.newPage();
  const key = await Authenticator.attach(carlPage);
  await signInWithPassword(carlPage, carl, org);
  await expect(carlPage.getByRole("heading", { name: "Set up a way to sign in" })).toBeVisible();
  await expect(carlPage.getByText("Acme Security requires a passkey to sign in.")).toBeVisible();
  await expect(carlPage.getByRole("button", { name: "Set a password instead" })).toHaveCount(0);
  expect((await (await carlPage.request.get("/api/session")).json()).pending).toBe("enroll");
  await expectAccessible(carlPage, "the passkey the org requires");
  await carlPage.getByRole("button", { name: "Create a passkey" }).click();
  await carlPage.getByRole("button", { name: "Continue to the console" }).click();
  await expect(carlPage.getByRole("heading", { name: "Welcome, Carl Gauss" })).toBeVisible();
  expect(await key.credentials()).toHaveLength(1);
  const session = await (await carlPage.request.get("/api/session")).json();
  expect(session.pending).toBeUndefined();
  await context.close();
});
