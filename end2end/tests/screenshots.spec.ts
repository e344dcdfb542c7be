// The README's screenshots, taken only when asked for:
//   SCREENSHOTS=1 npx playwright test screenshots
// They show real pages of a real run; nothing is checked here.
import path from "node:path";
import { test, expect, addPasskeyAfterSignIn, Authenticator, latchkey } from "./fixtures";

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

test("README screenshots of the admin console", async ({ page, browser, admin }) => {
  test.skip(!process.env.SCREENSHOTS, "set SCREENSHOTS=1 to take them");
  await page.setViewportSize({ width: 1200, height: 800 });
  const { org, email } = admin.adaAtAcme();
  latchkey(["account", "set-role", "--org", org, "--email", email, "--role", "owner"]);
  const people = [
    ["grace", "Grace Hopper"],
    ["carl", "Carl Gauss"],
    ["edsger", "Edsger Dijkstra"],
    ["frances", "Frances Allen"],
  ];
  for (const [local, name] of people) admin.createAccount(org, admin.email(local), name);
  latchkey(["account", "set-role", "--org", org, "--email", admin.email("grace"), "--role", "admin"]);
  // Grace adds a passkey in her own browser.
  const grace = await browser.newContext();
  const gracePage = await grace.newPage();
  await Authenticator.attach(gracePage);
  await addPasskeyAfterSignIn(gracePage, admin.email("grace"), org);
  await grace.close();

  await Authenticator.attach(page);
  await addPasskeyAfterSignIn(page, email, org);
  await page.goto("/admin");
  await expect(page.getByRole("table").getByRole("row")).toHaveCount(6);
  await page.screenshot({ path: `${out}/admin-members.png`, fullPage: true });
  await page.goto("/admin/coverage");
  await expect(page.getByRole("region", { name: "No passkey yet" }).getByRole("listitem")).toHaveCount(3);
  await page.screenshot({ path: `${out}/admin-coverage.png`, fullPage: true });
});
