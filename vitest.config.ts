import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["agents/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: "forks",
    // vitest defaults to availableParallelism() − 1 workers: one on a 2-core machine, which ran every file
    // in series. Most of the long files wait on anvil blocks and child processes, so two run side by side.
    maxWorkers: 2,
    reporters: ["default"],
  },
});
