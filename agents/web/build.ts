/**
 * Builds Open Chat's bundle (agents/web/app → agents/web/dist) with Vite, everything bundled: the page
 * loads nothing from another origin. `ensureBundle` rebuilds only when a source is newer than the
 * bundle, so a clean clone builds on the first `poa web` (or the browser test) and later starts are
 * instant. By hand: `npx tsx agents/web/build.ts`.
 */
import { readdir, stat } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Data, Effect } from "effect";

export class BundleError extends Data.TaggedError("BundleError")<{
  readonly message: string;
  readonly cause?: unknown;
}> {}

const here = path.dirname(fileURLToPath(import.meta.url));
export const APP_DIR = path.join(here, "app");
export const DIST_DIR = path.join(here, "dist");
/** Browser code shared with the agents (content roots, protocol encodings) counts as a source too. */
const SHARED = [path.join(here, "..", "content", "merkle.ts")];

const newest = async (dir: string): Promise<number> => {
  let latest = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? await newest(full) : (await stat(full)).mtimeMs);
  }
  return latest;
};

const bundleTime = async (): Promise<number | undefined> =>
  stat(path.join(DIST_DIR, "index.html")).then(
    (s) => s.mtimeMs,
    () => undefined,
  );

export const buildBundle = Effect.tryPromise({
  try: async () => {
    const { build } = await import("vite");
    await build({
      configFile: false,
      root: APP_DIR,
      base: "./",
      logLevel: "warn",
      oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
      build: { outDir: DIST_DIR, emptyOutDir: true, chunkSizeWarningLimit: 2_000, target: "es2022" },
    });
  },
  catch: (cause) =>
    new BundleError({
      message: `building the web app failed: ${cause instanceof Error ? cause.message : String(cause)}`,
      cause,
    }),
});

/** The bundle's directory, built first when missing or older than any source. */
export const ensureBundle = Effect.gen(function* () {
  const built = yield* Effect.promise(bundleTime);
  const sources = yield* Effect.promise(async () =>
    Math.max(await newest(APP_DIR), ...(await Promise.all(SHARED.map((f) => stat(f).then((s) => s.mtimeMs))))),
  );
  if (built === undefined || built < sources) yield* buildBundle;
  return DIST_DIR;
});

if (import.meta.main) {
  Effect.runPromise(buildBundle).then(
    () => console.log(`built ${DIST_DIR}`),
    (e) => {
      console.error(`error: ${e instanceof Error ? e.message : String(e)}`);
      process.exitCode = 1;
    },
  );
}
