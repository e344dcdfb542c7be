// Passwords: change in My Account, reset by email ("Forgot password?"),
// reset with 2FA, and removal once the account has a passkey. Each test
// checks what the person sees, the mail, and what the server now accepts.
import type { Page } from "@playwright/test";
import {
  test,
  expect,
  addPasskeyAfterSignIn,
  continueToPassword,
  expectAccessible,
  openMyAccount,
  signInWithPassword,
  totp,
  waitForMail,
  PASSWORD,
} from "./fixtures";

const NEW_PASSWORD = "a brand new passphrase, long enough";

async function passwordLogin(page: Page, email: string, org: string, password: string) {
  return page.request.post("/api/login/password", { data: { email, org, password } });
}

/**
 * Signs in with the password and turns 2FA on through the API (the UI's
 * way is totp.spec.ts's); the page stays signed in. Returns the secret.
 */
async function signInWithTotpOn(page: Page, email: string, org: string): Promise<string> {
  expect((await passwordLogin(page, email, org, PASSWORD)).status()).toBe(200);
  const setup = await (await page.request.post("/api/totp/setup")).json();
  const mailed = /enter this code: (\d{6})/.exec(
    await waitForMail(email, "Your code to finish setting up two-factor authentication"),
  )![1];
  const on = await page.request.post("/api/totp/setup/confirm", {
    data: { code: totp(setup.secret), email_code: mailed },
  });
  expect(on.status()).toBe(204);
  return setup.secret;
}

/** The reset link of the last "Reset your Latchkey password" mail, as a path. */
async function resetLink(email: string): Promise<string> {
  const mail = await waitForMail(email, "Reset your Latchkey password");
  return /\/reset-password#token=[A-Za-z0-9_-]+/.exec(mail)![0];
}

test("change the password in My Account: this session stays, the others end, a mail goes out", async ({
  page,
  browser,
  admin,
}) => {
  const { org, email } = admin.adaAtAcme();
  // Another device, signed in too.
  const other = await browser.newContext();
  const otherPage = await other.newPage();
  await signInWithPassword(otherPage, email, org);
  await expect(otherPage.getByRole("heading", { name: "Welcome, Ada Lovelace" })).toBeVisible();

  await openMyAccount(page, email, org);
  const section = page.getByRole("region", { name: "Password" });
  await expect(section).toContainText("You can sign in with your password.");
  const field = section.getByLabel("New password");
  await expect(field).toHaveAttribute("autocomplete", "new-password");
  // The rule, as a hint: no passkey, no 2FA, so 15 characters.
  await expect(field).toHaveAccessibleDescription(/^At least 15 characters, at most 128\./);
  // No "Remove password" without a passkey: it would be the last way in.
  await expect(section.getByRole("button", { name: "Remove password" })).toHaveCount(0);

  // Refused by the rules: said at the field.
  await field.fill("too short");
  await section.getByRole("button", { name: "Change password" }).click();
  await expect(field).toHaveAttribute("aria-invalid", "true");
  await expect(section.getByRole("alert").filter({ hasText: /\S/ })).toHaveText(
    "The password is too short: use at least 15 characters (15 while the password is your only way to sign in: add a passkey or 2FA for 8).",
  );
  await expectAccessible(page, "the Password section's error");

  await field.fill(NEW_PASSWORD);
  await section.getByRole("button", { name: "Change password" }).click();
  await expect(section.getByRole("status")).toHaveText(
    "Password changed. Every other session of your account was signed out.",
  );
  await expect(field).toHaveValue("");
  await expect(field).not.toHaveAttribute("aria-invalid", "true");

  // This session stays; the other device's ended.
  expect((await page.request.get("/api/session")).status()).toBe(200);
  expect((await otherPage.request.get("/api/session")).status()).toBe(204);
  await other.close();
  const mail = await waitForMail(email, "Your Latchkey password was changed");
  expect(mail).toContain("Every other session of the account was signed out.");
  // The old password no longer signs in; the new one does.
  const old = await passwordLogin(page, email, org, PASSWORD);
  expect(old.status()).toBe(401);
  expect((await old.json()).code).toBe("invalid_credentials");
  expect((await passwordLogin(page, email, org, NEW_PASSWORD)).status()).toBe(200);
});

test("Forgot password?: the same words for any pair, a mailed link that changes nothing until pressed, sessions ended, used once", async ({
  page,
  browser,
  admin,
}) => {
  // Two browsers, three mailed links, every refusal checked: 28 s on a slow machine alone.
  test.slow();
  const { org, email } = admin.adaAtAcme();
  const other = await browser.newContext();
  const otherPage = await other.newPage();
  await signInWithPassword(otherPage, email, org);
  await expect(otherPage.getByRole("heading", { name: "Welcome, Ada Lovelace" })).toBeVisible();

  const answerFor = async (address: string, orgName: string) => {
    await page.goto("/login");
    await continueToPassword(page, address, orgName);
    await page.getByRole("button", { name: "Forgot password?" }).click();
    const status = page.getByRole("status").filter({ hasText: /\S/ });
    await expect(status).toBeVisible();
    return (await status.innerText()).replace(address, "EMAIL").replace(orgName, "ORG");
  };
  const known = await answerFor(email, org);
  expect(known).toBe(
    "If an account for EMAIL exists in ORG, we sent it a link to reset the password. It works for 30 minutes.",
  );
  await expectAccessible(page, "the password step after Forgot password?");
  expect(await answerFor(admin.email("nobody"), org)).toBe(known);

  const link = await resetLink(email);
  // A mail scanner fetching the link changes nothing.
  expect((await other.request.get(link)).status()).toBe(200);
  expect((await passwordLogin(otherPage, email, org, PASSWORD)).status()).toBe(200);

  await page.goto(link);
  await expect(page).toHaveURL(/\/reset-password$/); // the token left the address bar
  await expect(page.getByRole("heading", { name: "Set a new password" })).toBeVisible();
  await expect(page.getByText(`For ${email} in Acme Security (${org}).`)).toBeVisible();
  await expect(page.getByLabel("New password")).toBeFocused();
  await expect(page.getByLabel("Authentication code")).toHaveCount(0);
  await expectAccessible(page, "the reset page");
  await page.getByLabel("New password").fill("short");
  await page.getByRole("button", { name: "Set new password" }).click();
  await expect(page.getByLabel("New password")).toHaveAccessibleDescription(/The password is too short/);
  await page.getByLabel("New password").fill(NEW_PASSWORD);
  await page.getByRole("button", { name: "Set new password" }).click();
  await expect(page.getByRole("status")).toHaveText(
    "Your password was changed. Every session of the account was signed out.",
  );
  await expectAccessible(page, "the reset page, done");
  // Never signed in by the reset; every session of the account ended.
  expect((await page.request.get("/api/session")).status()).toBe(204);
  expect((await otherPage.request.get("/api/session")).status()).toBe(204);
  await other.close();
  await waitForMail(email, "Your Latchkey password was reset");

  // The link works once (opened afresh, as from the mail again).
  await page.goto("about:blank");
  await page.goto(link);
  await expect(page.getByRole("alert")).toHaveText("This link has expired or was already used. Ask for a new one.");
  await expectAccessible(page, "the reset page with a used link");
  await page.getByRole("link", { name: "Go to the sign-in page" }).click();
  await expect(page).toHaveURL("/login");

  // The new password signs in; the old one does not.
  await signInWithPassword(page, email, org, PASSWORD);
  await expect(page.getByRole("alert")).toHaveText("The email, organization or password is not correct.");
  await signInWithPassword(page, email, org, NEW_PASSWORD);
  await expect(page.getByRole("heading", { name: "Welcome, Ada Lovelace" })).toBeVisible();
});

test("a reset for an account with 2FA asks for the authenticator code", async ({ page, admin }) => {
  const { org, email } = admin.adaAtAcme();
  const secret = await signInWithTotpOn(page, email, org);
  await page.request.post("/api/logout");

  await page.goto("/login");
  await continueToPassword(page, email, org);
  await page.getByRole("button", { name: "Forgot password?" }).click();
  await expect(page.getByRole("status").filter({ hasText: /\S/ })).toContainText("we sent it a link");
  await page.goto(await resetLink(email));
  const code = page.getByLabel("Authentication code");
  await expect(code).toBeVisible();
  // With 2FA on, the shorter minimum applies.
  await expect(page.getByLabel("New password")).toHaveAccessibleDescription(/^At least 8 characters/);
  await expectAccessible(page, "the reset page asking for a code");
  await page.getByLabel("New password").fill(NEW_PASSWORD);
  await code.fill(totp(secret, 1) === "000000" ? "111111" : "000000");
  await page.getByRole("button", { name: "Set new password" }).click();
  await expect(code).toHaveAccessibleDescription(/That code is not correct/);
  await expect(code).toHaveAttribute("aria-invalid", "true");
  // A wrong code leaves the link usable, and the password unchanged.
  expect((await passwordLogin(page, email, org, NEW_PASSWORD)).status()).toBe(401);
  await code.fill(totp(secret, 1));
  await page.getByRole("button", { name: "Set new password" }).click();
  await expect(page.getByRole("status")).toHaveText(
    "Your password was changed. Every session of the account was signed out.",
  );
  const signedIn = await (await passwordLogin(page, email, org, NEW_PASSWORD)).json();
  expect(signedIn.pending).toBe("totp");
});

test("a reset for an account with 2FA takes one of its passkeys instead of the code", async ({
  page,
  admin,
  authenticator,
}) => {
  const { org, email } = admin.adaAtAcme();
  const secret = await signInWithTotpOn(page, email, org);
  // A passkey, added in My Account by the fresh session.
  await page.goto("/account");
  await page.getByRole("button", { name: "Add a Passkey" }).click();
  await expect(page.getByText("Passkey “Passkey” added.")).toBeVisible();
  await page.request.post("/api/logout");

  const asked = await page.request.post("/api/password/reset/start", { data: { email, org } });
  expect(asked.status()).toBe(202);
  await page.goto(await resetLink(email));
  await page.getByLabel("New password").fill(NEW_PASSWORD);
  const instead = page.getByRole("button", { name: "Use a passkey instead of the code" });
  await expectAccessible(page, "the reset page offering a passkey instead of the code");
  await instead.click();
  await expect(page.getByRole("status")).toHaveText(
    "Your password was changed. Every session of the account was signed out.",
  );
  // What the server now holds: the new password, 2FA still on, the passkey used.
  expect((await passwordLogin(page, email, org, PASSWORD)).status()).toBe(401);
  const signedIn = await (await passwordLogin(page, email, org, NEW_PASSWORD)).json();
  expect(signedIn.pending).toBe("totp");
  const code = await page.request.post("/api/login/totp", { data: { code: totp(secret, 1) } });
  expect(code.status()).toBe(200);
  const { passkeys } = await (await page.request.get("/api/passkeys")).json();
  expect(passkeys).toHaveLength(1);
  expect(passkeys[0].last_used_at).not.toBeNull();
  expect(await authenticator.credentials()).toHaveLength(1);
});

test("remove the password, confirmed with a passkey only; then password sign-in fails as a wrong password does", async ({
  page,
  admin,
  authenticator,
}) => {
  const { org, email } = admin.adaAtAcme();
  await addPasskeyAfterSignIn(page, email, org);
  const section = page.getByRole("region", { name: "Password" });
  // With a passkey (a second factor), the shorter minimum applies.
  await expect(section.getByLabel("New password")).toHaveAccessibleDescription(/^At least 8 characters/);
  await section.getByRole("button", { name: "Remove password" }).click();
  const question = section.getByRole("group", { name: "Confirm removal" });
  // The question takes focus on its safe answer, and Cancel gives it back.
  await expect(question.getByRole("button", { name: "Cancel" })).toBeFocused();
  await question.getByRole("button", { name: "Cancel" }).click();
  await expect(section.getByRole("button", { name: "Remove password" })).toBeFocused();
  await section.getByRole("button", { name: "Remove password" }).click();
  await question.getByRole("button", { name: "Remove password" }).click();

  // Signed in with the password: only a passkey can vouch for its removal.
  const dialog = page.getByRole("dialog", { name: "Confirm it's you" });
  await expect(dialog).toBeVisible();
  await expect(dialog).toContainText("To remove your password, confirm it's you with one of your passkeys.");
  await expect(dialog.getByLabel("Current password")).toBeHidden();
  await expect(dialog.getByRole("button", { name: "Verify through an email link" })).toBeHidden();
  await expectAccessible(page, "the dialog offering a passkey only");
  await dialog.getByRole("button", { name: "Use a passkey" }).click();
  await expect(section.getByRole("status")).toHaveText(
    "Password removed. You sign in with your passkeys from now on.",
  );
  await expect(section).toContainText("Your account has no password: you sign in with a passkey.");
  await expect(section.getByRole("button", { name: "Set a password" })).toBeVisible();
  await expect(section.getByRole("button", { name: "Remove password" })).toHaveCount(0);
  const session = await (await page.request.get("/api/session")).json();
  expect(session.has_password).toBe(false);
  await waitForMail(email, "The password of your Latchkey account was removed");
  expect(await authenticator.credentials()).toHaveLength(1);

  // The old password answers exactly as a wrong one.
  const removed = await passwordLogin(page, email, org, PASSWORD);
  const wrong = await passwordLogin(page, admin.email("nobody"), org, PASSWORD);
  expect(removed.status()).toBe(wrong.status());
  expect(await removed.json()).toEqual(await wrong.json());
});
