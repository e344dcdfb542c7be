// Clients nobody here wrote: the browser's own WebAuthn JSON helpers
// (PublicKeyCredential.parseCreationOptionsFromJSON / parseRequestOptionsFromJSON
// and PublicKeyCredential.toJSON, WebAuthn Level 3 §5.1.8–5.1.10) work
// against the API, their answers posted exactly as they come.
import { test, expect, signInWithPassword } from "./fixtures";

test("registration and sign-in through the browser's WebAuthn JSON helpers", async ({
  page,
  admin,
  authenticator,
}) => {
  const { org, email } = admin.adaAtAcme();
  await signInWithPassword(page, email, org);
  await expect(page.getByRole("heading", { name: "Welcome, Ada Lovelace" })).toBeVisible();

  const outcome = await page.evaluate(async () => {
    const post = (path: string, body?: unknown) =>
      fetch(path, {
        method: "POST",
        headers: body === undefined ? {} : { "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    const pkc = PublicKeyCredential as unknown as {
      parseCreationOptionsFromJSON(json: unknown): PublicKeyCredentialCreationOptions;
      parseRequestOptionsFromJSON(json: unknown): PublicKeyCredentialRequestOptions;
    };
    const registration = await (await post("/api/passkeys/register/start")).json();
    const created = (await navigator.credentials.create({
      publicKey: pkc.parseCreationOptionsFromJSON(registration.options.publicKey),
    })) as PublicKeyCredential & { toJSON(): unknown };
    const registered = await post("/api/passkeys/register/finish", {
      ceremony_id: registration.ceremony_id,
      credential: created.toJSON(),
    });
    await post("/api/logout");
    const login = await (await post("/api/login/passkey/start", { account: null })).json();
    const asserted = (await navigator.credentials.get({
      publicKey: pkc.parseRequestOptionsFromJSON(login.options.publicKey),
    })) as PublicKeyCredential & { toJSON(): unknown };
    const signedIn = await post("/api/login/passkey/finish", {
      ceremony_id: login.ceremony_id,
      credential: asserted.toJSON(),
    });
    const session = await fetch("/api/session");
    return {
      registered: registered.status,
      signedIn: signedIn.status,
      session: session.status === 200 ? await session.json() : null,
    };
  });
  expect(outcome.registered).toBe(200);
  expect(outcome.signedIn).toBe(200);
  expect(outcome.session).toMatchObject({ email, auth_method: "passkey", org: { short_name: org } });
  // What the server stored: one passkey, the one on the authenticator.
  const stored = (await (await page.request.get("/api/passkeys")).json()).passkeys;
  expect(stored).toHaveLength(1);
  expect(stored[0].last_used_at).not.toBeNull();
  expect(await authenticator.credentials()).toHaveLength(1);
});
