/**
 * A per-agent metrics registry rendered in the Prometheus text exposition format (version 0.0.4).
 *
 * One registry per agent (not a process-global one) so that several agents or gossip nodes in one
 * process (tests, the local demo) keep separate counts. Counters and gauges only: they are what
 * the agents report (messages by verdict, peers, claims, games, earnings, head lag).
 * Updates are synchronous so libp2p callbacks (topic validators, events) can count directly.
 */
import { Context, Layer } from "effect";

export type Labels = Readonly<Record<string, string>>;

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

const escapeLabel = (value: string): string => value.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');

const labelKey = (labels: Labels): string => {
  const names = Object.keys(labels).sort();
  for (const name of names) {
    if (!LABEL_NAME.test(name)) throw new TypeError(`invalid Prometheus label name "${name}"`);
  }
  return names.map((name) => `${name}="${escapeLabel(labels[name]!)}"`).join(",");
};

const formatValue = (value: number): string =>
  Number.isNaN(value) ? "NaN" : value === Infinity ? "+Inf" : value === -Infinity ? "-Inf" : String(value);

abstract class Family {
  protected readonly series = new Map<string, number>();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: "counter" | "gauge",
  ) {
    if (!METRIC_NAME.test(name)) throw new TypeError(`invalid Prometheus metric name "${name}"`);
  }

  /** The current value of one series (0 when never touched). */
  get(labels: Labels = {}): number {
    return this.series.get(labelKey(labels)) ?? 0;
  }

  /** Sum over all series (handy for "how many rejects in total"). */
  total(): number {
    let sum = 0;
    for (const value of this.series.values()) sum += value;
    return sum;
  }

  render(): string {
    const lines = [`# HELP ${this.name} ${this.help.replace(/\\/g, "\\\\").replace(/\n/g, "\\n")}`];
    lines.push(`# TYPE ${this.name} ${this.type}`);
    for (const [key, value] of this.collectSeries()) {
      lines.push(`${this.name}${key === "" ? "" : `{${key}}`} ${formatValue(value)}`);
    }
    return lines.join("\n");
  }

  protected collectSeries(): Iterable<[string, number]> {
    return this.series;
  }
}

export class Counter extends Family {
  constructor(name: string, help: string) {
    super(name, help, "counter");
  }
  inc(labels: Labels = {}, by = 1): void {
    if (!(by >= 0)) throw new RangeError(`counter ${this.name} cannot decrease (by ${by})`);
    const key = labelKey(labels);
    this.series.set(key, (this.series.get(key) ?? 0) + by);
  }
}

export class Gauge extends Family {
  private collector: (() => ReadonlyArray<readonly [Labels, number]>) | undefined;
  constructor(name: string, help: string) {
    super(name, help, "gauge");
  }
  set(labels: Labels, value: number): void {
    this.series.set(labelKey(labels), value);
  }
  /** Computes the gauge at scrape time instead (e.g. the current peer count). */
  collect(fn: () => ReadonlyArray<readonly [Labels, number]>): void {
    this.collector = fn;
  }
  override get(labels: Labels = {}): number {
    if (this.collector === undefined) return super.get(labels);
    const key = labelKey(labels);
    for (const [l, v] of this.collector()) if (labelKey(l) === key) return v;
    return 0;
  }
  /** Whether the gauge has any value (a never-set gauge reads as "unknown", not 0). */
  isSet(): boolean {
    return this.collector !== undefined || this.series.size > 0;
  }
  protected override collectSeries(): Iterable<[string, number]> {
    if (this.collector === undefined) return this.series;
    return this.collector().map(([labels, value]): [string, number] => [labelKey(labels), value]);
  }
}

export class MetricsRegistry {
  private readonly families = new Map<string, Family>();

  counter(name: string, help: string): Counter {
    return this.family(name, () => new Counter(name, help), Counter);
  }

  gauge(name: string, help: string): Gauge {
    return this.family(name, () => new Gauge(name, help), Gauge);
  }

  /** Prometheus text format, families in registration order. */
  render(): string {
    const blocks = [...this.families.values()].map((family) => family.render());
    return blocks.length === 0 ? "" : `${blocks.join("\n")}\n`;
  }

  private family<F extends Family>(name: string, make: () => F, kind: abstract new (...args: never[]) => F): F {
    const existing = this.families.get(name);
    if (existing !== undefined) {
      if (!(existing instanceof kind))
        throw new TypeError(`metric ${name} is already registered as a ${existing.type}`);
      return existing;
    }
    const created = make();
    this.families.set(name, created);
    return created;
  }
}

export class Metrics extends Context.Service<Metrics, MetricsRegistry>()("poa/Metrics") {
  /** A fresh registry per layer build: one per agent. */
  static readonly layer: Layer.Layer<Metrics> = Layer.sync(Metrics, () => new MetricsRegistry());
}

/** Renders the agent's registry. */
export const renderMetrics = Metrics.useSync((registry) => registry.render());
