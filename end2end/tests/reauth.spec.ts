// Re-authentication before changing passkeys, against the second test
// server whose re-authentication window is a few seconds long.
import { test, expect, openMyAccount, PASSWORD } from "./fixtures";
import { stalePort, staleWindowSecs } from "../playwright.config";

test.use({ baseURL: `http://localhost:${stalePort}` });

async function goStale(page: import("@playwright/test").Page) {
  // Lets the session's last sign-in fall out of the window (no clock to fake
  // in a browser test; this is a wait, not a timing measurement).
  await page.waitForTimeout((staleWindowSecs + 1) * 1000);
}

test("with a stale session, adding a passkey asks to confirm it's you first", async ({
  page,
  admin,
  authenticator,
}) => {
  const { org, email } = admin.adaAtAcme();
  await openMyAccount(page, email, org);
  await goStale(page);

  // The server refuses to start a registration for a stale session...
  const refused = await page.request.post("/api/passkeys/register/start");
  expect(refused.status()).toBe(403);
  expect((await refused.json()).code).toBe("reauth_required");

  // ...so the page asks first, before any browser prompt.
  await page.getByRole("button", { name: "Add a Passkey" }).click();
  await expect(page.getByRole("heading", { name: "Confirm it's you" })).toBeVisible();
  expect(await authenticator.credentials()).toHaveLength(0);
  await page.getByLabel("Current password").fill("not my password");
  await page.getByRole("button", { name: "Confirm" }).click();
  await expect(page.getByRole("alert")).toHaveText("That password is not correct.");
  await page.getByLabel("Current password").fill(PASSWORD);
  await page.getByRole("button", { name: "Confirm" }).click();
  await expect(page.getByRole("status").filter({ hasText: /\S/ })).toHaveText("Passkey “Passkey” added.");
  expect(await authenticator.credentials()).toHaveLength(1);
  expect((await (await page.request.get("/api/passkeys")).json()).passkeys).toHaveLength(1);
});

test("with a stale session, deleting asks again, and an existing passkey can confirm", async ({
  page,
  admin,
  authenticator,
}) => {
  const { org, email } = admin.adaAtAcme();
  await openMyAccount(page, email, org);
  await page.getByRole("button", { name: "Add a Passkey" }).click();
  await expect(page.getByRole("status").filter({ hasText: /\S/ })).toHaveText("Passkey “Passkey” added.");
  const [{ id }] = (await (await page.request.get("/api/passkeys")).json()).passkeys;
  await goStale(page);

  const refused = await page.request.delete(`/api/passkeys/${id}`);
  expect(refused.status()).toBe(403);
  expect((await refused.json()).code).toBe("reauth_required");

  const card = page.getByRole("listitem", { name: "Passkey" });
  await card.getByRole("button", { name: "Delete" }).click();
  await card.getByRole("button", { name: "Delete passkey" }).click();
  await expect(page.getByRole("heading", { name: "Confirm it's you" })).toBeVisible();
  await page.getByRole("button", { name: "Use a passkey" }).click();
  await expect(page.getByRole("status").filter({ hasText: /\S/ })).toHaveText("Passkey “Passkey” deleted.");
  expect((await (await page.request.get("/api/passkeys")).json()).passkeys).toHaveLength(0);
  expect(authenticator).toBeTruthy();
});
