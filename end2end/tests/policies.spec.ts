// Org policies seen from the sign-in page: lockout and SSO required.
import { test, expect, addPasskeyAfterSignIn, continueToPassword, openLoginWithoutAutofill, PASSWORD } from "./fixtures";

test("after too many wrong passwords the account is locked, and a passkey still signs in", async ({
  page,
  admin,
  authenticator,
}) => {
  const { org, email } = admin.adaAtAcme();
  admin.updateOrg(org, ["--lockout-attempts", "3", "--lockout-secs", "600"]);
  await addPasskeyAfterSignIn(page, email, org);
  const credentials = await authenticator.credentials();
  await openLoginWithoutAutofill(page, authenticator, credentials, { logOut: true });

  await continueToPassword(page, email, org);
  for (let attempt = 0; attempt < 3; attempt++) {
    await page.getByLabel("Password").fill("not the password");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.getByRole("alert")).toHaveText("The email, organization or password is not correct.");
    await expect(page.getByRole("button", { name: "Sign in" })).toBeEnabled();
  }
  // Now even the right password is refused, with a clear message.
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("alert")).toHaveText(
    "Too many failed attempts: password sign-in is locked for 10 minutes. You can still sign in with a passkey.",
  );
  expect((await page.request.get("/api/session")).status()).toBe(204);

  await page.getByRole("button", { name: "Use a passkey instead" }).click();
  await expect(page.getByRole("heading", { name: "Welcome, Ada Lovelace" })).toBeVisible();
  expect((await (await page.request.get("/api/session")).json()).auth_method).toBe("passkey");
});

test("an SSO-required org refuses password sign-in: the page asks for none, and the server refuses one", async ({
  page,
  admin,
}) => {
  const { org, email } = admin.adaAtAcme();
  admin.updateOrg(org, ["--sso-required", "true"]);
  await page.goto("/login");
  await continueToPassword(page, email, org);
  await expect(page.getByText("Your organization signs you in through its identity provider.")).toBeVisible();
  await expect(page.getByLabel("Password")).toHaveCount(0);
  // Required, but no provider connected yet: a clear dead end, not a hang.
  await page.getByRole("button", { name: "Continue with single sign-on" }).click();
  await expect(page.getByRole("alert").filter({ hasText: /\S/ })).toHaveText(
    "Single sign-on is not set up for this organization.",
  );
  // Whatever the page shows, the server refuses the password.
  const refused = await page.request.post("/api/login/password", { data: { email, org, password: PASSWORD } });
  expect(refused.status()).toBe(403);
  expect(await refused.json()).toMatchObject({
    code: "sso_required",
    message: "This organization requires single sign-on: sign in through your identity provider.",
  });
  expect((await page.request.get("/api/session")).status()).toBe(204);
});
