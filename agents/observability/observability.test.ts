import { describe, expect, it } from "@effect/vitest";
import { Effect, Layer } from "effect";
import { Metrics, MetricsRegistry } from "./metrics.ts";
import { headLagGauge, Observability, PEERS_METRIC } from "./server.ts";

describe("MetricsRegistry", () => {
  it("renders counters and gauges in the Prometheus text format", () => {
    const registry = new MetricsRegistry();
    const messages = registry.counter("poa_test_messages_total", "Messages\nby verdict");
    messages.inc({ topic: "/poa/receipts/1", result: "reject" }, 2);
    messages.inc({ result: "accept", topic: 'we"ird\\' });
    registry.gauge("poa_test_peers", "Peers").collect(() => [[{}, 3]]);
    expect(registry.render()).toBe(
      [
        "# HELP poa_test_messages_total Messages\\nby verdict",
        "# TYPE poa_test_messages_total counter",
        'poa_test_messages_total{result="reject",topic="/poa/receipts/1"} 2',
        'poa_test_messages_total{result="accept",topic="we\\"ird\\\\"} 1',
        "# HELP poa_test_peers Peers",
        "# TYPE poa_test_peers gauge",
        "poa_test_peers 3",
        "",
      ].join("\n"),
    );
    expect(messages.total()).toBe(3);
    expect(() => messages.inc({}, -1)).toThrow(/cannot decrease/);
    expect(() => registry.gauge("poa_test_messages_total", "x")).toThrow(/already registered as a counter/);
    expect(() => registry.counter("bad name", "x")).toThrow(/invalid Prometheus metric name/);
  });
});

describe("Observability", () => {
  const registry = new MetricsRegistry();
  const layer = Observability.layer({ agent: "attributor-1", maxHeadLagBlocks: 5 }).pipe(
    Layer.provide(Layer.succeed(Metrics, registry)),
  );

  it.live("serves /metrics and a /health that follows the peer and head-lag gauges", () =>
    Effect.gen(function* () {
      const { url } = yield* Observability;
      const get = (path: string, init?: RequestInit) =>
        Effect.promise(async () => {
          const response = await fetch(`${url}${path}`, init);
          return { status: response.status, type: response.headers.get("content-type"), body: await response.text() };
        });
      registry.counter("poa_claims_posted_total", "Claims posted").inc({}, 4);
      const metrics = yield* get("/metrics");
      expect(metrics.status).toBe(200);
      expect(metrics.type).toMatch(/^text\/plain; version=0\.0\.4/);
      expect(metrics.body).toContain("poa_claims_posted_total 4\n");

      // nothing known yet: ok, with unknowns as null
      expect(JSON.parse((yield* get("/health")).body)).toMatchObject({ status: "ok", peers: null, headLag: null });
      let peers = 0;
      registry.gauge(PEERS_METRIC, "Connected libp2p peers").collect(() => [[{}, peers]]);
      const lonely = yield* get("/health");
      expect(lonely.status).toBe(503);
      expect(JSON.parse(lonely.body)).toMatchObject({ agent: "attributor-1", status: "degraded", peers: 0 });
      peers = 3;
      headLagGauge(registry).set({}, 2);
      const healthy = yield* get("/health");
      expect(healthy.status).toBe(200);
      expect(JSON.parse(healthy.body)).toMatchObject({ status: "ok", peers: 3, headLag: 2, problems: [] });
      headLagGauge(registry).set({}, 6);
      expect(JSON.parse((yield* get("/health")).body)).toMatchObject({ status: "degraded", headLag: 6 });

      expect((yield* get("/nope")).status).toBe(404);
      expect((yield* get("/metrics", { method: "POST" })).status).toBe(405);
    }).pipe(Effect.provide(layer)),
  );

  it.live("stops listening when its scope closes", () =>
    Effect.gen(function* () {
      const url = yield* Effect.scoped(Observability.useSync((o) => o.url).pipe(Effect.provide(layer)));
      const after = yield* Effect.promise(() =>
        fetch(`${url}/health`).then(
          () => "open",
          () => "closed",
        ),
      );
      expect(after).toBe("closed");
    }),
  );

  it.live("fails with a typed error when its port is taken", () =>
    Effect.gen(function* () {
      const { port } = yield* Observability;
      const second = Observability.layer({ port }).pipe(Layer.provide(Layer.succeed(Metrics, new MetricsRegistry())));
      const error = yield* Effect.flip(Effect.scoped(Layer.build(second)));
      expect(error._tag).toBe("ObservabilityError");
      expect(error.message).toContain(`:${port}`);
    }).pipe(Effect.provide(layer)),
  );
});
