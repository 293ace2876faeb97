// Typed ABIs for the agents, generated from forge's artifacts: `npm run generate`.
// The output (agents/generated/contracts.ts) is committed and CI checks it is fresh
// (`npm run generate:check`), so nobody edits it by hand and it never drifts from src/.
import { defineConfig } from "@wagmi/cli";
import { foundry } from "@wagmi/cli/plugins";

export default defineConfig({
  out: "agents/generated/contracts.ts",
  plugins: [
    foundry({
      project: ".",
      forge: { build: true, path: "node_modules/.bin/forge" },
      include: [
        "OpenToken.sol/**",
        "DatanetRegistry.sol/**",
        "ModelRegistry.sol/**",
        "PaymentEscrow.sol/**",
        "AttributionLedger.sol/**",
        "DisputeGame.sol/**",
        "IndexDisputes.sol/**",
        "EvidenceGame.sol/**",
      ],
    }),
  ],
});
