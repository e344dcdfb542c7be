// The console's frame and where messages appear: landmarks, the left
// navigation with Profile at its bottom, the dialog and each result inside
// the viewport at 1280×800 and on a 375-px phone; and the passkey prompt
// as a person lives it: waiting, cancelled, idle, refused, armed again.
import type { Page } from "@playwright/test";
import {
  test,
  expect,
  addPasskeyAfterSignIn,
  continueToPassword,
  openLoginWithoutAutofill,
  signInWithPassword,
  Authenticator,
  PASSWORD,
} from "./fixtures";
import { shortCeremonyPort, shortCeremonySecs, stalePort, staleWindowSecs } from "../playwright.config";

const SIZES = [
  { name: "desktop", width: 1280, height: 800 },
  { name: "phone", width: 375, height: 740 },
];

/** Collects every console error, including the browser's log of a refused
 * API request, which the page fixture lets through (see fixtures.ts). */
function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(message.text());
  });
  page.on("pageerror", (error) => errors.push(String(error)));
  return errors;
}

async function fitsTheWidth(page: Page): Promise<void> {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(0);
}

for (const size of SIZES) {
  test(`the console frame: landmarks, names, Profile (${size.name})`, async ({ page, admin }) => {
    await page.setViewportSize(size);
    const { org, email } = admin.adaAtAcme();
    await page.goto("/login");
    // The sign-in cards keep a margin from the screen's edges.
    const card = await page.locator(".card.login").boundingBox();
    expect(card!.x).toBeGreaterThanOrEqual(12);
    expect(card!.x + card!.width).toBeLessThanOrEqual(size.width - 12);
    await fitsTheWidth(page);

    await signInWithPassword(page, email, org);
    await expect(page.getByRole("heading", { name: "Welcome, Ada Lovelace" })).toBeVisible();
    await expect(page.getByRole("banner")).toHaveCount(1);
    await expect(page.getByRole("navigation")).toHaveCount(1);
    await expect(page.getByRole("main")).toHaveCount(1);
    // The navigation marks where the person is.
    const nav = page.getByRole("navigation");
    await expect(nav.getByRole("link", { name: "Home" })).toHaveAttribute("aria-current", "page");
    await expect(nav.getByRole("link", { name: "My Account" })).not.toHaveAttribute("aria-current", "page");
    // The person's name and the org's display name, not its short name.
    await expect(page.getByRole("banner")).toContainText("Ada Lovelace");
    await expect(page.getByRole("banner")).toContainText("Acme Security");
    const profile = await page.getByRole("button", { name: "Profile" }).boundingBox();
    if (size.name === "desktop") {
      // At the bottom left, as the help pages say.
      expect(profile!.x).toBeLessThan(100);
      expect(profile!.y + profile!.height).toBeGreaterThan(size.height - 80);
    }
    await page.getByRole("button", { name: "Profile" }).click();
    const myAccount = page.locator("#profile-menu").getByRole("link", { name: "My Account" });
    await expect(myAccount).toBeInViewport();
    // Drawn in the app's accent, not the browser's default link blue.
    expect(await myAccount.evaluate((el) => getComputedStyle(el).color)).toBe("rgb(11, 92, 173)");
    await fitsTheWidth(page);
  });

  test(`the dialog and each result are in view (${size.name})`, async ({ page, admin, authenticator }) => {
    await page.setViewportSize(size);
    const base = `http://localhost:${stalePort}`;
    const { org, email } = admin.adaAtAcme();
    await page.goto(`${base}/login`);
    await page.getByLabel("Email").fill(email);
    await page.getByRole("button", { name: "Continue" }).click();
    await page.getByLabel("Organization").fill(org);
    await page.getByRole("button", { name: "Continue" }).click();
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.getByRole("heading", { name: "Welcome, Ada Lovelace" })).toBeVisible();
    await page.goto(`${base}/account`);
    await page.waitForTimeout((staleWindowSecs + 1) * 1000);

    await page.getByRole("button", { name: "Add a Passkey" }).click();
    const dialog = page.getByRole("dialog", { name: "Confirm it's you" });
    await expect(dialog).toBeInViewport({ ratio: 1 });
    await page.getByLabel("Current password").fill(PASSWORD);
    await page.getByRole("button", { name: "Confirm" }).click();
    const passkeys = page.getByRole("region", { name: "Passkeys" });
    await expect(passkeys.locator(".outcome").getByRole("status")).toHaveText("Passkey “Passkey” added.");
    await expect(passkeys.locator(".outcome").getByRole("status")).toBeInViewport();
    await fitsTheWidth(page);
    await page.screenshot({ path: test.info().outputPath("passkey-added.png") });

    const card = page.getByRole("listitem", { name: "Passkey" });
    await card.getByRole("button", { name: "Delete" }).click();
    await card.getByRole("button", { name: "Delete passkey" }).click();
    await expect(passkeys.locator(".outcome").getByRole("status")).toHaveText("Passkey “Passkey” deleted.");
    await expect(passkeys.locator(".outcome").getByRole("status")).toBeInViewport();
    expect((await (await page.request.get(`${base}/api/passkeys`)).json()).passkeys).toHaveLength(0);
    expect(authenticator).toBeTruthy();
  });
}

test("on a stale session, turning 2FA on asks through the same dialog, saying what for", async ({ page, admin }) => {
  const base = `http://localhost:${stalePort}`;
  const { org, email } = admin.adaAtAcme();
  await page.goto(`${base}/login`);
  await page.getByLabel("Email").fill(email);
  await page.getByRole("button", { name: "Continue" }).click();
  await page.getByLabel("Organization").fill(org);
  await page.getByRole("button", { name: "Continue" }).click();
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { name: "Welcome, Ada Lovelace" })).toBeVisible();
  await page.goto(`${base}/account`);
  await page.waitForTimeout((staleWindowSecs + 1) * 1000);

  await page.getByRole("button", { name: "Turn on two-factor authentication" }).click();
  const dialog = page.getByRole("dialog", { name: "Confirm it's you" });
  await expect(dialog).toContainText("To turn on two-factor authentication, confirm it's you");
  await expect(dialog).not.toContainText("passkeys");
  // No passkey on the account: the dialog offers none.
  await expect(dialog.getByRole("button", { name: "Use a passkey" })).toHaveCount(0);
  await page.getByLabel("Current password").fill(PASSWORD);
  await page.getByRole("button", { name: "Confirm" }).click();
  await expect(dialog).toBeHidden();
  // The change carried on: the setup is shown, in view.
  const qr = page.getByRole("img", { name: "QR code of the authenticator key" });
  await expect(qr).toBeVisible();
  expect((await (await page.request.get(`${base}/api/session`)).json()).totp_enabled).toBe(false);
});

test("a waiting passkey prompt says so, and Cancel ends it without an error", async ({ page, admin, authenticator }) => {
  const { org, email } = admin.adaAtAcme();
  await addPasskeyAfterSignIn(page, email, org);
  // No authenticator at all: the browser's prompt waits for one.
  const fresh = await openLoginWithoutAutofill(page, authenticator, [], { logOut: true });
  await fresh.detach();
  await page.getByRole("button", { name: "Login" }).click();
  const waiting = page.getByRole("status").filter({ hasText: "Waiting for your passkey…" });
  // The Login button first asks for a passkey on this device only
  // (immediate mediation); with no authenticator at all the browser may
  // answer that none is here before Cancel is pressed (on a loaded machine
  // the wait outlasts the click), and the other way then waits instead.
  const fallback = page.getByRole("button", { name: "Use a phone or security key" });
  await expect(async () => {
    if (await fallback.isVisible()) await fallback.click();
    await expect(waiting).toBeVisible({ timeout: 2_000 });
    await expect(page.getByRole("button", { name: "Login" })).toBeDisabled({ timeout: 1_000 });
    await waiting.getByRole("button", { name: "Cancel" }).click({ timeout: 2_000 });
  }).toPass({ timeout: 20_000 });
  await expect(waiting).toBeHidden();
  await expect(page.getByRole("button", { name: "Login" })).toBeEnabled();
  await expect(page.getByRole("alert")).toHaveCount(0);
  expect((await page.request.get("/api/session")).status()).toBe(204);
});

test("a refused autofill pick arms a fresh ceremony, which signs in; nothing panics", async ({
  page,
  admin,
  authenticator,
}) => {
  const { org, email } = admin.adaAtAcme();
  await addPasskeyAfterSignIn(page, email, org);
  expect(await authenticator.credentials()).toHaveLength(1);
  // The first finish is answered as if its ceremony had expired (as after
  // a pick on a page left idle without renewal).
  let finishes = 0;
  await page.route("**/api/login/passkey/finish", async (route) => {
    finishes += 1;
    if (finishes > 1) return route.continue();
    await route.fulfill({
      status: 400,
      contentType: "application/json",
      body: JSON.stringify({
        code: "ceremony_invalid",
        message: "This passkey request has expired or was already used. Please try again.",
      }),
    });
  });
  // Back at the sign-in page, the virtual authenticator picks the passkey
  // from autofill at once, as a person would from the email field.
  await page.getByRole("button", { name: "Profile" }).click();
  await page.getByRole("button", { name: "Log out" }).click();
  await expect(page.getByRole("heading", { name: "Welcome, Ada Lovelace" })).toBeVisible();
  expect(finishes).toBe(2);
  expect((await (await page.request.get("/api/session")).json()).auth_method).toBe("passkey");
  // No panic and no other console error: the page fixture checks it.
});

test.describe("on the server whose ceremonies live a few seconds", () => {
  test.use({ baseURL: `http://localhost:${shortCeremonyPort}` });

  test("autofill is renewed while the page sits idle, and a later pick signs in", async ({
    page,
    admin,
    authenticator,
  }) => {
    const { org, email } = admin.adaAtAcme();
    await addPasskeyAfterSignIn(page, email, org);
    const credentials = await authenticator.credentials();
    // The sign-in page, with an authenticator that holds no passkey yet:
    // the autofill request waits.
    const errors = watchErrors(page);
    // The passkey on an authenticator nobody touches yet: the autofill
    // request waits.
    await authenticator.detach();
    const untouched = await Authenticator.attach(page, { presence: false });
    await untouched.addCredentials(credentials);
    await page.getByRole("button", { name: "Profile" }).click();
    await page.getByRole("button", { name: "Log out" }).click();
    await expect(page.getByRole("button", { name: "Login" })).toBeVisible();
    // Idle for longer than a ceremony lives (a wait, not a measurement).
    await page.waitForTimeout((shortCeremonySecs + 3) * 1000);
    await expect(page).toHaveURL("/login");
    // Now the person picks the passkey: the request waiting now was
    // renewed, so its ceremony is still alive on the server.
    await untouched.setPresence(true);
    await expect(page.getByRole("heading", { name: "Welcome, Ada Lovelace" })).toBeVisible({ timeout: 15_000 });
    expect((await (await page.request.get("/api/session")).json()).auth_method).toBe("passkey");
    expect(errors).toEqual([]);
  });
});

test("the console's code is fetched once a sign-in starts, not when the sign-in page opens", async ({ page, admin }) => {
  const { org, email } = admin.adaAtAcme();
  const isChunk = (url: string) => /^\/pkg\/split_.*\.wasm$/.test(new URL(url).pathname);
  const chunks: string[] = [];
  page.on("request", (request) => {
    if (isChunk(request.url())) chunks.push(request.url());
  });
  await page.goto("/login");
  await expect(page.getByRole("button", { name: "Login" })).toBeVisible();
  await page.waitForLoadState("networkidle");
  expect(chunks, "nothing of the console's before the person acts").toEqual([]);
  // Typing the email starts it, and it arrives whole.
  const fetched = page.waitForResponse((response) => isChunk(response.url()));
  await page.getByLabel("Email").fill(email);
  expect((await fetched).status()).toBe(200);
  await continueToPassword(page, email, org);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { name: "Welcome, Ada Lovelace" })).toBeVisible();
});
