// The harness itself: the page is served on localhost, the email field is
// marked up for passkey autofill, and the virtual authenticator is usable.
import { test, expect, expectConsoleError } from "./fixtures";

test("the virtual authenticator is ready for passkey ceremonies", async ({ page, authenticator }) => {
  await page.goto("/login");
  await expect(page.getByLabel("Email")).toHaveAttribute("autocomplete", "username webauthn");
  expect(await authenticator.credentials()).toEqual([]);
  const support = await page.evaluate(async () => ({
    secure: window.isSecureContext,
    platform: await PublicKeyCredential.isUserVerifyingPlatformAuthenticatorAvailable(),
    conditional: await PublicKeyCredential.isConditionalMediationAvailable(),
  }));
  expect(support).toEqual({ secure: true, platform: true, conditional: true });
});

test("pages load under the Content-Security-Policy without violations", async ({ page }) => {
  const violations: string[] = [];
  page.on("console", (message) => {
    if (/Content Security Policy|Refused to/.test(message.text())) violations.push(message.text());
  });
  const response = await page.goto("/login");
  const csp = response!.headers()["content-security-policy"];
  expect(csp).toContain("script-src 'self' 'wasm-unsafe-eval' 'sha256-");
  expect(csp).toContain("frame-ancestors 'none'");
  expect(csp).not.toContain("unsafe-inline");
  expect(response!.headers()["x-content-type-options"]).toBe("nosniff");
  // The app rendered, so its loader script ran under the policy.
  await expect(page.getByRole("button", { name: "Login" })).toBeVisible();
  // An injected inline script is refused (the browser logs the refusal).
  expectConsoleError(page, /^Executing inline script violates the following Content Security Policy/);
  await page.evaluate(() => {
    const script = document.createElement("script");
    script.textContent = "window.__injected = true";
    document.body.append(script);
  });
  expect(await page.evaluate(() => (window as unknown as { __injected?: boolean }).__injected)).toBeUndefined();
  // The only violation reported is that refusal: the app itself needs none.
  await expect.poll(() => violations.length).toBe(1);
  expect(violations[0]).toContain("inline script");
});
