// The README's screenshots, taken only when asked for:
//   SCREENSHOTS=1 npx playwright test screenshots
// They show real pages of a real run; nothing is checked here.
import path from "node:path";
import { test, expect, addPasskeyAfterSignIn, Authenticator } from "./fixtures";

const out = path.resolve(__dirname, "../../docs/screenshots");

test("README screenshots", async ({ page, admin, authenticator }) => {
  test.skip(!process.env.SCREENSHOTS, "set SCREENSHOTS=1 to take them");
  await page.setViewportSize({ width: 1100, height: 720 });
  const { org, email } = admin.adaAtAcme();
  await addPasskeyAfterSignIn(page, email, org);
  const credentials = await authenticator.credentials();
  await page.getByRole("listitem", { name: "Passkey" }).getByRole("button", { name: "Rename" }).click();
  await page.getByLabel("New name").fill("Work laptop");
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByRole("listitem", { name: "Work laptop" })).toBeVisible();
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: `${out}/my-account.png`, fullPage: true });

  await page.getByRole("navigation").getByRole("link", { name: "Home" }).click();
  await expect(page.getByRole("heading", { name: /^Welcome/ })).toBeVisible();
  await page.screenshot({ path: `${out}/console.png` });

  // The sign-in page as a person sees it: the autofill request waiting
  // on an authenticator nobody has touched.
  await authenticator.detach();
  const waiting = await Authenticator.attach(page, { presence: false });
  await waiting.addCredentials(credentials);
  await page.getByRole("button", { name: "Profile" }).click();
  await page.getByRole("button", { name: "Log out" }).click();
  await expect(page.getByRole("button", { name: "Login" })).toBeVisible();
  await page.screenshot({ path: `${out}/sign-in.png` });
});

test("README screenshot of single sign-on", async ({ page, admin }) => {
  test.skip(!process.env.SCREENSHOTS, "set SCREENSHOTS=1 to take them");
  await page.setViewportSize({ width: 1100, height: 720 });
  const { org, email } = admin.adaAtAcme();
  admin.connectSso(org, { required: true });
  await page.goto("/login");
  await page.getByLabel("Email").fill(email);
  await page.getByRole("button", { name: "Continue" }).click();
  await page.getByLabel("Organization").fill(org);
  await page.getByRole("button", { name: "Continue" }).click();
  await expect(page.getByRole("button", { name: "Continue with single sign-on" })).toBeVisible();
  await page.screenshot({ path: `${out}/single-sign-on.png` });
});
