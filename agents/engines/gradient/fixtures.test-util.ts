/** Small trained models shared by the tests (built once per test file). */
import { type IndexedModel, indexModel, trainModel } from "./bundle.ts";
import { sampleMessages } from "./dataset.ts";

export const smallModel = async (family: "softmax" | "mlp", threads = 1): Promise<IndexedModel> => {
  const messages = sampleMessages(60, 5);
  const trained = await trainModel(
    messages,
    {
      family,
      buckets: family === "mlp" ? 256 : 1024,
      hidden: 4,
      seed: 3,
      train: { epochs: 12, batchSize: 20, learningRate: family === "mlp" ? 0.5 : 2, weightDecay: 1e-3, checkpoints: 2 },
    },
    threads,
  );
  return indexModel(
    trained,
    messages.map((m, i) => ({ text: m.text, label: m.label, contributionId: BigInt(1000 + i) })),
    { dims: 64, seed: 9, batch: 16 },
    threads,
  );
};

export const queries = (): Array<{ text: string; label: number }> =>
  sampleMessages(6, 5, 100).map((m) => ({ text: m.text, label: m.label }));
