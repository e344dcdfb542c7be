// Each way a browser's WebAuthn request can fail has its own words on the
// page. The virtual authenticator cannot produce SecurityError,
// NotSupportedError or a timeout, so here the browser's
// `navigator.credentials.get` is replaced by one that fails the way a real
// browser does (a DOMException of that name); the server and the rest of
// the page are the real ones.
import type { Page } from "@playwright/test";
import { test, expect } from "./fixtures";
import { shortCeremonyPort, shortCeremonySecs } from "../playwright.config";

/** How the page asked: `mediation` and `uiMode` of each request. */
type Asked = { mediation?: string; uiMode?: string; allowCredentials: number };

/** Makes explicit passkey requests fail with `name` after `afterMs`;
 * autofill requests wait forever (as with no passkey picked). Each request
 * is recorded (see `asked`). Unless `immediate`, the browser reports no
 * immediate mediation (`getClientCapabilities().immediateGet` false), so
 * "Login" opens the ordinary prompt. */
async function failRequestsWith(page: Page, name: string, afterMs = 0, { immediate = false } = {}): Promise<void> {
  await page.addInitScript(
    ({ name, afterMs, immediate }) => {
      const asked: Asked[] = [];
      (window as unknown as { asked: Asked[] }).asked = asked;
      navigator.credentials.get = (options?: CredentialRequestOptions) => {
        asked.push({
          mediation: options?.mediation,
          uiMode: (options as { uiMode?: string } | undefined)?.uiMode,
          allowCredentials: options?.publicKey?.allowCredentials?.length ?? 0,
        });
        return options?.mediation === "conditional"
          ? new Promise(() => {})
          : new Promise((_, reject) => setTimeout(() => reject(new DOMException("refused", name)), afterMs));
      };
      const capabilities = PublicKeyCredential.getClientCapabilities.bind(PublicKeyCredential);
      PublicKeyCredential.getClientCapabilities = async () => ({ ...(await capabilities()), immediateGet: immediate });
    },
    { name, afterMs, immediate },
  );
}

/** The explicit (not autofill) requests the page made so far. */
async function asked(page: Page): Promise<Asked[]> {
  const all = await page.evaluate(() => (window as unknown as { asked: Asked[] }).asked);
  return all.filter((a) => a.mediation !== "conditional");
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

test("with immediate mediation, Login asks this device only, and the prompt is one click away", async ({ page }) => {
  await failRequestsWith(page, "NotAllowedError", 0, { immediate: true });
  await page.goto("/login");
  await page.getByRole("button", { name: "Login" }).click();
  const card = page.getByRole("region", { name: "Log in with passkey" });
  await expect(card.getByRole("status").filter({ hasText: /\S/ })).toHaveText(
    "No passkey on this device was used. Sign in with your email above, or use a passkey on your phone or a security key.",
  );
  await expect(page.getByLabel("Email")).toBeFocused();
  expect(await asked(page)).toEqual([{ uiMode: "immediate", allowCredentials: 0 }]);
  // The ordinary prompt: no uiMode, and its refusal in its own words.
  await card.getByRole("button", { name: "Use a phone or security key" }).click();
  await expect(card.getByRole("alert")).toHaveText(WORDS[0][1]);
  await expect(card.getByRole("button", { name: "Use a phone or security key" })).toHaveCount(0);
  expect(await asked(page)).toEqual([
    { uiMode: "immediate", allowCredentials: 0 },
    { allowCredentials: 0 },
  ]);
  // Other refusals keep their words under immediate mediation too.
  await page.evaluate(() => {
    navigator.credentials.get = () => Promise.reject(new DOMException("refused", "SecurityError"));
  });
  await page.getByRole("button", { name: "Login" }).click();
  await expect(card.getByRole("alert")).toHaveText(WORDS[1][1]);
});

test("“Use a passkey instead” waits and fails in words on the password step", async ({ page, admin }) => {
  const { org, email } = admin.adaAtAcme();
  await failRequestsWith(page, "NotAllowedError", 1_500, { immediate: true });
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
  // A request naming the account: the ordinary prompt, even where
  // immediate mediation exists (it refuses allowCredentials).
  expect(await asked(page)).toEqual([{ allowCredentials: 1 }]);
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
