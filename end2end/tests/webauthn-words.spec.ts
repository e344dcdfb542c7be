// Each way a browser's WebAuthn request can fail has its own words on the
// page. The virtual authenticator cannot produce SecurityError,
// NotSupportedError or a timeout, so here the browser's
// `navigator.credentials.get` is replaced by one that fails the way a real
// browser does (a DOMException of that name); the server and the rest of
// the page are the real ones.
import type { Page } from "@playwright/test";
import { test, expect } from "./fixtures";
import { shortCeremonyPort, shortCeremonySecs } from "../playwright.config";

/** Makes explicit passkey requests fail with `name` after `afterMs`;
 * autofill requests wait forever (as with no passkey picked). */
async function failRequestsWith(page: Page, name: string, afterMs = 0): Promise<void> {
  await page.addInitScript(
    ({ name, afterMs }) => {
      navigator.credentials.get = (options?: CredentialRequestOptions) =>
        options?.mediation === "conditional"
          ? new Promise(() => {})
          : new Promise((_, reject) => setTimeout(() => reject(new DOMException("refused", name)), afterMs));
    },
    { name, afterMs },
  );
}

const WORDS: [string, string][] = [
  [
    "NotAllowedError",
    "No passkey was used: the request was closed, or your device could not confirm it's you with its screen lock, fingerprint or face. Try again, or sign in another way.",
  ],
  ["SecurityError", "Passkeys cannot be used at this address. Open the console at its usual address and try again."],
  [
    "NotSupportedError",
    "This browser or device cannot use passkeys here. Sign in with your password, or use a browser that supports passkeys.",
  ],
  ["UnknownError", "The passkey request failed (UnknownError). Try again, or sign in another way."],
];

for (const [name, words] of WORDS) {
  test(`a ${name} from the browser is said in its own words`, async ({ page }) => {
    await failRequestsWith(page, name);
    await page.goto("/login");
    await page.getByRole("button", { name: "Login" }).click();
    const card = page.getByRole("region", { name: "Log in with passkey" });
    await expect(card.getByRole("alert")).toHaveText(words);
    // The page is still usable: the button works again.
    await expect(page.getByRole("button", { name: "Login" })).toBeEnabled();
    expect((await page.request.get("/api/session")).status()).toBe(204);
  });
}

test("“Use a passkey instead” waits and fails in words on the password step", async ({ page, admin }) => {
  const { org, email } = admin.adaAtAcme();
  await failRequestsWith(page, "NotAllowedError", 1_500);
  await page.goto("/login");
  await page.getByLabel("Email").fill(email);
  await page.getByRole("button", { name: "Continue" }).click();
  await page.getByLabel("Organization").fill(org);
  await page.getByRole("button", { name: "Continue" }).click();
  await page.getByRole("button", { name: "Use a passkey instead" }).click();
  const step = page.getByRole("region", { name: "Sign in to Latchkey" });
  await expect(step.getByText("Waiting for your passkey…")).toBeVisible();
  await expect(step.getByRole("alert")).toHaveText(WORDS[0][1]);
  // Shown where it was asked for, not in the "Log in with passkey" card.
  await expect(page.getByRole("region", { name: "Log in with passkey" }).getByRole("alert")).toHaveCount(0);
  await expect(page.getByLabel("Password")).toBeVisible();
});

test.describe("on the server whose ceremonies live a few seconds", () => {
  test.use({ baseURL: `http://localhost:${shortCeremonyPort}` });

  test("a request that ran out its time says it timed out", async ({ page }) => {
    // Browsers report a timeout as NotAllowedError once `timeout` (here the
    // ceremony's few seconds) has passed.
    await failRequestsWith(page, "NotAllowedError", shortCeremonySecs * 1000);
    await page.goto("/login");
    await page.getByRole("button", { name: "Login" }).click();
    await expect(page.getByText("Waiting for your passkey…")).toBeVisible();
    await expect(page.getByRole("region", { name: "Log in with passkey" }).getByRole("alert")).toHaveText(
      "The passkey request timed out. Try again when you are ready.",
      { timeout: (shortCeremonySecs + 5) * 1000 },
    );
  });
});
