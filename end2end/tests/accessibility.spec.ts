// WCAG 2.2 AA, checked by axe on every page and state a person meets, and
// by hand where axe cannot see: keyboard-only use, where focus goes.
import {
  test,
  expect,
  expectAccessible,
  addPasskeyAfterSignIn,
  openMyAccount,
  signInWithPassword,
  waitForMail,
  PASSWORD,
} from "./fixtures";
import { stalePort, staleWindowSecs } from "../playwright.config";

test("every sign-in step and its error passes axe", async ({ page, admin }) => {
  const { org, email } = admin.adaAtAcme();
  await page.goto("/login");
  await expect(page.getByLabel("Email")).toBeFocused();
  await expectAccessible(page, "the email step");

  await page.getByRole("button", { name: "Continue" }).click();
  await expect(page.getByLabel("Email")).toHaveAttribute("aria-invalid", "true");
  await expect(page.getByLabel("Email")).toHaveAccessibleDescription("Enter your email address, like name@example.com.");
  await expectAccessible(page, "the email step's error");

  await page.getByLabel("Email").fill(email);
  await page.getByRole("button", { name: "Continue" }).click();
  await expect(page.getByLabel("Organization")).toBeFocused();
  await expectAccessible(page, "the organization step");
  await page.getByRole("button", { name: "Continue" }).click();
  await expect(page.getByLabel("Organization")).toHaveAttribute("aria-invalid", "true");
  await expect(page.getByLabel("Organization")).toHaveAccessibleDescription(
    "The short name of your organization, like acme. Enter your organization's short name.",
  );
  await expectAccessible(page, "the organization step's error");

  await page.getByLabel("Organization").fill(org);
  await page.getByRole("button", { name: "Continue" }).click();
  await expect(page.getByLabel("Password")).toBeFocused();
  await expectAccessible(page, "the password step");
  await page.getByLabel("Password").fill("not the password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByLabel("Password")).toHaveAccessibleDescription(
    "The email, organization or password is not correct.",
  );
  await expectAccessible(page, "the password step's error");
});

test("the 2FA code step and the forced 2FA setup pass axe", async ({ page, admin }) => {
  const { org, email } = admin.adaAtAcme();
  admin.updateOrg(org, ["--require-2fa", "true"]);
  await signInWithPassword(page, email, org);
  await expect(page.getByRole("heading", { name: "Set up two-factor authentication" })).toBeVisible();
  await waitForMail(email, "Your code to finish setting up two-factor authentication");
  await expect(page.getByLabel("Code from the email")).toBeFocused();
  await expectAccessible(page, "the forced 2FA setup");
  await page.getByLabel("Code from the email").fill("000000");
  await page.getByLabel("Code from the app").fill("000000");
  await page.getByRole("button", { name: "Verify code" }).click();
  await expect(page.getByRole("alert")).toBeVisible();
  await expectAccessible(page, "the forced 2FA setup's error");
  // Cancel leaves the half-finished sign-in, back at the email.
  await page.getByRole("button", { name: "Cancel" }).click();
  await expect(page.getByLabel("Email")).toBeFocused();
});

test("the console, My Account with a passkey, 2FA setup and the SSO notice pass axe", async ({
  page,
  admin,
  authenticator,
}) => {
  const { org, email } = admin.adaAtAcme();
  await addPasskeyAfterSignIn(page, email, org);
  expect(await authenticator.credentials()).toHaveLength(1);
  await expectAccessible(page, "My Account with a passkey and its message");
  await page.getByRole("button", { name: "Turn on two-factor authentication" }).click();
  await expect(page.getByRole("img", { name: "QR code of the authenticator key" })).toBeVisible();
  await expectAccessible(page, "My Account's 2FA setup");
  // The setup can be left.
  await page.getByRole("button", { name: "Cancel" }).click();
  await expect(page.getByRole("button", { name: "Turn on two-factor authentication" })).toBeVisible();

  await page.getByRole("navigation").getByRole("link", { name: "Home" }).click();
  await expect(page.getByRole("heading", { name: "Welcome, Ada Lovelace" })).toBeVisible();
  await expectAccessible(page, "the console home");
  await page.getByRole("button", { name: "Profile" }).click();
  await expect(page.locator("#profile-menu").getByRole("link", { name: "My Account" })).toBeVisible();
  await expectAccessible(page, "the open Profile menu");

  await page.goto("/verify-email");
  await expect(page.getByRole("alert")).toContainText("This link is incomplete.");
  await expectAccessible(page, "the emailed-link page");

  await page.goto("/no-such-page");
  await expect(page.getByRole("heading", { name: "Page not found" })).toBeVisible();
  await expectAccessible(page, "the not-found page");

  // Single sign-on: the session ends, and the sign-in page says why.
  admin.updateOrg(org, ["--sso-required", "true"]);
  await page.goto("/login");
  await expect(page.getByText("requires single sign-on, so this session has ended")).toBeVisible();
  await expectAccessible(page, "the SSO notice");
});

test("keyboard only: password sign-in, focus on each step's field", async ({ page, admin }) => {
  const { org, email } = admin.adaAtAcme();
  await page.goto("/login");
  await expect(page.getByLabel("Email")).toBeFocused();
  await page.keyboard.type(email);
  await page.keyboard.press("Enter");
  await expect(page.getByLabel("Organization")).toBeFocused();
  await page.keyboard.type(org);
  await page.keyboard.press("Enter");
  // Focus is on the new step's field, not on the page: the next key
  // goes into the password, never to the passkey "Login" button.
  await expect(page.getByLabel("Password")).toBeFocused();
  await page.keyboard.type(PASSWORD);
  await page.keyboard.press("Enter");
  await expect(page.getByRole("heading", { name: "Welcome, Ada Lovelace" })).toBeVisible();
  expect((await (await page.request.get("/api/session")).json()).auth_method).toBe("password");
});

test("where WebAuthn is missing, the passkey options explain instead of failing", async ({ page, admin }) => {
  await page.addInitScript(() => {
    delete (window as { PublicKeyCredential?: unknown }).PublicKeyCredential;
  });
  const { org, email } = admin.adaAtAcme();
  await page.goto("/login");
  await expect(page.getByText("This browser cannot use passkeys.")).toBeVisible();
  await expect(page.getByRole("button", { name: "Login" })).toHaveCount(0);
  await page.getByLabel("Email").fill(email);
  await page.getByRole("button", { name: "Continue" }).click();
  await page.getByLabel("Organization").fill(org);
  await page.getByRole("button", { name: "Continue" }).click();
  await expect(page.getByLabel("Password")).toBeVisible();
  await expect(page.getByRole("button", { name: "Use a passkey instead" })).toHaveCount(0);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("button", { name: "Profile" }).click();
  await page.locator("#profile-menu").getByRole("link", { name: "My Account" }).click();
  await expect(page.getByText("This browser cannot create passkeys.")).toBeVisible();
  await expect(page.getByRole("button", { name: "Add a Passkey" })).toHaveCount(0);
});

test("keyboard only: a passkey card's questions take focus and give it back", async ({
  page,
  admin,
  authenticator,
}) => {
  const { org, email } = admin.adaAtAcme();
  await addPasskeyAfterSignIn(page, email, org);
  expect(await authenticator.credentials()).toHaveLength(1);
  const card = page.getByRole("listitem", { name: "Passkey" });
  // Delete asks first; focus goes to its safe answer, and back.
  await card.getByRole("button", { name: "Delete" }).focus();
  await page.keyboard.press("Enter");
  const question = card.getByRole("group", { name: "Confirm deletion" });
  await expect(question.getByRole("button", { name: "Cancel" })).toBeFocused();
  await page.keyboard.press("Enter");
  await expect(card.getByRole("button", { name: "Delete" })).toBeFocused();
  // Rename: focus into the field, and back to Rename once saved.
  await page.keyboard.press("Shift+Tab");
  await expect(card.getByRole("button", { name: "Rename" })).toBeFocused();
  await page.keyboard.press("Enter");
  await expect(card.getByLabel("New name")).toBeFocused();
  await page.keyboard.press("ControlOrMeta+A");
  await page.keyboard.type("Work laptop");
  await page.keyboard.press("Enter");
  const renamed = page.getByRole("listitem", { name: "Work laptop" });
  await expect(renamed.getByRole("button", { name: "Rename" })).toBeFocused();
  expect((await (await page.request.get("/api/passkeys")).json()).passkeys[0].name).toBe("Work laptop");
});

test.describe("on the server with a short re-authentication window", () => {
  test.use({ baseURL: `http://localhost:${stalePort}` });

  test("keyboard only: adding a passkey on a stale session, through the dialog", async ({
    page,
    admin,
    authenticator,
  }) => {
    const { org, email } = admin.adaAtAcme();
    await openMyAccount(page, email, org);
    await page.waitForTimeout((staleWindowSecs + 1) * 1000);

    // Tab to "Add a Passkey" from the top of the page.
    const add = page.getByRole("button", { name: "Add a Passkey" });
    await page.locator("body").focus();
    for (let i = 0; i < 20 && !(await add.evaluate((el) => el === document.activeElement)); i++) {
      await page.keyboard.press("Tab");
    }
    await expect(add).toBeFocused();

    // Esc cancels, and focus goes back to the button.
    await page.keyboard.press("Enter");
    const dialog = page.getByRole("dialog", { name: "Confirm it's you" });
    await expect(dialog).toBeVisible();
    await expect(dialog).toContainText("To add a passkey, confirm it's you");
    await expect(page.getByLabel("Current password")).toBeFocused();
    await expectAccessible(page, "the Confirm it's you dialog");
    await page.keyboard.press("Escape");
    await expect(dialog).toBeHidden();
    await expect(add).toBeFocused();
    expect(await authenticator.credentials()).toHaveLength(0);

    // Focus stays in the dialog while it is open.
    await page.keyboard.press("Enter");
    await expect(page.getByLabel("Current password")).toBeFocused();
    for (let i = 0; i < 8; i++) {
      await page.keyboard.press("Tab");
      expect(await page.evaluate(() => document.activeElement?.closest("dialog") !== null)).toBe(true);
    }
    await page.getByLabel("Current password").focus();
    await page.keyboard.type("not my password");
    await page.keyboard.press("Enter");
    await expect(page.getByLabel("Current password")).toHaveAccessibleDescription("That password is not correct.");
    await expectAccessible(page, "the dialog's error");
    await page.getByLabel("Current password").fill("");
    await page.keyboard.type(PASSWORD);
    await page.keyboard.press("Enter");
    await expect(dialog).toBeHidden();
    const added = page.getByRole("region", { name: "Passkeys" }).locator(".outcome").getByRole("status");
    await expect(added).toHaveText("Passkey “Passkey” added.");
    await expect(add).toBeFocused();
    expect(await authenticator.credentials()).toHaveLength(1);
    expect((await (await page.request.get("/api/passkeys")).json()).passkeys).toHaveLength(1);
  });
});
