// The ways back in: recovery codes (shown once with the first passkey, to
// copy or download; a code signs in to the enrolment step only, once),
// enrollment links from the CLI, and the guard on the last passkey.
import fs from "node:fs";
import type { Page } from "@playwright/test";
import {
  test,
  expect,
  addPasskeyAfterSignIn,
  Authenticator,
  continueToPassword,
  expectAccessible,
  openLoginWithoutAutofill,
  waitForMail,
} from "./fixtures";

const CODE = /^[a-z0-9]{5}-[a-z0-9]{5}$/;

/** The recovery codes the page shows. */
async function shownCodes(page: Page): Promise<string[]> {
  const list = page.getByRole("list", { name: "Your recovery codes" });
  await expect(list.getByRole("listitem")).toHaveCount(10);
  return (await list.getByRole("listitem").allInnerTexts()).map((c) => c.trim());
}

async function sessionOf(page: Page) {
  return (await page.request.get("/api/session")).json();
}

test("the first passkey comes with ten recovery codes, shown once, to copy or download", async ({
  page,
  admin,
  authenticator,
}) => {
  await page.context().grantPermissions(["clipboard-read", "clipboard-write"]);
  const { org, email } = admin.adaAtAcme();
  await addPasskeyAfterSignIn(page, email, org);
  expect(await authenticator.credentials()).toHaveLength(1);
  const section = page.getByRole("region", { name: "Recovery codes" });
  // Right under the passkey's result, which stays in view.
  const passkeys = page.getByRole("region", { name: "Passkeys" });
  const panel = passkeys.locator(".recovery-codes");
  const codes = await shownCodes(page);
  for (const code of codes) expect(code).toMatch(CODE);
  expect(new Set(codes).size).toBe(10);
  await expect(panel).toContainText("this is the only time they are shown");
  await expect(passkeys.locator(".outcome").getByRole("status")).toBeInViewport();
  await expect(section).toContainText("10 of 10 unused.");
  expect((await sessionOf(page)).recovery_codes_left).toBe(10);
  await expectAccessible(page, "My Account showing new recovery codes");

  // Download: a text file with every code.
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    panel.getByRole("link", { name: "Download" }).click(),
  ]);
  expect(download.suggestedFilename()).toBe("latchkey-recovery-codes.txt");
  const file = fs.readFileSync(await download.path(), "utf8");
  for (const code of codes) expect(file).toContain(code);
  expect(file).toContain(email);

  // Copy: the same text on the clipboard.
  await panel.getByRole("button", { name: "Copy" }).click();
  await expect(panel.getByRole("status").filter({ hasText: /\S/ })).toHaveText("Copied to the clipboard.");
  const copied = await page.evaluate(() => navigator.clipboard.readText());
  for (const code of codes) expect(copied).toContain(code);

  // Shown once: a reload has the count, not the codes.
  await page.reload();
  await expect(section).toContainText("10 of 10 unused.");
  await expect(page.getByRole("list", { name: "Your recovery codes" })).toHaveCount(0);
  // A second passkey (on another authenticator) brings no new codes.
  await authenticator.detach();
  const second = await Authenticator.attach(page);
  await page.getByRole("button", { name: "Add a Passkey" }).click();
  await expect(page.getByRole("region", { name: "Passkeys" }).locator(".outcome").getByRole("status")).toHaveText("Passkey “Passkey” added.");
  await expect(page.getByRole("list", { name: "Your recovery codes" })).toHaveCount(0);
  expect(await second.credentials()).toHaveLength(1);

  // On demand, new ones replace them.
  await section.getByRole("button", { name: "Get new recovery codes" }).click();
  const fresh = await shownCodes(page);
  expect(fresh.some((c) => codes.includes(c))).toBe(false);
  await expect(section.locator(".recovery-codes")).toBeInViewport();
  await waitForMail(email, "New recovery codes for your Latchkey account");
});

test("a recovery code signs in to the enrolment step only; a new passkey finishes it; the code works once", async ({
  page,
  admin,
  authenticator,
}) => {
  const { org, email } = admin.adaAtAcme();
  await addPasskeyAfterSignIn(page, email, org);
  const [code] = await shownCodes(page);

  // The device with the passkey is lost: a new one, with no passkey.
  const lost = await openLoginWithoutAutofill(page, authenticator, [], { logOut: true });
  await continueToPassword(page, email, org);
  await page.getByRole("button", { name: "Use a recovery code" }).click();
  const field = page.getByLabel("Recovery code");
  await expect(field).toBeFocused();
  await expect(field).toHaveAttribute("autocomplete", "off");
  await expect(field).toHaveAttribute("spellcheck", "false");
  await expectAccessible(page, "the recovery code step");
  await field.fill("aaaaa-bbbbb");
  await page.getByRole("button", { name: "Sign in with the code" }).click();
  await expect(field).toHaveAccessibleDescription(/The email, organization or recovery code is not correct\./);
  expect((await page.request.get("/api/session")).status()).toBe(204);
  await field.fill(code.toUpperCase().replace("-", ""));
  await page.getByRole("button", { name: "Sign in with the code" }).click();

  await expect(page.getByRole("heading", { name: "Set up a way to sign in" })).toBeVisible();
  await expect(page.getByText("You signed in with a recovery code (9 left).")).toBeVisible();
  await expect(page.getByRole("button", { name: "Create a passkey" })).toBeFocused();
  await expect(page.getByRole("button", { name: "Login" })).toHaveCount(0);
  await expectAccessible(page, "the enrolment step");
  expect(await sessionOf(page)).toMatchObject({ pending: "enroll", auth_method: "recovery_code" });
  await waitForMail(email, "A recovery code was used on your Latchkey account");

  // Nothing else opens to this session: not My Account, not the passkey list.
  await page.goto("/account");
  await expect(page).toHaveURL("/login");
  await expect(page.getByRole("heading", { name: "Set up a way to sign in" })).toBeVisible();
  const list = await page.request.get("/api/passkeys");
  expect(list.status()).toBeGreaterThanOrEqual(400);
  expect(list.status()).toBeLessThan(500);
  // A reload stays at the step.
  await page.reload();
  await expect(page.getByRole("heading", { name: "Set up a way to sign in" })).toBeVisible();

  await page.getByRole("button", { name: "Create a passkey" }).click();
  await expect(page.getByRole("heading", { name: "Welcome, Ada Lovelace" })).toBeVisible();
  expect(await lost.credentials()).toHaveLength(1);
  const session = await sessionOf(page);
  expect(session.pending).toBeUndefined();
  expect(session.recovery_codes_left).toBe(9);
  await page.goto("/account");
  await expect(page.getByRole("listitem", { name: "Passkey" })).toHaveCount(2);
  await expect(page.getByRole("region", { name: "Recovery codes" })).toContainText("9 of 10 unused.");

  // The same code again: refused.
  await page.request.post("/api/logout");
  const again = await page.request.post("/api/login/recovery", { data: { email, org, code } });
  expect(again.status()).toBe(401);
  expect((await again.json()).code).toBe("invalid_credentials");
});

test("an enrollment link from the CLI: the page changes nothing until Continue, then a passkey and its codes, then the console", async ({
  page,
  browser,
  admin,
  authenticator,
}) => {
  const org = admin.orgName("acme");
  const email = admin.email("grace");
  admin.createOrg(org, "Acme Security");
  admin.createPasswordlessAccount(org, email, "Grace Hopper");
  const link = admin.enrollLink(org, email);

  // A GET of the link (a mail scanner) changes nothing.
  const other = await browser.newContext();
  expect((await other.request.get(link)).status()).toBe(200);
  await other.close();

  await page.goto(link);
  await expect(page).toHaveURL(/\/enroll$/);
  await expect(page.getByRole("heading", { name: "Set up your sign-in" })).toBeVisible();
  await expect(page.getByText(`This link sets up how ${email} signs in to Acme Security (${org}).`)).toBeVisible();
  await expectAccessible(page, "the enrollment link page");
  await page.getByRole("button", { name: "Continue" }).click();

  await expect(page).toHaveURL("/login");
  await expect(page.getByRole("heading", { name: "Set up a way to sign in" })).toBeVisible();
  await expect(page.getByText("Welcome to Acme Security.")).toBeVisible();
  await expect(page.getByRole("button", { name: "Set a password instead" })).toBeVisible();
  expect(await sessionOf(page)).toMatchObject({ pending: "enroll", auth_method: "enrollment_link", has_password: false });
  await page.getByRole("button", { name: "Create a passkey" }).click();

  // No recovery codes yet: they come with the passkey, shown once.
  const codes = await shownCodes(page);
  for (const code of codes) expect(code).toMatch(CODE);
  await expectAccessible(page, "the enrolment step's recovery codes");
  await page.getByRole("button", { name: "Continue to the console" }).click();
  await expect(page.getByRole("heading", { name: "Welcome, Grace Hopper" })).toBeVisible();
  await expect(page.getByRole("region", { name: "This session" })).toContainText("Enrollment link");
  expect(await authenticator.credentials()).toHaveLength(1);
  expect(await sessionOf(page)).toMatchObject({ has_password: false, recovery_codes_left: 10 });

  // The link works once.
  await page.goto(link);
  await expect(page.getByRole("alert")).toHaveText("This link has expired or was already used. Ask for a new one.");
  await expect(page.getByRole("link", { name: "Go to the sign-in page" })).toBeVisible();
  await expectAccessible(page, "the enrollment page with a used link");
});

test("an enrollment link with a password instead", async ({ page, admin }) => {
  const org = admin.orgName("acme");
  const email = admin.email("grace");
  admin.createOrg(org, "Acme Security");
  admin.createPasswordlessAccount(org, email, "Grace Hopper");
  await page.goto(admin.enrollLink(org, email));
  await page.getByRole("button", { name: "Continue" }).click();
  await page.getByRole("button", { name: "Set a password instead" }).click();
  const field = page.getByLabel("New password");
  await expect(field).toBeFocused();
  await expect(field).toHaveAttribute("autocomplete", "new-password");
  await field.fill(email);
  await page.getByRole("button", { name: "Set password" }).click();
  await expect(field).toHaveAccessibleDescription(/The password cannot be your email address or your organization's name\./);
  await expectAccessible(page, "the enrolment step's password error");
  await field.fill("correct horse battery staple");
  await page.getByRole("button", { name: "Set password" }).click();
  await expect(page.getByRole("heading", { name: "Welcome, Grace Hopper" })).toBeVisible();
  expect(await sessionOf(page)).toMatchObject({ has_password: true });
  const login = await page.request.post("/api/login/password", {
    data: { email, org, password: "correct horse battery staple" },
  });
  expect(login.status()).toBe(200);
});

test("the last passkey: refused without a password or codes, deleted only when the person accepts relying on codes", async ({
  page,
  admin,
  authenticator,
}) => {
  const org = admin.orgName("acme");
  const email = admin.email("grace");
  admin.createOrg(org, "Acme Security");
  admin.createPasswordlessAccount(org, email, "Grace Hopper");
  // Enrolled with a passkey whose recovery codes never came (refused here).
  await page.route("**/api/account/recovery-codes", (route) =>
    route.fulfill({ status: 429, json: { code: "rate_limited", message: "Too many requests." } }),
  );
  await page.goto(admin.enrollLink(org, email));
  await page.getByRole("button", { name: "Continue" }).click();
  await page.getByRole("button", { name: "Create a passkey" }).click();
  await expect(page.getByRole("heading", { name: "Welcome, Grace Hopper" })).toBeVisible();
  await page.unroute("**/api/account/recovery-codes");
  expect(await sessionOf(page)).toMatchObject({ has_password: false, recovery_codes_left: 0 });

  await page.goto("/account");
  await expect(page.getByRole("region", { name: "Recovery codes" })).toContainText("None yet.");
  // No password to remove.
  await expect(page.getByRole("button", { name: "Remove password" })).toHaveCount(0);
  const card = page.getByRole("listitem", { name: "Passkey" });
  await card.getByRole("button", { name: "Delete" }).click();
  await card.getByRole("button", { name: "Delete passkey" }).click();
  await expect(page.getByRole("region", { name: "Passkeys" }).getByRole("alert").filter({ hasText: /\S/ })).toHaveText(
    "This is your last passkey and your account has no password or recovery code: add another passkey or set a password before you delete it.",
  );
  await expect(card).toBeVisible();

  // With recovery codes, the server asks first; Cancel keeps it.
  await page.getByRole("button", { name: "Get new recovery codes" }).click();
  await shownCodes(page);
  await card.getByRole("button", { name: "Delete" }).click();
  await card.getByRole("button", { name: "Delete passkey" }).click();
  const question = card.getByRole("group", { name: "Confirm deletion" });
  await expect(question).toContainText("Delete it anyway? Your 10 recovery codes will be your only way back in.");
  await expect(question.getByRole("button", { name: "Cancel" })).toBeFocused();
  await expectAccessible(page, "the last passkey's question");
  await question.getByRole("button", { name: "Cancel" }).click();
  expect((await (await page.request.get("/api/passkeys")).json()).passkeys).toHaveLength(1);

  await card.getByRole("button", { name: "Delete" }).click();
  await card.getByRole("button", { name: "Delete passkey" }).click();
  await question.getByRole("button", { name: "Delete anyway" }).click();
  await expect(page.getByRole("region", { name: "Passkeys" }).locator(".outcome").getByRole("status")).toHaveText("Passkey “Passkey” deleted.");
  expect((await (await page.request.get("/api/passkeys")).json()).passkeys).toHaveLength(0);
  expect(authenticator).toBeTruthy();
});
