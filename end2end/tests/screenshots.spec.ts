// The README's screenshots, taken only when asked for:
//   SCREENSHOTS=1 npx playwright test screenshots
// They show real pages of a real run; nothing is checked here.
import path from "node:path";
import { test, expect, addPasskeyAfterSignIn } from "./fixtures";

const out = path.resolve(__dirname, "../../docs/screenshots");

test("README screenshots", async ({ page, admin }) => {
  test.skip(!process.env.SCREENSHOTS, "set SCREENSHOTS=1 to take them");
  await page.setViewportSize({ width: 1100, height: 720 });
  await page.goto("/login");
  await expect(page.getByRole("button", { name: "Login" })).toBeVisible();
  await page.screenshot({ path: `${out}/sign-in.png` });

  const { org, email } = admin.adaAtAcme();
  await addPasskeyAfterSignIn(page, email, org);
  await page.getByRole("listitem", { name: "Passkey" }).getByRole("button", { name: "Rename" }).click();
  await page.getByLabel("New name").fill("Work laptop");
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByRole("listitem", { name: "Work laptop" })).toBeVisible();
  await page.screenshot({ path: `${out}/my-account.png` });

  await page.getByRole("navigation").getByRole("link", { name: "Home" }).click();
  await expect(page.getByRole("heading", { name: /^Welcome/ })).toBeVisible();
  await page.screenshot({ path: `${out}/console.png` });
});
