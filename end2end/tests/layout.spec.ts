// What the rules change shows a person — the notice of a session ended by
// a policy change, and the forced 2FA setup with its emailed code — at
// 1280×800 and on a 375-px phone: in view, and nothing wider than the screen.
import type { Page } from "@playwright/test";
import { test, expect, signInWithPassword } from "./fixtures";

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
}
