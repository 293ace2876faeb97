import { defineConfig } from "vitest/config";

/**
 * The files that keep a core busy for minutes: adapter training (the demo, the processes e2e, the Model
 * Factory e2e), many agent processes started with `node --import tsx` (the processes, agents and evidence
 * e2e, the CLI integration test), Chromium (Open Chat). Two of them side by side on the 2-core machine
 * starve each other: the processes e2e once ran out of time beside the demo's training.
 */
export const HEAVY = [
  "agents/demo/demo.test.ts",
  "agents/e2e/processes.e2e.test.ts",
  "agents/e2e/agents.e2e.test.ts",
  "agents/e2e/evidence.e2e.test.ts",
  "agents/factory/factory.e2e.test.ts",
  "agents/web/web.e2e.test.ts",
  "agents/cli/cli.integration.test.ts",
];

const common = { testTimeout: 60_000, hookTimeout: 120_000, pool: "forks" } as const;

/**
 * Two projects of one worker each. `npm run test:ts` (agents/tools/test-ts.mjs) runs them as two vitest
 * processes at once: the heavy files one after another, the light ones one after another beside them, so
 * two files run at a time and never two heavy ones. A plain `vitest run` runs both projects, one file at
 * a time (projects of one group share their worker count).
 */
export default defineConfig({
  test: {
    reporters: ["default"],
    projects: [
      { test: { ...common, name: "heavy", include: HEAVY, maxWorkers: 1 } },
      { test: { ...common, name: "light", include: ["agents/**/*.test.ts"], exclude: HEAVY, maxWorkers: 1 } },
    ],
  },
});
