// The harness itself: the page is served on localhost, the email field is
// marked up for passkey autofill, and the virtual authenticator is usable.
import { test, expect } from "./fixtures";

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
