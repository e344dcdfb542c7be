// What the rules change shows a person — the notice of a session ended by
// a policy change, the forced 2FA setup with its emailed code, the first
// passkey's recovery codes, the password-reset page, and the enrolment step
// a recovery code leads to, single sign-on's step and the reasons it can
// come back with, Login's fallback when this device has no passkey, the
// passkey nudge, My Account's sessions and activity,
// the Profile menu's organization switcher and each admin console tab —
// at 1280×800 and on a 375-px phone: in view,
// nothing wider than the screen, and (for the newer screens) axe-clean.
import type { Page } from "@playwright/test";
import {
  test,
  expect,
  addPasskeyAfterSignIn,
  continueToPassword,
  expectAccessible,
  openLoginWithoutAutofill,
  signInWithPassword,
  waitForMail,
  latchkey,
} from "./fixtures";

const SIZES = [
  { name: "desktop", width: 1280, height: 800 },
  { name: "phone", width: 375, height: 740 },
];

async function fitsTheWidth(page: Page): Promise<void> {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(0);
}

for (const size of SIZES) {
  test(`a session ended by a policy change says why (${size.name})`, async ({ page, admin }) => {
    await page.setViewportSize(size);
    const org = admin.orgName(`acme-${size.name}`);
    const email = admin.email(`ada-${size.name}`);
    admin.createOrg(org, "Acme Security");
    admin.createAccount(org, email, "Ada Lovelace");
    await signInWithPassword(page, email, org);
    await expect(page.getByRole("heading", { name: "Welcome, Ada Lovelace" })).toBeVisible();

    admin.updateOrg(org, ["--sso-required", "true"]);
    await page.goto("/login");
    const notice = page.getByRole("status").filter({ hasText: "this session has ended" });
    await expect(notice).toBeInViewport();
    await expect(notice).toContainText("requires single sign-on");
    await fitsTheWidth(page);
    await page.screenshot({ path: test.info().outputPath("session-ended.png") });
  });

  test(`the forced 2FA setup asks for the emailed code (${size.name})`, async ({ page, admin }) => {
    await page.setViewportSize(size);
    const org = admin.orgName(`acme-${size.name}`);
    const email = admin.email(`ada-${size.name}`);
    admin.createOrg(org, "Acme Security", ["--require-2fa"]);
    admin.createAccount(org, email, "Ada Lovelace");
    await signInWithPassword(page, email, org);
    await expect(page.getByRole("heading", { name: "Set up two-factor authentication" })).toBeInViewport();
    const field = page.getByLabel("Code from the email");
    await field.scrollIntoViewIfNeeded();
    await expect(field).toBeInViewport();
    await expect(field).toHaveAccessibleDescription(/We emailed a 6-digit code/);
    await fitsTheWidth(page);
    await page.screenshot({ path: test.info().outputPath("forced-setup.png"), fullPage: true });
  });

  test(`the first passkey's recovery codes, then a code to the enrolment step (${size.name})`, async ({
    page,
    admin,
    authenticator,
  }) => {
    await page.setViewportSize(size);
    const org = admin.orgName(`acme-${size.name}`);
    const email = admin.email(`ada-${size.name}`);
    admin.createOrg(org, "Acme Security");
    admin.createAccount(org, email, "Ada Lovelace");
    await addPasskeyAfterSignIn(page, email, org);
    const codes = page.getByRole("list", { name: "Your recovery codes" }).getByRole("listitem");
    await expect(codes).toHaveCount(10);
    const download = page.getByRole("region", { name: "Passkeys" }).getByRole("link", { name: "Download" });
    await download.scrollIntoViewIfNeeded();
    await expect(download).toBeInViewport();
    await fitsTheWidth(page);
    await expectAccessible(page, `new recovery codes (${size.name})`);
    await page.screenshot({ path: test.info().outputPath("recovery-codes.png"), fullPage: true });
    const [code] = await codes.allInnerTexts();

    await openLoginWithoutAutofill(page, authenticator, [], { logOut: true });
    await continueToPassword(page, email, org);
    await page.getByRole("button", { name: "Use a recovery code" }).click();
    await page.getByLabel("Recovery code").fill(code.trim());
    await page.getByRole("button", { name: "Sign in with the code" }).click();
    await expect(page.getByRole("heading", { name: "Set up a way to sign in" })).toBeInViewport();
    await expect(page.getByRole("button", { name: "Create a passkey" })).toBeInViewport();
    await fitsTheWidth(page);
    await expectAccessible(page, `the enrolment step (${size.name})`);
    await page.screenshot({ path: test.info().outputPath("enrolment.png"), fullPage: true });
  });

  test(`Login with no passkey on this device: the notice and the other way (${size.name})`, async ({
    page,
    authenticator,
  }) => {
    await page.setViewportSize(size);
    await openLoginWithoutAutofill(page, authenticator, []);
    await page.getByRole("button", { name: "Login" }).click();
    const card = page.getByRole("region", { name: "Log in with passkey" });
    await expect(card.getByRole("status").filter({ hasText: "No passkey on this device was used" })).toBeVisible();
    const other = card.getByRole("button", { name: "Use a phone or security key" });
    await other.scrollIntoViewIfNeeded();
    await expect(other).toBeInViewport();
    await fitsTheWidth(page);
    await expectAccessible(page, `Login's immediate fallback (${size.name})`);
  });

  test(`the password-reset page (${size.name})`, async ({ page, admin }) => {
    await page.setViewportSize(size);
    const org = admin.orgName(`acme-${size.name}`);
    const email = admin.email(`ada-${size.name}`);
    admin.createOrg(org, "Acme Security");
    admin.createAccount(org, email, "Ada Lovelace");
    const asked = await page.request.post("/api/password/reset/start", { data: { email, org } });
    expect(asked.status()).toBe(202);
    const mail = await waitForMail(email, "Reset your Latchkey password");
    await page.goto(/\/reset-password#token=[A-Za-z0-9_-]+/.exec(mail)![0]);
    await expect(page.getByRole("heading", { name: "Set a new password" })).toBeInViewport();
    const button = page.getByRole("button", { name: "Set new password" });
    await button.scrollIntoViewIfNeeded();
    await expect(button).toBeInViewport();
    await fitsTheWidth(page);
    await expectAccessible(page, `the reset page (${size.name})`);
    await page.screenshot({ path: test.info().outputPath("reset.png"), fullPage: true });
  });

  test(`single sign-on: its step, a cancelled sign-in's reason, My Account's answer (${size.name})`, async ({
    page,
    admin,
  }) => {
    await page.setViewportSize(size);
    const org = admin.orgName(`acme-${size.name}`);
    const email = admin.email(`ada-${size.name}`);
    admin.createOrg(org, "Acme Security");
    admin.createAccount(org, email, "Ada Lovelace");
    admin.connectSso(org, { required: true });
    await page.goto("/login");
    await continueToPassword(page, email, org);
    const go = page.getByRole("button", { name: "Continue with single sign-on" });
    await expect(go).toBeInViewport();
    await fitsTheWidth(page);
    await expectAccessible(page, `the single sign-on step (${size.name})`);
    await page.screenshot({ path: test.info().outputPath("sso-step.png"), fullPage: true });

    await go.click();
    await page.getByRole("link", { name: "[ Cancel ]" }).click();
    await expect(page).toHaveURL("/login");
    const reason = page.getByRole("alert").filter({ hasText: "cancelled at your identity provider" });
    await expect(reason).toBeInViewport();
    await fitsTheWidth(page);
    await expectAccessible(page, `a cancelled single sign-on (${size.name})`);
    await page.screenshot({ path: test.info().outputPath("sso-cancelled.png"), fullPage: true });

    // Signed in through the provider, My Account shows a re-authentication's answer.
    await continueToPassword(page, email, org);
    await page.getByRole("button", { name: "Continue with single sign-on" }).click();
    await page.getByPlaceholder("Enter any login").fill(email);
    await page.getByPlaceholder("and password").fill("any password");
    await page.getByRole("button", { name: "Sign-in" }).click();
    await expect(page).toHaveURL("/");
    await page.goto("/account?sso_error=other_identity");
    const answer = page.getByRole("alert").filter({ hasText: "linked to another identity" });
    await expect(answer).toBeInViewport();
    await expect(page).toHaveURL("/account");
    // Only the provider signs people in there: nothing else to manage.
    await expect(page.getByRole("region", { name: "Passkeys" })).toContainText("requires single sign-on");
    for (const section of ["Recovery codes", "Password", "Two-factor authentication"]) {
      await expect(page.getByRole("region", { name: section })).toHaveCount(0);
    }
    await fitsTheWidth(page);
    await expectAccessible(page, `My Account after a refused confirmation (${size.name})`);
    await page.screenshot({ path: test.info().outputPath("sso-account.png"), fullPage: true });
  });

  test(`the console's newer screens fit: nudge, sessions, activity, switcher, admin tabs (${size.name})`, async ({
    page,
    admin,
  }) => {
    // Every newer screen, each checked with axe: 27 s on a slow machine alone.
    test.slow();
    await page.setViewportSize(size);
    const org = admin.orgName(`acme-${size.name}`);
    const other = admin.orgName(`globex-${size.name}`);
    const email = admin.email(`ada-${size.name}`);
    admin.createOrg(org, "Acme Security");
    admin.createOrg(other, "Globex");
    admin.createAccount(org, email, "Ada Lovelace");
    admin.createAccount(other, email, "Ada Lovelace");
    latchkey(["account", "set-role", "--org", org, "--email", email, "--role", "owner"]);
    admin.createAccount(org, admin.email(`carl-with-a-rather-long-name-${size.name}`), "Carl Friedrich Gauss");
    // Globex first, so that the switcher has it.
    await signInWithPassword(page, email, other);
    await expect(page.getByRole("heading", { name: "Welcome, Ada Lovelace" })).toBeVisible();
    await page.getByRole("button", { name: "Profile" }).click();
    await page.getByRole("button", { name: "Log out" }).click();
    await expect(page).toHaveURL("/login");
    await signInWithPassword(page, email, org);
    await expect(page.getByRole("heading", { name: "Welcome, Ada Lovelace" })).toBeVisible();

    const nudge = page.getByRole("region", { name: "Sign in faster next time" });
    await nudge.scrollIntoViewIfNeeded();
    await expect(nudge.getByRole("button", { name: "Create a passkey" })).toBeInViewport();
    await fitsTheWidth(page);
    await page.getByRole("button", { name: "Profile" }).click();
    const switcher = page.locator("#profile-menu").getByRole("button", { name: "Switch to Globex" });
    await expect(switcher).toBeInViewport();
    await fitsTheWidth(page);
    await expectAccessible(page, `the home with the nudge and the switcher (${size.name})`);
    await page.getByRole("button", { name: "Profile" }).click();

    await page.goto("/account");
    for (const section of ["Where you're signed in", "Security activity"]) {
      const region = page.getByRole("region", { name: section });
      await region.scrollIntoViewIfNeeded();
      await expect(region.getByRole("listitem").first()).toBeInViewport();
    }
    await fitsTheWidth(page);
    await expectAccessible(page, `My Account's sessions and activity (${size.name})`);

    for (const [path, heading] of [
      ["/admin", "Members"],
      ["/admin/policy", "Sign-in policy"],
      ["/admin/security-log", "Security log"],
      ["/admin/coverage", "Members with a passkey"],
    ]) {
      await page.goto(path);
      await expect(page.getByRole("heading", { name: heading, exact: true })).toBeInViewport();
      await expect(page.getByText("Loading…")).toHaveCount(0);
      await fitsTheWidth(page);
      await expectAccessible(page, `${path} (${size.name})`);
      await page.screenshot({ path: test.info().outputPath(`${path.replaceAll("/", "_")}.png`), fullPage: true });
    }
  });
}

