// Password sign-in through the email → organization → password steps.
import { test, expect, signInWithPassword, PASSWORD } from "./fixtures";

test("password sign-in lands on the console", async ({ page, admin }) => {
  const { org, email } = admin.adaAtAcme();

  await signInWithPassword(page, email, org);

  await expect(page).toHaveURL("/");
  await expect(page.getByRole("heading", { name: "Welcome, Ada Lovelace" })).toBeVisible();
  await expect(page.getByText(`You are signed in to Acme Security as ${email}.`)).toBeVisible();
  // The server agrees: the browser's cookie is a live session for that account.
  const session = await page.request.get("/api/session");
  expect(session.status()).toBe(200);
  expect(await session.json()).toMatchObject({
    email,
    org: { short_name: org, name: "Acme Security" },
    auth_method: "password",
  });
  // The session cookie is out of reach of scripts.
  const cookies = await page.context().cookies();
  const cookie = cookies.find((c) => c.name === "latchkey_session");
  expect(cookie?.httpOnly).toBe(true);
  expect(cookie?.sameSite).toBe("Strict");
  expect(await page.evaluate(() => document.cookie)).not.toContain("latchkey_session");
});

test("the sign-in page and the console load without a console error", async ({ page, admin }) => {
  // Signed out is the normal state of /login: the session probe must not
  // fail (a 401 there was logged as an error on every visit).
  const errors: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(message.text());
  });
  page.on("pageerror", (error) => errors.push(String(error)));
  await page.goto("/login");
  await expect(page.getByRole("button", { name: "Login" })).toBeVisible();
  await page.waitForLoadState("networkidle");
  expect((await page.request.get("/api/session")).status()).toBe(204);
  const { org, email } = admin.adaAtAcme();
  await signInWithPassword(page, email, org);
  await expect(page.getByRole("heading", { name: "Welcome, Ada Lovelace" })).toBeVisible();
  await page.goto("/account");
  await expect(page.getByRole("heading", { name: "Passkeys" })).toBeVisible();
  await page.waitForLoadState("networkidle");
  expect(errors).toEqual([]);
});

test("wrong password and unknown email show the same message", async ({ page, admin }) => {
  const { org, email } = admin.adaAtAcme();

  await signInWithPassword(page, email, org, "not the password");
  const alert = page.getByRole("alert");
  await expect(alert).toBeVisible();
  const wrongPassword = await alert.innerText();
  await expect(page).toHaveURL("/login");

  await signInWithPassword(page, admin.email("nobody"), org);
  await expect(alert).toBeVisible();
  const unknownEmail = await alert.innerText();

  await signInWithPassword(page, email, admin.orgName("no-such-org"));
  await expect(alert).toBeVisible();
  const unknownOrg = await alert.innerText();

  expect(wrongPassword).toBe("The email, organization or password is not correct.");
  expect(unknownEmail).toBe(wrongPassword);
  expect(unknownOrg).toBe(wrongPassword);
  expect((await page.request.get("/api/session")).status()).toBe(204);
});

test("an email with accounts in two orgs signs into the org picked", async ({ page, admin }) => {
  const acme = admin.orgName("acme");
  const globex = admin.orgName("globex");
  const email = admin.email("ada");
  admin.createOrg(acme, "Acme Security");
  admin.createOrg(globex, "Globex Corporation");
  admin.createAccount(acme, email, "Ada at Acme");
  admin.createAccount(globex, email, "Ada at Globex", "a different password");

  await signInWithPassword(page, email, globex, "a different password");
  await expect(page.getByRole("heading", { name: "Welcome, Ada at Globex" })).toBeVisible();
  await expect(page.getByText(`You are signed in to Globex Corporation as ${email}.`)).toBeVisible();
  expect((await (await page.request.get("/api/session")).json()).org.short_name).toBe(globex);

  // Each org's account has its own password: Acme's is not Globex's.
  await page.getByRole("button", { name: "Profile" }).click();
  await page.getByRole("button", { name: "Log out" }).click();
  await expect(page).toHaveURL("/login");
  await signInWithPassword(page, email, acme, "a different password");
  await expect(page.getByRole("alert")).toHaveText(
    "The email, organization or password is not correct.",
  );
});

test("Log out ends the session, and the old cookie is refused", async ({ page, admin, browser }) => {
  const { org, email } = admin.adaAtAcme();
  await signInWithPassword(page, email, org);
  await expect(page.getByRole("heading", { name: "Welcome, Ada Lovelace" })).toBeVisible();
  const [cookie] = (await page.context().cookies()).filter((c) => c.name === "latchkey_session");
  expect(cookie).toBeTruthy();
  // Something else this site left in the browser's storage.
  await page.evaluate(() => {
    localStorage.setItem("left-behind", "1");
    sessionStorage.setItem("left-behind", "1");
  });

  await page.getByRole("button", { name: "Profile" }).click();
  await page.getByRole("button", { name: "Log out" }).click();
  await expect(page).toHaveURL("/login");
  await expect(page.getByLabel("Email")).toBeVisible();
  // Clear-Site-Data emptied the site's storage; the app wrote back only
  // the organizations it remembers for one-click sign-in.
  const left = await page.evaluate(() => ({
    local: Object.keys(localStorage),
    session: Object.keys(sessionStorage),
  }));
  expect(left).toEqual({ local: ["latchkey.orgs"], session: [] });

  // Replaying the old cookie from another browser context: nobody is signed
  // in with it, and the API refuses it.
  const other = await browser.newContext();
  await other.addCookies([cookie]);
  expect((await other.request.get("/api/session")).status()).toBe(204);
  const replay = await other.request.get("/api/passkeys");
  expect(replay.status()).toBe(401);
  expect((await replay.json()).code).toBe("unauthenticated");
  await other.close();
  // And the console is no longer reachable.
  await page.goto("/account");
  await expect(page).toHaveURL("/login");
});

test("a remembered org is offered on the next visit", async ({ page, admin }) => {
  const { org, email } = admin.adaAtAcme();
  await signInWithPassword(page, email, org);
  await expect(page.getByRole("heading", { name: "Welcome, Ada Lovelace" })).toBeVisible();
  await page.getByRole("button", { name: "Profile" }).click();
  await page.getByRole("button", { name: "Log out" }).click();
  await expect(page).toHaveURL("/login");

  await page.reload();
  await page.getByLabel("Email").fill(email);
  await page.getByRole("button", { name: "Continue" }).click();
  const remembered = page.getByRole("button", { name: `Acme Security (${org})` });
  await expect(remembered).toBeVisible();
  await remembered.click();
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { name: "Welcome, Ada Lovelace" })).toBeVisible();
});

test("Profile → My Account shows the account and its org", async ({ page, admin }) => {
  const { org, email } = admin.adaAtAcme();
  await signInWithPassword(page, email, org);
  await expect(page.getByRole("heading", { name: "Welcome, Ada Lovelace" })).toBeVisible();

  await page.getByRole("button", { name: "Profile" }).click();
  await page.locator("#profile-menu").getByRole("link", { name: "My Account" }).click();
  await expect(page).toHaveURL("/account");
  await expect(page.getByRole("heading", { name: "My Account" })).toBeVisible();
  await expect(page.getByText(email)).toBeVisible();
  await expect(page.getByText(`Acme Security (${org})`)).toBeVisible();
});

test("signed-out visitors are sent to the login page", async ({ page }) => {
  await page.goto("/account");
  await expect(page).toHaveURL("/login");
  await expect(page.getByRole("heading", { name: "Sign in to Latchkey" })).toBeVisible();
});
