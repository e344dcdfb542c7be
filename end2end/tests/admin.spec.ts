// The org admin console (/admin): who sees it, members, invitations,
// passkey coverage, the security log and policies — each checked in the
// page and in what the server stored.
import {
  test,
  expect,
  latchkey,
  waitForMail,
  signInWithPassword,
  expectAccessible,
  Authenticator,
} from "./fixtures";
import type { Page } from "@playwright/test";

/** Acme with Ada (owner) and Carl (member). */
function acmeWithOwner(admin: import("./fixtures").Admin) {
  const { org, email } = admin.adaAtAcme();
  latchkey(["account", "set-role", "--org", org, "--email", email, "--role", "owner"]);
  const carl = admin.email("carl");
  admin.createAccount(org, carl, "Carl Gauss");
  return { org, ada: email, carl };
}

async function signedIn(page: Page, email: string, org: string, name: string) {
  await signInWithPassword(page, email, org);
  await expect(page.getByRole("heading", { name: `Welcome, ${name}` })).toBeVisible();
}

async function membersOf(page: Page, query = ""): Promise<Array<{ email: string; role: string; passkeys: number }>> {
  const reply = await page.request.get(`/api/admin/members?q=${encodeURIComponent(query)}`);
  expect(reply.status()).toBe(200);
  return (await reply.json()).members;
}

test("a member never sees the admin console, and its API refuses them", async ({ page, admin }) => {
  const { org, carl } = acmeWithOwner(admin);
  await signedIn(page, carl, org, "Carl Gauss");
  const nav = page.getByRole("navigation", { name: "Console" });
  await expect(nav.getByRole("link", { name: "My Account" })).toBeVisible();
  await expect(nav.getByRole("link", { name: "Admin" })).toHaveCount(0);
  await page.goto("/admin");
  await expect(page.getByRole("alert")).toHaveText("Only your organization's administrators can use the admin console.");
  for (const path of ["/api/admin/members", "/api/admin/coverage", "/api/admin/policy", "/api/admin/security-log"]) {
    const reply = await page.request.get(path);
    expect(reply.status(), path).toBe(403);
    expect((await reply.json()).code).toBe("forbidden");
  }
  const promote = await page.request.put(`/api/admin/members/x/role`, { data: { role: "owner" } });
  expect(promote.status()).toBe(403);
  expect((await (await page.request.get("/api/session")).json()).role).toBe("member");
});

test("an owner searches members, changes a role, invites someone who adds a passkey and is then covered, asks another for one, and removes a member", async ({
  page,
  browser,
  admin,
}) => {
  const { org, ada, carl } = acmeWithOwner(admin);
  await signedIn(page, ada, org, "Ada Lovelace");
  await page.getByRole("navigation", { name: "Console" }).getByRole("link", { name: "Admin" }).click();
  await expect(page).toHaveURL("/admin");
  await expect(page.getByRole("heading", { name: "Organization admin" })).toBeVisible();
  const table = page.getByRole("table");
  await expect(table.getByRole("row")).toHaveCount(3);
  await expect(table.getByRole("row", { name: /Ada Lovelace/ })).toContainText("You");
  await expect(table.getByRole("row", { name: /Carl Gauss/ })).toContainText("No passkey");
  await expectAccessible(page, "the members page");

  // Search.
  await page.getByLabel("Search members").fill("carl");
  await page.getByRole("button", { name: "Search" }).click();
  await expect(table.getByRole("row")).toHaveCount(2);
  await expect(page.getByText("Page 1 of 1 · 1 members")).toBeVisible();

  // Role.
  await page.getByLabel(`Role of ${carl}`).selectOption("admin");
  await expect(page.getByRole("status").filter({ hasText: /\S/ })).toHaveText(
    `${carl} is now admin. They were told by email.`,
  );
  expect((await membersOf(page, "carl"))[0].role).toBe("admin");
  await waitForMail(carl, "Your role in your organization changed");

  // Invite Dora; she follows the mailed link and adds a passkey.
  const dora = admin.email("dora");
  await page.getByLabel("Email").fill(dora);
  await page.getByLabel("Name", { exact: true }).fill("Dora Explorer");
  await page.getByRole("button", { name: "Send invitation" }).click();
  await expect(page.getByText(`Invitation sent to ${dora}. Its link works for 7 days.`)).toBeVisible();
  const invitation = await waitForMail(dora, `You are invited to Acme Security`);
  const link = /\/enroll#token=[A-Za-z0-9_-]+/.exec(invitation)![0];
  const doraContext = await browser.newContext();
  const doraPage = await doraContext.newPage();
  const doraKey = await Authenticator.attach(doraPage);
  await doraPage.goto(link);
  await doraPage.getByRole("button", { name: "Continue" }).click();
  await doraPage.getByRole("button", { name: "Create a passkey" }).click();
  await doraPage.getByRole("button", { name: "Continue to the console" }).click();
  await expect(doraPage.getByRole("heading", { name: "Welcome, Dora Explorer" })).toBeVisible();
  expect(await doraKey.credentials()).toHaveLength(1);
  await doraContext.close();

  // Coverage: Dora has a passkey (on one device: the virtual authenticator
  // is not backup eligible); Ada and Carl have none.
  await page.getByRole("link", { name: "Passkey coverage" }).click();
  await expect(page).toHaveURL("/admin/coverage");
  await expect(page.locator(".big-figure")).toContainText("33%");
  await expect(page.locator(".big-figure")).toContainText("1 of 3 members");
  await expect(page.getByText("On one device: 1 (33%)")).toBeVisible();
  await expect(page.getByRole("img", { name: /Sign-ins in the last 30 days: Passkey 0, Password \d+/ })).toBeVisible();
  const missing = page.getByRole("region", { name: "No passkey yet" });
  await expect(missing.getByRole("listitem")).toHaveCount(2);
  await expect(missing).not.toContainText(dora);
  const coverage = await (await page.request.get("/api/admin/coverage")).json();
  expect([coverage.members, coverage.with_device_bound_passkey, coverage.without_passkey]).toEqual([3, 1, 2]);
  await expectAccessible(page, "passkey coverage");
  await page.getByRole("button", { name: `Invite ${carl} to add a passkey` }).click();
  await expect(missing.getByRole("status")).toHaveText(`${carl} was asked by email to add a passkey.`);
  await waitForMail(carl, "Acme Security asks you to add a passkey");

  // Security log: the changes, in words, filtered and exported.
  await page.getByRole("link", { name: "Security log" }).click();
  const log = page.getByRole("table");
  await expect(log).toContainText("Had their role changed by an administrator");
  await page.getByLabel("Event").selectOption({ label: "Was invited by an administrator" });
  await page.getByRole("button", { name: "Filter" }).click();
  await expect(log.getByRole("row")).toHaveCount(2);
  await expect(log).toContainText(dora);
  await expect(log).toContainText(`(by ${ada})`);
  await expectAccessible(page, "the security log");
  const href = await page.getByRole("link", { name: "Export as CSV" }).getAttribute("href");
  const csv = await (await page.request.get(href!)).text();
  expect(csv.split("\n")[0]).toContain("event");
  expect(csv).toContain("admin.member_invited");
  expect(csv).not.toContain("admin.role_changed");

  // Reset Dora's sign-in (say, her laptop was stolen): her passkey is
  // gone, and she is mailed a new link.
  await page.getByRole("link", { name: "Members" }).click();
  await page.getByRole("button", { name: `Reset sign-in of ${dora}` }).click();
  await page.getByRole("group", { name: "Confirm reset" }).getByRole("button", { name: "Reset sign-in" }).click();
  await expect(
    page.getByText(`${dora}'s password, passkeys, recovery codes, two-factor authentication and sessions are gone.`),
  ).toBeVisible();
  expect((await membersOf(page, "dora"))[0].passkeys).toBe(0);
  const resetMail = await waitForMail(dora, "Your Acme Security sign-in was reset");
  expect(resetMail).toMatch(/\/enroll#token=[A-Za-z0-9_-]+/);
  await expect(page.getByRole("table").getByRole("row", { name: /Dora Explorer/ })).toContainText("No passkey");

  // Remove Carl: he and his sessions are gone, and he is told.
  await page.getByRole("button", { name: `Remove ${carl}` }).click();
  await page.getByRole("button", { name: "Remove member" }).click();
  await expect(page.getByText(`${carl} was removed, with their passkeys and sessions.`)).toBeVisible();
  expect((await membersOf(page)).map((m) => m.email).sort()).toEqual([ada, dora].sort());
  await waitForMail(carl, "Your Acme Security account was removed");
});

test("a policy change says what it ends before it is made, and ends those sessions", async ({
  page,
  browser,
  admin,
  authenticator,
}) => {
  const { org, ada, carl } = acmeWithOwner(admin);
  // Ada signs in with a passkey: her session meets a 2FA requirement.
  await signedIn(page, ada, org, "Ada Lovelace");
  await page.goto("/account");
  await page.getByRole("button", { name: "Add a Passkey" }).click();
  await expect(page.getByRole("status").filter({ hasText: /\S/ })).toHaveText("Passkey “Passkey” added.");
  await page.getByRole("button", { name: "Profile" }).click();
  await page.getByRole("button", { name: "Log out" }).click();
  // The virtual authenticator answers the autofill request at once.
  await expect(page.getByRole("heading", { name: "Welcome, Ada Lovelace" })).toBeVisible();
  expect((await (await page.request.get("/api/session")).json()).auth_method).toBe("passkey");
  expect(await authenticator.credentials()).toHaveLength(1);

  // Carl signs in with a password elsewhere.
  const carlContext = await browser.newContext();
  const carlPage = await carlContext.newPage();
  await signedIn(carlPage, carl, org, "Carl Gauss");

  await page.goto("/admin/policy");
  await expect(page.getByLabel("Require two-factor authentication")).not.toBeChecked();
  await expect(page.getByLabel("Require single sign-on")).toBeDisabled();
  await expectAccessible(page, "the policy page");
  await page.getByLabel("Require two-factor authentication").check();
  await page.getByLabel("Idle sign-out").fill("45");
  await page.getByRole("button", { name: "Review changes" }).click();
  const confirm = page.getByRole("group", { name: "Confirm policy change" });
  await expect(confirm).toContainText("Saving ends 1 session that no longer meets the policy.");
  // Nothing changed yet.
  expect((await (await page.request.get("/api/admin/policy")).json()).require_2fa).toBe(false);
  await confirm.getByRole("button", { name: "Save changes" }).click();
  await expect(page.getByRole("status").filter({ hasText: /\S/ })).toHaveText("The policy is saved. 1 session was ended.");
  const stored = await (await page.request.get("/api/admin/policy")).json();
  expect([stored.require_2fa, stored.idle_timeout_secs]).toEqual([true, 45 * 60]);

  // Carl's password session is over.
  const ended = await carlPage.request.get("/api/session");
  expect(ended.status()).toBe(401);
  expect((await ended.json()).code).toBe("session_ended");
  await carlPage.reload();
  await expect(carlPage).toHaveURL("/login");
  await carlContext.close();

  // A value out of bounds is refused with the server's words.
  await page.getByLabel("Failed attempts before a lockout").fill("0");
  await page.getByRole("button", { name: "Review changes" }).click();
  await expect(page.getByRole("alert").filter({ hasText: /\S/ })).toHaveText(
    "Allow from 1 to 1000 failed attempts before a lockout.",
  );
  expect((await (await page.request.get("/api/admin/policy")).json()).lockout_attempts).toBe(stored.lockout_attempts);
});
