// Passkeys with the CDP virtual authenticator: each test checks what the
// person sees, what the authenticator holds, and what the server stored.
import {
  test,
  expect,
  addPasskeyAfterSignIn,
  continueToPassword,
  openLoginWithoutAutofill,
  Authenticator,
  expectAccessible,
  PASSWORD,
} from "./fixtures";

async function storedPasskeys(page: import("@playwright/test").Page) {
  const response = await page.request.get("/api/passkeys");
  expect(response.status()).toBe(200);
  return response.json();
}

async function sessionOf(page: import("@playwright/test").Page) {
  return (await page.request.get("/api/session")).json();
}

test("add a passkey right after signing in", async ({ page, admin, authenticator }) => {
  const { org, email } = admin.adaAtAcme();

  await addPasskeyAfterSignIn(page, email, org);

  // What the person sees: a card with name, dates and kind.
  const card = page.getByRole("listitem", { name: "Passkey" });
  await expect(card).toBeVisible();
  await expect(card).toContainText("Created ");
  await expect(card).toContainText("Never used");
  // What the authenticator holds: one discoverable credential whose user
  // handle is a random id (16 bytes), not the email.
  const [credential] = await authenticator.credentials();
  expect(credential.isResidentCredential).toBe(true);
  expect(credential.rpId).toBe("localhost");
  // Both names carry the org, so any picker tells one person's orgs apart.
  expect(credential.userName).toBe(`${email} (Acme Security)`);
  expect(credential.userDisplayName).toBe("Ada Lovelace · Acme Security");
  const handle = Buffer.from(credential.userHandle!, "base64");
  expect(handle.length).toBe(16);
  expect(handle.includes(Buffer.from(email))).toBe(false);
  // What the server stored.
  const stored = await storedPasskeys(page);
  expect(stored.sso_required).toBe(false);
  expect(stored.passkeys).toHaveLength(1);
  expect(stored.passkeys[0]).toMatchObject({ name: "Passkey", provider: "Passkey", last_used_at: null });
  // The same authenticator cannot be registered twice on one account.
  await page.getByRole("button", { name: "Add a Passkey" }).click();
  await expect(page.getByRole("alert")).toHaveText(
    "This device or security key already has a passkey for this account. Use another one, or keep using the passkey you have.",
  );
  expect(await authenticator.credentials()).toHaveLength(1);
  expect((await storedPasskeys(page)).passkeys).toHaveLength(1);

  // Rename it.
  await card.getByRole("button", { name: "Rename" }).click();
  await card.getByLabel("New name").fill("Work laptop");
  await card.getByRole("button", { name: "Save" }).click();
  await expect(page.getByRole("listitem", { name: "Work laptop" })).toBeVisible();
  expect((await storedPasskeys(page)).passkeys[0].name).toBe("Work laptop");

  // Adding it changed nothing else: the password still signs in.
  const password = await page.request.post("/api/login/password", {
    data: { email, org, password: PASSWORD },
  });
  expect(password.status()).toBe(200);
});

test("autofill signs in with the passkey", async ({ page, admin, authenticator }) => {
  const { org, email } = admin.adaAtAcme();
  await addPasskeyAfterSignIn(page, email, org);
  const credentials = await authenticator.credentials();
  const current = await openLoginWithoutAutofill(page, authenticator, credentials, { logOut: true });

  // The email field's conditional request is armed on load; the virtual
  // authenticator answers it as if the person picked the passkey.
  await page.reload();
  await expect(page.getByRole("heading", { name: "Welcome, Ada Lovelace" })).toBeVisible();
  expect(await sessionOf(page)).toMatchObject({ email, auth_method: "passkey", org: { short_name: org } });
  const [credential] = await current.credentials();
  expect(credential.signCount).toBeGreaterThan(0);
  const stored = await storedPasskeys(page);
  expect(stored.passkeys[0].last_used_at).not.toBeNull();
});

test("the Login button signs in with any passkey of the site", async ({ page, admin, authenticator }) => {
  const { org, email } = admin.adaAtAcme();
  await addPasskeyAfterSignIn(page, email, org);
  const credentials = await authenticator.credentials();

  await openLoginWithoutAutofill(page, authenticator, credentials, { logOut: true });
  await page.getByRole("button", { name: "Login" }).click();
  await expect(page.getByRole("heading", { name: "Welcome, Ada Lovelace" })).toBeVisible();
  expect(await sessionOf(page)).toMatchObject({ email, auth_method: "passkey" });
});

test("one email in two orgs: each passkey names its org and signs into it", async ({
  page,
  admin,
  authenticator,
}) => {
  const acme = admin.orgName("acme");
  const globex = admin.orgName("globex");
  const email = admin.email("ada");
  admin.createOrg(acme, "Acme Security");
  admin.createOrg(globex, "Globex Corporation");
  admin.createAccount(acme, email, "Ada Lovelace");
  admin.createAccount(globex, email, "Ada Lovelace");
  await addPasskeyAfterSignIn(page, email, acme);
  // Signing in to the second org with a password: autofill must not get in
  // the way, so the page opens without the authenticator.
  let credentials = await authenticator.credentials();
  let current = await openLoginWithoutAutofill(page, authenticator, credentials, { logOut: true });
  await continueToPassword(page, email, globex);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("button", { name: "Profile" }).click();
  await page.locator("#profile-menu").getByRole("link", { name: "My Account" }).click();
  await page.getByRole("button", { name: "Add a Passkey" }).click();
  await expect(page.getByRole("status").filter({ hasText: /\S/ })).toHaveText("Passkey “Passkey” added.");

  credentials = await current.credentials();
  expect(credentials.map((c) => c.userDisplayName).sort()).toEqual([
    "Ada Lovelace · Acme Security",
    "Ada Lovelace · Globex Corporation",
  ]);
  expect(new Set(credentials.map((c) => c.userHandle)).size).toBe(2);

  for (const [org, name] of [
    [acme, "Acme Security"],
    [globex, "Globex Corporation"],
  ]) {
    current = await openLoginWithoutAutofill(page, current, credentials, { logOut: true });
    await continueToPassword(page, email, org);
    await page.getByRole("button", { name: "Use a passkey instead" }).click();
    await expect(page.getByText(`You are signed in to ${name} as ${email}.`)).toBeVisible();
    expect(await sessionOf(page)).toMatchObject({ auth_method: "passkey", org: { short_name: org } });
  }
});

test("a deleted passkey can no longer sign in", async ({ page, admin, authenticator }) => {
  const { org, email } = admin.adaAtAcme();
  await addPasskeyAfterSignIn(page, email, org);
  const credentials = await authenticator.credentials();

  const card = page.getByRole("listitem", { name: "Passkey" });
  await card.getByRole("button", { name: "Delete" }).click();
  await expect(card.getByRole("group", { name: "Confirm deletion" })).toContainText("You will no longer be able to sign in with it.");
  await card.getByRole("button", { name: "Delete passkey" }).click();
  await expect(page.getByRole("status").filter({ hasText: /\S/ })).toHaveText("Passkey “Passkey” deleted.");
  await expect(page.getByText("You have no passkeys yet.")).toBeVisible();
  expect((await storedPasskeys(page)).passkeys).toHaveLength(0);

  await openLoginWithoutAutofill(page, authenticator, credentials, { logOut: true });
  await page.getByRole("button", { name: "Login" }).click();
  // Its own words: a retry can never work, so the page does not suggest one.
  await expect(page.getByRole("alert")).toHaveText(
    "This passkey is no longer registered with Latchkey: it may have been deleted from your account. Sign in another way, and remove it from your device or password manager.",
  );
  await expect(page).toHaveURL("/login");
  expect((await page.request.get("/api/session")).status()).toBe(204);
});

test("an SSO-required org has no passkeys, and an earlier passkey cannot sign in", async ({
  page,
  admin,
  authenticator,
}) => {
  const { org, email } = admin.adaAtAcme();
  await addPasskeyAfterSignIn(page, email, org);
  const credentials = await authenticator.credentials();

  admin.updateOrg(org, ["--sso-required", "true"]);
  // The password session ended with the switch; the sign-in page says why.
  await openLoginWithoutAutofill(page, authenticator, credentials);
  await expect(
    page.getByText("Your organization now requires single sign-on, so this session has ended."),
  ).toBeVisible();
  expect((await page.request.get("/api/session")).status()).toBe(204);
  const refused = await page.request.post("/api/passkeys/register/start");
  expect(refused.status()).toBe(401);

  // The earlier passkey cannot sign in there.
  await page.getByRole("button", { name: "Login" }).click();
  await expect(page.getByRole("alert")).toContainText("This organization requires single sign-on");
  expect((await page.request.get("/api/session")).status()).toBe(204);
});

const NO_PASSKEY_HERE =
  "No passkey on this device was used. Sign in with your email above, or use a passkey on your phone or a security key.";

test("where this device has no passkey for the site, Login goes straight to the email field", async ({
  page,
  authenticator,
}) => {
  // A browser with immediate mediation (getClientCapabilities().immediateGet).
  await page.goto("/login");
  expect(await page.evaluate(async () => (await PublicKeyCredential.getClientCapabilities()).immediateGet)).toBe(true);
  // An authenticator without a passkey for the site: no prompt opens.
  const empty = await openLoginWithoutAutofill(page, authenticator, []);
  const started = page.waitForResponse((r) => new URL(r.url()).pathname === "/api/login/passkey/start");
  await page.getByRole("button", { name: "Login" }).click();
  expect((await started).status()).toBe(200);
  await expect(page.getByRole("status").filter({ hasText: /\S/ })).toHaveText(NO_PASSKEY_HERE);
  await expect(page.getByLabel("Email")).toBeFocused();
  await expect(page.getByRole("alert")).toHaveCount(0);
  await expectAccessible(page, "the sign-in page after Login found no passkey here");
  expect((await page.request.get("/api/session")).status()).toBe(204);
  // Phones and security keys stay one click away: the browser's prompt,
  // waiting here for a security key the person has not touched yet. Cancel
  // ends it even when pressed before the prompt opened.
  await empty.detach();
  await Authenticator.attach(page, { presence: false });
  await page.getByRole("button", { name: "Use a phone or security key" }).click();
  const waiting = page.getByRole("status").filter({ hasText: "Waiting for your passkey…" });
  await expect(waiting).toBeVisible();
  await waiting.getByRole("button", { name: "Cancel" }).click();
  await expect(waiting).toBeHidden();
  await expect(page.getByRole("alert")).toHaveCount(0);
});

test("an assertion without user verification is refused", async ({ page, admin, authenticator }) => {
  const { org, email } = admin.adaAtAcme();
  await addPasskeyAfterSignIn(page, email, org);
  const credentials = await authenticator.credentials();

  const unverified = await openLoginWithoutAutofill(page, authenticator, credentials, { logOut: true });
  // An authenticator that cannot verify the user: the browser itself
  // refuses, since the request requires user verification.
  await unverified.setUserVerified(false);
  // "Login" asks with immediate mediation, whose refusals all read "no
  // passkey here"; the prompt that can say more is one click away.
  await page.getByRole("button", { name: "Login" }).click();
  await expect(page.getByRole("status").filter({ hasText: /\S/ })).toHaveText(NO_PASSKEY_HERE);
  await page.getByRole("button", { name: "Use a phone or security key" }).click();
  await expect(page.getByRole("alert")).toHaveText(
    "No passkey was used: the request was closed, or your device could not confirm it's you with its screen lock, fingerprint or face. Try again, or sign in another way.",
  );
  expect((await page.request.get("/api/session")).status()).toBe(204);

  // An authenticator that answers anyway with the UV flag cleared: the
  // server refuses the assertion.
  await unverified.setUserVerified(true);
  await unverified.overrideResponseBits({ isBadUV: true });
  await page.getByRole("button", { name: "Login" }).click();
  await expect(page.getByRole("alert")).toHaveText(
    "Your passkey did not confirm it's you (no PIN, fingerprint or face check). Use a passkey protected by a screen lock or PIN, and try again.",
  );
  await expect(page).toHaveURL("/login");
  expect((await page.request.get("/api/session")).status()).toBe(204);
});

test("no session token in web storage or in any URL the app visited", async ({ page, admin, authenticator }) => {
  const visited: string[] = [];
  page.on("request", (request) => visited.push(request.url()));
  const { org, email } = admin.adaAtAcme();
  await addPasskeyAfterSignIn(page, email, org);
  const credentials = await authenticator.credentials();
  await openLoginWithoutAutofill(page, authenticator, credentials, { logOut: true });
  await page.getByRole("button", { name: "Login" }).click();
  await expect(page.getByRole("heading", { name: "Welcome, Ada Lovelace" })).toBeVisible();

  const token = (await page.context().cookies()).find((c) => c.name === "latchkey_session")?.value;
  expect(token, "a session cookie").toBeTruthy();
  const storage = await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }));
  expect(storage).not.toContain(token!);
  expect(visited.length).toBeGreaterThan(5);
  for (const url of visited) expect(url).not.toContain(token!);
});
