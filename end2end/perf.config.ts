import { defineConfig } from "@playwright/test";
import base from "./playwright.config";

// The page-speed measurement (scripts/page-speed.sh), not a test: it prints
// figures and asserts only that the flow worked. Runs against the server
// that script started (E2E_PORT), with the same browser settings as the tests.
export default defineConfig({
  ...base,
  testDir: "./perf",
  workers: 1,
  fullyParallel: false,
  timeout: 180_000,
  webServer: undefined,
});
