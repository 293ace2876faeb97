/**
 * Two adapter tiers, as vLLM's `max_loras` / `max_cpu_loras`:
 *
 * - the slot bank ("device" tier): `maxLoras` slots in the graph's bank inputs (slot 0 is the zero
 *   adapter, i.e. the base model), each holding Aᵀ [in, R] and s·Bᵀ [R, out] for every target;
 * - the host LRU ("CPU" tier): up to `maxCpuLoras` parsed adapters in their compact rank-r form.
 *
 * Disk loads run concurrently and never block the scheduler: `prefetch` starts one and the scheduler
 * keeps serving other adapters. Slots are only written by the scheduler between forward passes
 * (`acquireSlot`), because a running forward pass reads the banks. A slot whose adapter has sequences
 * in flight is pinned and never evicted; eviction is least-recently-used among the rest.
 *
 * An adapter that produced non-finite logits is quarantined: dropped from both tiers (its slot as soon
 * as no sequence holds it), refused by `prefetch` and `acquireSlot` until an admin unloads it.
 */
import { type AdapterDigest, AdapterError, type HostAdapter } from "./adapter.ts";
import type { LoraTarget } from "./lora.ts";

export interface CacheStats {
  readonly diskLoads: Map<string, number>;
  readonly hostEvictions: Map<string, number>;
  readonly slotLoads: Map<string, number>;
  readonly slotEvictions: Map<string, number>;
}

const bump = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);

export class AdapterCache {
  /** Bank arrays per target, fed to the graph as-is. */
  readonly banksA: ReadonlyMap<string, Float32Array>;
  readonly banksB: ReadonlyMap<string, Float32Array>;
  readonly stats: CacheStats = {
    diskLoads: new Map(),
    hostEvictions: new Map(),
    slotLoads: new Map(),
    slotEvictions: new Map(),
  };
  private readonly host = new Map<string, HostAdapter>(); // insertion order = LRU order
  private readonly loading = new Map<string, Promise<HostAdapter>>();
  private readonly slotOf = new Map<string, number>(); // insertion order = LRU order
  /** The adapter bytes installed in each resident slot (a host reload does not change a live slot). */
  private readonly installed = new Map<string, HostAdapter>();
  private readonly quarantine = new Map<string, string>();
  private readonly pins = new Map<string, number>();
  private readonly freeSlots: number[];
  /** Slots written since the last `takeDirtySlots` (device-resident banks patch only these). */
  private readonly dirty = new Set<number>();

  constructor(
    readonly targets: ReadonlyArray<LoraTarget>,
    readonly slotRank: number,
    readonly maxLoras: number,
    readonly maxCpuLoras: number,
    private readonly load: (id: string) => Promise<HostAdapter>,
  ) {
    if (maxLoras < 1 || maxCpuLoras < 1) throw new RangeError("maxLoras and maxCpuLoras must be at least 1");
    const slots = maxLoras + 1;
    this.banksA = new Map(targets.map((t) => [t.key, new Float32Array(slots * t.inFeatures * slotRank)]));
    this.banksB = new Map(targets.map((t) => [t.key, new Float32Array(slots * slotRank * t.outFeatures)]));
    this.freeSlots = Array.from({ length: maxLoras }, (_, i) => maxLoras - i);
  }

  /** Bytes one slot takes in the bank (all targets, padded to the slot rank). */
  get bytesPerSlot(): number {
    return this.targets.reduce((s, t) => s + (t.inFeatures + t.outFeatures) * this.slotRank * 4, 0);
  }

  isResident(id: string): boolean {
    return this.slotOf.has(id);
  }

  isInHost(id: string): boolean {
    return this.host.has(id);
  }

  residentIds(): string[] {
    return [...this.slotOf.keys()];
  }

  hostIds(): string[] {
    return [...this.host.keys()];
  }

  /** The digest of the bytes an adapter is served from: its slot's, else its host copy's. */
  digestOf(id: string): AdapterDigest | null {
    return (this.installed.get(id) ?? this.host.get(id))?.digest ?? null;
  }

  quarantineReason(id: string): string | undefined {
    return this.quarantine.get(id);
  }

  quarantinedIds(): ReadonlyMap<string, string> {
    return this.quarantine;
  }

  /** Takes an adapter out of service (see the header); its slot is freed once no sequence holds it. */
  quarantineAdapter(id: string, reason: string): void {
    if (!this.quarantine.has(id)) this.quarantine.set(id, reason);
    this.host.delete(id);
    if (this.pinned(id) === 0) this.dropSlot(id);
  }

  /** Brings an adapter into the host tier (from disk if needed); concurrent callers share one load. */
  prefetch(id: string): Promise<HostAdapter> {
    const quarantined = this.quarantine.get(id);
    if (quarantined !== undefined) {
      return Promise.reject(new AdapterError({ adapter: id, message: `quarantined: ${quarantined}` }));
    }
    const cached = this.host.get(id);
    if (cached) {
      this.host.delete(id);
      this.host.set(id, cached);
      return Promise.resolve(cached);
    }
    const inFlight = this.loading.get(id);
    if (inFlight) return inFlight;
    bump(this.stats.diskLoads, id);
    const p = this.load(id).then(
      (adapter) => {
        this.loading.delete(id);
        const quarantinedMeanwhile = this.quarantine.get(id);
        if (quarantinedMeanwhile !== undefined) {
          throw new AdapterError({ adapter: id, message: `quarantined: ${quarantinedMeanwhile}` });
        }
        this.host.set(id, adapter);
        while (this.host.size > this.maxCpuLoras) {
          const oldest = this.host.keys().next().value!;
          this.host.delete(oldest);
          bump(this.stats.hostEvictions, oldest);
        }
        return adapter;
      },
      (e: unknown) => {
        this.loading.delete(id);
        throw e;
      },
    );
    return p;
  }

  /**
   * Returns the adapter's slot, pinned once more, installing it from the host tier if needed; null if
   * the adapter is not in host memory yet or every slot is pinned. Call only between forward passes.
   */
  acquireSlot(id: string): number | null {
    if (this.quarantine.has(id)) return null;
    const existing = this.slotOf.get(id);
    if (existing !== undefined) {
      this.slotOf.delete(id);
      this.slotOf.set(id, existing);
      this.pins.set(id, (this.pins.get(id) ?? 0) + 1);
      return existing;
    }
    const adapter = this.host.get(id);
    if (!adapter) return null;
    let slot = this.freeSlots.pop();
    if (slot === undefined) {
      const victim = [...this.slotOf.keys()].find((k) => (this.pins.get(k) ?? 0) === 0);
      if (victim === undefined) return null;
      slot = this.slotOf.get(victim)!;
      this.slotOf.delete(victim);
      this.installed.delete(victim);
      bump(this.stats.slotEvictions, victim);
    }
    this.install(slot, adapter);
    this.slotOf.set(id, slot);
    this.installed.set(id, adapter);
    this.pins.set(id, 1);
    bump(this.stats.slotLoads, id);
    this.host.delete(id); // refresh its host LRU position: it is hot
    this.host.set(id, adapter);
    return slot;
  }

  takeDirtySlots(): number[] {
    const slots = [...this.dirty];
    this.dirty.clear();
    return slots;
  }

  release(id: string): void {
    const n = this.pins.get(id) ?? 0;
    if (n <= 1) {
      this.pins.delete(id);
      if (this.quarantine.has(id)) this.dropSlot(id);
    } else this.pins.set(id, n - 1);
  }

  pinned(id: string): number {
    return this.pins.get(id) ?? 0;
  }

  /** Drops an adapter from both tiers and lifts its quarantine; refused (false) while it has sequences in flight. */
  unload(id: string): boolean {
    if (this.pinned(id) > 0) return false;
    this.dropSlot(id);
    this.host.delete(id);
    this.quarantine.delete(id);
    return true;
  }

  private dropSlot(id: string) {
    const slot = this.slotOf.get(id);
    if (slot === undefined) return;
    this.slotOf.delete(id);
    this.installed.delete(id);
    this.clear(slot);
    this.freeSlots.push(slot);
  }

  private install(slot: number, adapter: HostAdapter) {
    this.dirty.add(slot);
    const R = this.slotRank;
    for (const t of this.targets) {
      const bankA = this.banksA.get(t.key)!;
      const bankB = this.banksB.get(t.key)!;
      const aBase = slot * t.inFeatures * R;
      const bBase = slot * R * t.outFeatures;
      bankA.fill(0, aBase, aBase + t.inFeatures * R);
      bankB.fill(0, bBase, bBase + R * t.outFeatures);
      const f = adapter.factors.get(t.key);
      if (!f) continue;
      const r = f.rank;
      for (let i = 0; i < t.inFeatures; i++) bankA.set(f.aT.subarray(i * r, (i + 1) * r), aBase + i * R);
      bankB.set(f.bT, bBase); // rows j < r, the rest stays zero
    }
  }

  private clear(slot: number) {
    this.dirty.add(slot);
    const R = this.slotRank;
    for (const t of this.targets) {
      this.banksA.get(t.key)!.fill(0, slot * t.inFeatures * R, (slot + 1) * t.inFeatures * R);
      this.banksB.get(t.key)!.fill(0, slot * R * t.outFeatures, (slot + 1) * R * t.outFeatures);
    }
  }
}
