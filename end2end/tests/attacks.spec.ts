// What a cloned or inconsistent authenticator sends, made with the CDP
// virtual authenticator: the browser delivers it, the server must refuse it
// (the API tests check the audit trail's cause for each).
import { test, expect, addPasskeyAfterSignIn, openLoginWithoutAutofill } from "./fixtures";

const refused = "The passkey could not be verified. Please try again.";

test("a cloned authenticator whose counter went backwards is refused; the original keeps working", async ({
  page,
  admin,
  authenticator,
}) => {
  const { org, email } = admin.adaAtAcme();
  await addPasskeyAfterSignIn(page, email, org);

  // One sign-in with the real authenticator moves the stored counter on.
  let current = await openLoginWithoutAutofill(page, authenticator, await authenticator.credentials(), { logOut: true });
  await page.getByRole("button", { name: "Login" }).click();
  await expect(page.getByRole("heading", { name: "Welcome, Ada Lovelace" })).toBeVisible();
  const original = await current.credentials();
  expect(original[0].signCount).toBeGreaterThan(0);

  // A copy of the key whose counter starts again from 0.
  const clone = original.map((credential) => ({ ...credential, signCount: 0 }));
  current = await openLoginWithoutAutofill(page, current, clone, { logOut: true });
  await page.getByRole("button", { name: "Login" }).click();
  await expect(page.getByRole("alert")).toHaveText(refused);
  expect((await page.request.get("/api/session")).status()).toBe(204);

  // The original, with its real counter, still signs in.
  current = await openLoginWithoutAutofill(page, current, original);
  await page.getByRole("button", { name: "Login" }).click();
  await expect(page.getByRole("heading", { name: "Welcome, Ada Lovelace" })).toBeVisible();
});

test("an authenticator claiming backed up without backup eligible is refused", async ({ page, admin, authenticator }) => {
  const { org, email } = admin.adaAtAcme();
  await addPasskeyAfterSignIn(page, email, org);
  const current = await openLoginWithoutAutofill(page, authenticator, await authenticator.credentials(), {
    logOut: true,
  });
  const [credential] = await current.credentials();
  await current.cdp.send("WebAuthn.setCredentialProperties", {
    authenticatorId: current.id,
    credentialId: credential.credentialId,
    backupEligibility: false,
    backupState: true,
  });
  await page.getByRole("button", { name: "Login" }).click();
  await expect(page.getByRole("alert")).toHaveText(refused);
  expect((await page.request.get("/api/session")).status()).toBe(204);
});
