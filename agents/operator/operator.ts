/**
 * The LoRA operator's serving core: one base model rewritten with slot banks, the two adapter tiers,
 * the tokenizer and the continuous-batching scheduler, opened from a model folder and an adapters
 * folder (`<adaptersDir>/<adapter id>/adapter_config.json + adapter_model.safetensors`).
 */
import { readdir, readFile, realpath, stat } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { basename, join, resolve, sep } from "node:path";
import { Template } from "@huggingface/jinja";
import { Tokenizer } from "@huggingface/tokenizers";
import { Schema } from "effect";
import { MetricsRegistry } from "../observability/metrics.ts";
import { encodeModel } from "../onnx/graph.ts";
import { ADAPTER_ID, type AdapterDigest, AdapterError, loadAdapterDir } from "./adapter.ts";
import { AdapterCache } from "./cache.ts";
import { type Bank, BankFeeds } from "./device.ts";
import { AdapterLoaders } from "./loaders.ts";
import { type LoraTarget, mergeAdapter } from "./lora.ts";
import {
  createSession,
  DecoderSession,
  type ExecutionProvider,
  ModelError,
  type ModelInfo,
  openLoraSession,
  openModelDir,
} from "./runtime.ts";
import { Scheduler } from "./scheduler.ts";

export interface OperatorOptions {
  readonly modelDir: string;
  readonly adaptersDir: string;
  /** Device-tier slots (vLLM max_loras). */
  readonly maxLoras: number;
  /** Host-tier LRU size (vLLM max_cpu_loras). */
  readonly maxCpuLoras: number;
  /** The largest adapter rank served (vLLM max_lora_rank); banks are this wide. */
  readonly slotRank: number;
  readonly maxBatch: number;
  readonly providers: ReadonlyArray<ExecutionProvider>;
  /**
   * Adapters served from their own merged session (W + s·BA baked in) instead of the slot banks: worth
   * it for an adapter that carries most of the traffic (see docs/benchmarks-operator.md).
   */
  readonly mergedAdapters?: ReadonlyArray<string>;
  /** PEFT module names to give side paths; null = every projection. */
  readonly targetModules: ReadonlyArray<string> | null;
  readonly threads?: number;
  readonly log: (line: string) => void;
  /** Where the operator's counters go (a fresh registry if absent); the server renders it at /metrics. */
  readonly metrics?: MetricsRegistry;
  /**
   * Keep the slot banks on the device and patch them per slot (default: when the provider is not the
   * CPU). Tests force it on the CPU to exercise the patching.
   */
  readonly deviceBanks?: boolean;
  /**
   * Worker threads for cold adapter loads (loaders.ts); 0 loads on the main thread. Default: one per
   * spare core, at most 4.
   */
  readonly loadWorkers?: number;
}

export interface ChatMessage {
  readonly role: string;
  readonly content: string;
}

const TokenizerConfig = Schema.Struct({
  chat_template: Schema.optional(
    Schema.NullOr(
      Schema.Union([Schema.String, Schema.Array(Schema.Struct({ name: Schema.String, template: Schema.String }))]),
    ),
  ),
  bos_token: Schema.optional(Schema.NullOr(Schema.Union([Schema.String, Schema.Struct({ content: Schema.String })]))),
  eos_token: Schema.optional(Schema.NullOr(Schema.Union([Schema.String, Schema.Struct({ content: Schema.String })]))),
});

const GenerationConfig = Schema.Struct({
  eos_token_id: Schema.optional(Schema.NullOr(Schema.Union([Schema.Int, Schema.Array(Schema.Int)]))),
});

/** The tokenizer, and the model's Jinja chat template when tokenizer_config.json has one. */
export interface TextCodec {
  readonly tokenizer: Tokenizer;
  /** Renders chat messages to prompt text; `templated` tells whether special tokens are already in it. */
  readonly renderChat: (messages: ReadonlyArray<ChatMessage>) => { readonly text: string; readonly templated: boolean };
  /** Extra end-of-sequence ids from generation_config.json (Llama 3 instruct lists several). */
  readonly extraEos: ReadonlyArray<number>;
}

/** The fallback template for models without a chat_template. */
export const simpleChatPrompt = (messages: ReadonlyArray<ChatMessage>) =>
  `${messages.map((m) => `<|${m.role === "developer" ? "system" : m.role}|>\n${m.content}\n`).join("")}<|assistant|>\n`;

export const loadTextCodec = async (modelDir: string): Promise<TextCodec> => {
  const read = async (name: string): Promise<unknown> => {
    try {
      return JSON.parse(await readFile(join(modelDir, name), "utf8"));
    } catch {
      return null;
    }
  };
  const json = await read("tokenizer.json");
  if (json === null || typeof json !== "object") throw new ModelError({ message: `no tokenizer.json in ${modelDir}` });
  const rawConfig = (await read("tokenizer_config.json")) ?? {};
  const config = Schema.decodeUnknownExit(TokenizerConfig)(rawConfig);
  if (config._tag === "Failure")
    throw new ModelError({ message: "tokenizer_config.json: unexpected chat_template / bos_token / eos_token" });
  const tokenizer = new Tokenizer(json as object, rawConfig as object);
  const token = (t: string | { content: string } | null | undefined) =>
    t == null ? "" : typeof t === "string" ? t : t.content;
  const tpl = config.value.chat_template;
  const source =
    tpl == null ? null : typeof tpl === "string" ? tpl : (tpl.find((t) => t.name === "default") ?? tpl[0])?.template;
  let template: Template | null = null;
  if (source) {
    try {
      template = new Template(source);
    } catch (e) {
      throw new ModelError({
        message: `tokenizer_config.json: chat_template does not parse (${e instanceof Error ? e.message : e})`,
      });
    }
  }
  const generation = Schema.decodeUnknownExit(GenerationConfig)((await read("generation_config.json")) ?? {});
  const eos = generation._tag === "Success" ? generation.value.eos_token_id : undefined;
  return {
    tokenizer,
    extraEos: eos == null ? [] : typeof eos === "number" ? [eos] : eos,
    renderChat: (messages) =>
      template === null
        ? { text: simpleChatPrompt(messages), templated: false }
        : {
            text: template.render({
              messages: messages.map((m) => ({ role: m.role, content: m.content })),
              add_generation_prompt: true,
              bos_token: token(config.value.bos_token),
              eos_token: token(config.value.eos_token),
            }),
            templated: true,
          },
  };
};

export class LoraOperator {
  private readonly registered = new Map<string, string>();
  /** Folders being loaded by the admin endpoint: only registered once the load succeeds. */
  private readonly pending = new Map<string, string>();
  private readonly merged = new Map<
    string,
    { readonly scheduler: Scheduler; readonly session: DecoderSession; readonly digest: AdapterDigest }
  >();

  private constructor(
    readonly options: OperatorOptions,
    readonly baseModelId: string,
    readonly info: ModelInfo,
    readonly session: DecoderSession,
    readonly cache: AdapterCache,
    readonly scheduler: Scheduler,
    readonly tokenizer: Tokenizer,
    readonly codec: TextCodec,
    readonly targets: ReadonlyArray<LoraTarget>,
    readonly metrics: MetricsRegistry,
    readonly bankFeeds: BankFeeds,
    readonly loaders: AdapterLoaders,
  ) {}

  static async open(options: OperatorOptions): Promise<LoraOperator> {
    const opened = await openModelDir(options.modelDir);
    const codec = await loadTextCodec(options.modelDir);
    let cache: AdapterCache | null = null;
    let bankFeeds: BankFeeds | null = null;
    const slots = options.maxLoras + 1;
    const info = { ...opened.info, eosIds: [...new Set([...opened.info.eosIds, ...codec.extraEos])] };
    const { session, targets } = await openLoraSession(
      { ...opened, info },
      {
        modules: options.targetModules,
        providers: options.providers,
        log: options.log,
        ...(options.threads ? { threads: options.threads } : {}),
        banks: () => bankFeeds!.feeds(),
      },
    );
    let self: LoraOperator | null = null;
    const loaders = new AdapterLoaders(
      options.loadWorkers ?? Math.max(0, Math.min(4, availableParallelism() - 1)),
      options.log,
    );
    await loaders.ready;
    cache = new AdapterCache(targets, options.slotRank, options.maxLoras, options.maxCpuLoras, (id) =>
      loaders.load(id, self!.adapterDir(id), targets, options.slotRank),
    );
    const activeBanks = cache;
    const R = options.slotRank;
    bankFeeds = new BankFeeds(
      () =>
        targets.flatMap((t): Bank[] => [
          { name: t.bankA, data: activeBanks.banksA.get(t.key)!, dims: [slots, t.inFeatures, R] },
          { name: t.bankB, data: activeBanks.banksB.get(t.key)!, dims: [slots, R, t.outFeatures] },
        ]),
      () => activeBanks.takeDirtySlots(),
      (options.deviceBanks ?? session.provider !== "cpu")
        ? { device: true, providers: [session.provider] }
        : { device: false },
    );
    const metrics = options.metrics ?? new MetricsRegistry();
    const nonFinite = metrics.counter(
      "poa_operator_nonfinite_logits_total",
      "Requests failed because a forward pass gave NaN or infinite logits, by adapter (base = the base model)",
    );
    const onNonFinite = (adapter: string | null) => nonFinite.inc({ adapter: adapter ?? "base" });
    const activeCache = cache;
    metrics
      .gauge("poa_operator_quarantined_adapters", "Adapters quarantined after non-finite logits")
      .collect(() => [[{}, activeCache.quarantinedIds().size]]);
    // Load as far ahead as there are slots to fill, but never more than half the host tier can hold.
    const maxConcurrentLoads = Math.max(1, Math.min(options.maxLoras, Math.floor(options.maxCpuLoras / 2)));
    const scheduler = new Scheduler(session, cache, {
      maxBatch: options.maxBatch,
      maxConcurrentLoads,
      log: options.log,
      onNonFinite,
    });
    self = new LoraOperator(
      options,
      basename(resolve(options.modelDir)),
      info,
      session,
      cache,
      scheduler,
      codec.tokenizer,
      codec,
      targets,
      metrics,
      bankFeeds,
      loaders,
    );
    for (const id of options.mergedAdapters ?? []) {
      try {
        const adapter = await loadAdapterDir(id, self.adapterDir(id), targets, options.slotRank);
        const created = await createSession(
          encodeModel(mergeAdapter(opened.base, adapter)),
          options.providers,
          options.log,
          options.threads,
        );
        const merged = new DecoderSession(created.session, info, created.provider);
        self.merged.set(id, {
          session: merged,
          digest: adapter.digest,
          scheduler: new Scheduler(merged, null, {
            maxBatch: options.maxBatch,
            log: options.log,
            onNonFinite: () => onNonFinite(id),
          }),
        });
        options.log(`adapter ${id}: served from a merged session`);
      } catch (e) {
        await self.close();
        throw new ModelError({ message: `cannot merge adapter ${id}: ${e instanceof Error ? e.message : String(e)}` });
      }
    }
    options.log(
      `serving ${self.baseModelId}: ${targets.length} LoRA targets, ${options.maxLoras} slots × rank ${options.slotRank} ` +
        `(${(cache.bytesPerSlot / 1024).toFixed(1)} KiB/slot), host cache ${options.maxCpuLoras}, provider ${session.provider}`,
    );
    return self;
  }

  /**
   * Where a request goes: its adapter's merged session (with the digest of the bytes merged in), or
   * the shared LoRA session with its slot.
   */
  route(adapter: string | null): {
    readonly scheduler: Scheduler;
    readonly adapter: string | null;
    readonly digest: AdapterDigest | null;
  } {
    const merged = adapter === null ? undefined : this.merged.get(adapter);
    return merged
      ? { scheduler: merged.scheduler, adapter: null, digest: merged.digest }
      : { scheduler: this.scheduler, adapter, digest: null };
  }

  adapterDir(id: string): string {
    return this.pending.get(id) ?? this.registered.get(id) ?? join(this.options.adaptersDir, id);
  }

  /** The digest of a loaded adapter's bytes (slot, host tier or merged session), or null if not loaded. */
  digestOf(id: string): AdapterDigest | null {
    return this.merged.get(id)?.digest ?? this.cache.digestOf(id);
  }

  /**
   * The load endpoint: reads and validates the adapter now and registers its id only if that works.
   * `path` (default `<adaptersDir>/<id>`) must be a folder inside the adapters dir, symlinks resolved:
   * an API caller cannot make the operator read anything else on the server.
   */
  async loadAdapter(id: string, path: string | null): Promise<AdapterDigest> {
    const fail = (message: string) => new AdapterError({ adapter: id, message });
    if (!ADAPTER_ID.test(id)) throw fail("adapter ids are [A-Za-z0-9._-], at most 128 chars");
    const root = resolve(this.options.adaptersDir);
    if (path?.split(/[\\/]/).includes("..")) throw fail("lora_path must not contain '..'");
    const dir = resolve(root, path ?? id);
    let real: string;
    let realRoot: string;
    try {
      [real, realRoot] = await Promise.all([realpath(dir), realpath(root)]);
    } catch {
      throw fail(`no adapter folder ${path ?? id} in the adapters dir`);
    }
    if (!real.startsWith(realRoot + sep)) {
      throw fail(`lora_path must name a folder inside the operator's adapters dir (${path ?? id} is outside)`);
    }
    if (this.merged.has(id)) throw fail("served from a merged session; it cannot be reloaded");
    const current = await realpath(this.adapterDir(id)).catch(() => null);
    if (current !== real && (this.cache.isInHost(id) || this.cache.isResident(id))) {
      throw fail("already loaded from another folder; unload it first");
    }
    if (this.pending.has(id)) throw fail("a load of this id is already in progress");
    // read from the checked real path, so a symlink swapped after the check cannot redirect the read
    this.pending.set(id, real);
    try {
      const adapter = await this.cache.prefetch(id);
      if (real !== join(realRoot, id)) this.registered.set(id, real);
      return adapter.digest;
    } finally {
      this.pending.delete(id);
    }
  }

  /** Whether an adapter exists (registered, or a folder in the adapters dir). */
  async knows(id: string): Promise<boolean> {
    if (!ADAPTER_ID.test(id)) return false;
    if (this.registered.has(id) || this.cache.isInHost(id) || this.cache.isResident(id)) return true;
    return stat(join(this.adapterDir(id), "adapter_config.json")).then(
      () => true,
      () => false,
    );
  }

  /** Known adapter ids: registered ones and folders in the adapters dir (at most `limit`). */
  async listAdapters(limit = 10_000): Promise<string[]> {
    const ids = new Set(this.registered.keys());
    const entries = await readdir(this.options.adaptersDir, { withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      if (ids.size >= limit) break;
      if (e.isDirectory() && ADAPTER_ID.test(e.name)) ids.add(e.name);
    }
    return [...ids].sort();
  }

  unload(id: string): boolean {
    const ok = this.cache.unload(id);
    if (ok) this.registered.delete(id);
    return ok;
  }

  async close(): Promise<void> {
    await this.scheduler.close();
    await this.session.session.release();
    await this.bankFeeds.release();
    await this.loaders.close();
    for (const m of this.merged.values()) {
      await m.scheduler.close();
      await m.session.session.release();
    }
    this.merged.clear();
  }
}
