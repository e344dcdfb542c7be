// The transports a browser reports when a passkey is made are given back
// to it, as reported, whenever the server names that passkey — including
// values newer than the server's WebAuthn library knows (WebAuthn §5.8.4).
import {
  test,
  expect,
  addPasskeyAfterSignIn,
  continueToPassword,
  openLoginWithoutAutofill,
} from "./fixtures";

test("a transport the browser reported, even a newer one, comes back in the next request", async ({
  page,
  admin,
  authenticator,
}) => {
  const { org, email } = admin.adaAtAcme();
  // A newer browser's report: what Chromium said, and "smart-card".
  let reported: string[] = [];
  await page.route("**/api/passkeys/register/finish", async (route) => {
    const body = route.request().postDataJSON();
    reported = body.credential.response.transports ?? [];
    body.credential.response.transports = [...reported, "smart-card"];
    await route.continue({ postData: JSON.stringify(body) });
  });
  await addPasskeyAfterSignIn(page, email, org);
  expect(reported.length).toBeGreaterThan(0);
  const expected = [...reported, "smart-card"];

  // What the browser is asked with, recorded on every page from now on.
  await page.addInitScript(() => {
    const get = navigator.credentials.get.bind(navigator.credentials);
    (window as unknown as { asked: unknown[] }).asked = [];
    navigator.credentials.get = (options?: CredentialRequestOptions) => {
      const allowed = options?.publicKey?.allowCredentials ?? [];
      (window as unknown as { asked: unknown[] }).asked.push(allowed.map((c) => c.transports));
      return get(options);
    };
  });
  const credentials = await authenticator.credentials();
  // Signed out from the page itself, so that the next load is a full one
  // (the recorder above runs on loads).
  await page.evaluate(() => fetch("/api/logout", { method: "POST" }));
  const fresh = await openLoginWithoutAutofill(page, authenticator, credentials);
  await continueToPassword(page, email, org);
  const started = page.waitForResponse("**/api/login/passkey/start");
  await page.getByRole("button", { name: "Use a passkey instead" }).click();
  // What the server stored comes back in its answer…
  const sent = await (await started).json();
  expect(sent.options.publicKey.allowCredentials[0].transports).toEqual(expected);
  // …and reaches the browser's request unchanged, and the sign-in works.
  await expect(page.getByRole("heading", { name: "Welcome, Ada Lovelace" })).toBeVisible();
  const asked = await page.evaluate(() => (window as unknown as { asked: unknown[] }).asked);
  expect(asked).toContainEqual([expected]);
  expect(await fresh.credentials()).toHaveLength(1);
});
