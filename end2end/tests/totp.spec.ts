// TOTP two-factor authentication, with codes computed here from the key the
// page shows (as an authenticator app would).
import type { Page } from "@playwright/test";
import {
  expectAccessible,
  test,
  expect,
  continueToPassword,
  openLoginWithoutAutofill,
  signInWithPassword,
  openMyAccount,
  PASSWORD,
  totp,
  waitForMail,
} from "./fixtures";

async function scanKey(page: Page): Promise<string> {
  await expect(page.getByRole("img", { name: "QR code of the authenticator key" })).toBeVisible();
  return (await page.locator("code.totp-secret").innerText()).trim();
}

test("turn on 2FA, sign in with password and code, then with a passkey and no code", async ({
  page,
  admin,
  authenticator,
}) => {
  const { org, email } = admin.adaAtAcme();
  await openMyAccount(page, email, org);
  await page.getByRole("button", { name: "Turn on two-factor authentication" }).click();
  const secret = await scanKey(page);
  // Signed in with a password alone: a code mailed to the account proves
  // the mailbox too.
  const mail = await waitForMail(email, "Your code to finish setting up two-factor authentication");
  await page.getByLabel("Code from the email").fill(/enter this code: (\d{6})/.exec(mail)![1]);
  await page.getByLabel("Code from the app").fill("000000");
  await page.getByRole("button", { name: "Verify code" }).click();
  await expect(page.getByRole("alert")).toContainText("That code is not correct");
  await page.getByLabel("Code from the app").fill(totp(secret));
  await page.getByRole("button", { name: "Verify code" }).click();
  await expect(page.getByRole("status").filter({ hasText: /\S/ })).toHaveText("Two-factor authentication is on.");
  await expect(page.getByText("On: signing in with your password also asks for a code")).toBeVisible();
  await page.getByRole("button", { name: "Add a Passkey" }).click();
  await expect(page.getByRole("region", { name: "Passkeys" }).locator(".outcome").getByRole("status")).toHaveText(
    "Passkey “Passkey” added.",
  );
  const credentials = await authenticator.credentials();

  // Password, then the code. (The current code was used to turn 2FA on;
  // each code works once, so the app's next one is used.)
  let current = await openLoginWithoutAutofill(page, authenticator, credentials, { logOut: true });
  await continueToPassword(page, email, org);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByLabel("Authentication code")).toBeFocused();
  expect((await page.request.get("/api/session")).status()).toBe(204); // half signed in
  await expectAccessible(page, "the 2FA code step");
  await page.getByLabel("Authentication code").fill(totp(secret, 1) === "000000" ? "111111" : "000000");
  await page.getByRole("button", { name: "Verify" }).click();
  await expect(page.getByLabel("Authentication code")).toHaveAttribute("aria-invalid", "true");
  await expectAccessible(page, "the 2FA code step's error");
  await page.getByLabel("Authentication code").fill(totp(secret, 1));
  await page.getByRole("button", { name: "Verify" }).click();
  await expect(page.getByRole("heading", { name: "Welcome, Ada Lovelace" })).toBeVisible();
  expect((await (await page.request.get("/api/session")).json()).auth_method).toBe("password_totp");

  // A passkey: no code asked.
  current = await openLoginWithoutAutofill(page, current, credentials, { logOut: true });
  await page.getByRole("button", { name: "Login" }).click();
  await expect(page.getByRole("heading", { name: "Welcome, Ada Lovelace" })).toBeVisible();
  expect((await (await page.request.get("/api/session")).json()).auth_method).toBe("passkey");
  expect(current).toBeTruthy();
});

test("an org that requires 2FA makes accounts set it up right after the password", async ({ page, admin }) => {
  const { org, email } = admin.adaAtAcme();
  admin.updateOrg(org, ["--require-2fa", "true"]);
  await signInWithPassword(page, email, org);
  await expect(page.getByRole("heading", { name: "Set up two-factor authentication" })).toBeVisible();
  expect((await page.request.get("/api/session")).status()).toBe(204);
  const secret = await scanKey(page);
  // The password alone does not enrol the first second factor: the code
  // mailed to the account proves the mailbox too.
  const mail = await waitForMail(email, "Your code to finish setting up two-factor authentication");
  const mailed = /enter this code: (\d{6})/.exec(mail)![1];
  await page.getByLabel("Code from the email").fill(mailed === "000000" ? "111111" : "000000");
  await page.getByLabel("Code from the app").fill(totp(secret));
  await page.getByRole("button", { name: "Verify code" }).click();
  await expect(page.getByRole("alert")).toContainText("That is not the code we emailed you");
  expect((await page.request.get("/api/session")).status()).toBe(204);
  await page.getByLabel("Code from the email").fill(mailed);
  await page.getByRole("button", { name: "Verify code" }).click();
  await expect(page.getByRole("heading", { name: "Welcome, Ada Lovelace" })).toBeVisible();
  const session = await (await page.request.get("/api/session")).json();
  expect(session).toMatchObject({ auth_method: "password_totp", totp_enabled: true, org_requires_2fa: true });
  await waitForMail(email, "Two-factor authentication was turned on");
});
