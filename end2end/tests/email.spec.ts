// Emails, read from the server's outbox: the re-authentication link, the
// list of one's organizations, and security notifications.
import { test, expect, openMyAccount, waitForMail, mailTo, PASSWORD } from "./fixtures";
import { stalePort, staleWindowSecs } from "../playwright.config";

test.describe("on the server with a short re-authentication window", () => {
  test.use({ baseURL: `http://localhost:${stalePort}` });

  test("a stale session confirms through an email link, then adds a passkey", async ({
    page,
    browser,
    admin,
    authenticator,
  }) => {
    const { org, email } = admin.adaAtAcme();
    await openMyAccount(page, email, org);
    await page.waitForTimeout((staleWindowSecs + 1) * 1000);

    await page.getByRole("button", { name: "Add a Passkey" }).click();
    await page.getByRole("button", { name: "Verify through an email link" }).click();
    await expect(page.getByRole("status").filter({ hasText: /\S/ })).toContainText("We sent you an email with a link.");
    const message = await waitForMail(email, "Confirm it's you");
    const link = message.match(/http:\/\/localhost:\d+\/verify-email#token=[A-Za-z0-9_-]+/)![0];

    // A mail scanner fetching the link (GET, HEAD) changes nothing.
    const other = await browser.newContext();
    expect((await other.request.get(link)).status()).toBe(200);
    expect((await other.request.head(link)).status()).toBe(200);
    expect(await authenticator.credentials()).toHaveLength(0);

    // The person opens it on another device and confirms.
    const phone = await other.newPage();
    await phone.goto(link);
    await expect(phone).toHaveURL(/\/verify-email$/); // the token left the address bar
    await phone.getByRole("button", { name: "Confirm" }).click();
    await expect(phone.getByRole("status").filter({ hasText: /\S/ })).toContainText("Confirmed.");
    await other.close();

    // The waiting page notices by itself and carries on with the passkey.
    await expect(page.getByRole("status").filter({ hasText: /\S/ })).toHaveText("Passkey “Passkey” added.", { timeout: 15_000 });
    expect(await authenticator.credentials()).toHaveLength(1);
    const session = await (await page.request.get("/api/session")).json();
    expect(session.auth_method).toBe("email_link");
  });

  test("This wasn't me: the link names the asking session and can end it", async ({ page, browser, admin }) => {
    const { org, email } = admin.adaAtAcme();
    await openMyAccount(page, email, org);
    await page.waitForTimeout((staleWindowSecs + 1) * 1000);
    await page.getByRole("button", { name: "Add a Passkey" }).click();
    await page.getByRole("button", { name: "Verify through an email link" }).click();
    const message = await waitForMail(email, "Confirm it's you");
    // The mail names the asking browser in words, never the raw header.
    expect(message).toContain("with Chrome on Linux");
    expect(message).not.toContain(await page.evaluate(() => navigator.userAgent));

    // The page the link opens, on a phone.
    const other = await browser.newContext({ viewport: { width: 375, height: 740 } });
    const phone = await other.newPage();
    const link = message.match(/http:\/\/localhost:\d+\/verify-email#token=[A-Za-z0-9_-]+/)![0];
    await phone.goto(link);
    await expect(phone.getByText("with Chrome on Linux")).toBeInViewport();
    await expect(phone.getByRole("button", { name: "This wasn't me" })).toBeInViewport();
    expect(await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0);
    await phone.screenshot({ path: test.info().outputPath("verify-email-phone.png") });
    await phone.getByRole("button", { name: "This wasn't me" }).click();
    await expect(phone.getByRole("status").filter({ hasText: /\S/ })).toContainText("The session that asked was signed out.");
    await other.close();

    // The asking session is gone on the server.
    expect((await page.request.get("/api/session")).status()).toBe(204);
  });
});

test("Email me a list of my organizations: same page for any email, the list in the mailbox", async ({
  page,
  admin,
}) => {
  const acme = admin.orgName("acme");
  const globex = admin.orgName("globex");
  const email = admin.email("ada");
  admin.createOrg(acme, "Acme Security");
  admin.createOrg(globex, "Globex Corporation");
  admin.createAccount(acme, email, "Ada Lovelace");
  admin.createAccount(globex, email, "Ada Lovelace");

  const pageTextFor = async (address: string) => {
    await page.goto("/login");
    await page.getByLabel("Email").fill(address);
    await page.getByRole("button", { name: "Continue" }).click();
    await page.getByRole("button", { name: "Email me a list of my organizations" }).click();
    const status = page.getByRole("status").filter({ hasText: /\S/ });
    await expect(status).toBeVisible();
    return (await status.innerText()).replace(address, "EMAIL");
  };
  const known = await pageTextFor(email);
  const unknown = await pageTextFor(admin.email("nobody"));
  expect(known).toBe(unknown);

  const message = await waitForMail(email, "Your Latchkey organizations");
  expect(message).toContain(`Acme Security (${acme})`);
  expect(message).toContain(`Globex Corporation (${globex})`);
  expect(mailTo(admin.email("nobody"))).toHaveLength(0);

  // Its link preselects the org: email, then straight to the password.
  const link = message.match(new RegExp(`http://localhost:\\d+/login\\?org=${globex}`))![0];
  await page.goto(link);
  await page.getByLabel("Email").fill(email);
  await page.getByRole("button", { name: "Continue" }).click();
  await expect(page.getByText(`${email} · ${globex}`)).toBeVisible();
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByText(`You are signed in to Globex Corporation as ${email}.`)).toBeVisible();
});

test("adding and deleting a passkey send notifications", async ({ page, admin, authenticator }) => {
  const { org, email } = admin.adaAtAcme();
  await openMyAccount(page, email, org);
  await page.getByRole("button", { name: "Add a Passkey" }).click();
  await expect(page.getByRole("status").filter({ hasText: /\S/ })).toHaveText("Passkey “Passkey” added.");
  const added = await waitForMail(email, "A passkey was added to your Latchkey account");
  expect(added).toContain('The passkey "Passkey" was added to your account in Acme Security');

  const card = page.getByRole("listitem", { name: "Passkey" });
  await card.getByRole("button", { name: "Delete" }).click();
  await card.getByRole("button", { name: "Delete passkey" }).click();
  await expect(page.getByRole("status").filter({ hasText: /\S/ })).toHaveText("Passkey “Passkey” deleted.");
  const deleted = await waitForMail(email, "A passkey was deleted from your Latchkey account");
  expect(deleted).toContain("If this was not you");
  expect(authenticator).toBeTruthy();
});
