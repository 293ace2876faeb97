/** Small SVG charts, each with a text equivalent (a table) for screen readers and keyboards. */
import { open } from "./lib.ts";

const COLORS = ["#1f5fae", "#b4460b", "#2d7a3a", "#6b3fa0", "#a3195b", "#0f6e74", "#7a5d00", "#444"];

export const FeeSplitChart = ({ parts }: { parts: ReadonlyArray<{ label: string; amount: bigint }> }) => {
  const total = parts.reduce((s, p) => s + p.amount, 0n);
  let x = 0;
  return (
    <figure class="chart" data-testid="fee-split">
      <svg viewBox="0 0 100 8" preserveAspectRatio="none" role="img" aria-label={`fee split of ${open(total)} OPEN`}>
        {parts.map((p, i) => {
          const w = total === 0n ? 0 : Number((p.amount * 10_000n) / total) / 100;
          const rect = <rect key={p.label} x={x} y={0} width={w} height={8} fill={COLORS[i % COLORS.length]} />;
          x += w;
          return rect;
        })}
      </svg>
      <table>
        <caption class="sr-only">Fee split per recipient</caption>
        <thead>
          <tr>
            <th scope="col">recipient</th>
            <th scope="col">OPEN</th>
          </tr>
        </thead>
        <tbody>
          {parts.map((p, i) => (
            <tr key={p.label}>
              <td>
                <span class="swatch" style={{ background: COLORS[i % COLORS.length] }} aria-hidden="true" /> {p.label}
              </td>
              <td class="num">{open(p.amount, 8)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
};

export const LineChart = ({ points, label }: { points: ReadonlyArray<{ x: string; y: bigint }>; label: string }) => {
  if (points.length === 0) return <p>No claim has credited this account yet.</p>;
  // starts from nothing, so one claim already draws a rise
  const all = [{ x: "start", y: 0n }, ...points];
  const max = all.reduce((m, p) => (p.y > m ? p.y : m), 1n);
  const w = 600;
  const h = 160;
  const step = w / (all.length - 1);
  const coords = all.map((p, i) => [i * step, h - 8 - Number((p.y * BigInt(h - 16)) / max)] as const);
  return (
    <figure class="chart" data-testid="earnings-chart">
      <svg class="line" viewBox={`0 0 ${w} ${h}`} preserveAspectRatio="none" role="img" aria-label={label}>
        <line x1={0} y1={h - 8} x2={w} y2={h - 8} stroke="#999" stroke-width="1" vector-effect="non-scaling-stroke" />
        <polyline
          fill="none"
          stroke="#1f5fae"
          stroke-width="3"
          vector-effect="non-scaling-stroke"
          points={coords.map(([a, b]) => `${a},${b}`).join(" ")}
        />
      </svg>
      <figcaption>
        {label}: up to {open(max)} OPEN
      </figcaption>
      <table>
        <caption class="sr-only">{label}</caption>
        <thead>
          <tr>
            <th scope="col">after claim</th>
            <th scope="col">earned (OPEN)</th>
          </tr>
        </thead>
        <tbody>
          {points.map((p) => (
            <tr key={p.x}>
              <td>{p.x}</td>
              <td class="num">{open(p.y, 8)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
};

/** The bisection: each move's range [lo, hi) over the claim's transactions, narrowing to one step. */
export const Bisection = ({ size, ranges }: { size: bigint; ranges: ReadonlyArray<{ lo: bigint; hi: bigint }> }) => {
  const n = Number(size > 0n ? size : 1n);
  const w = 600;
  const rowH = 30;
  return (
    <svg
      class="bisection"
      viewBox={`0 0 ${w} ${ranges.length * rowH + 4}`}
      role="img"
      aria-label={`bisection over ${n} transactions: ${ranges.map((r) => `[${r.lo}, ${r.hi})`).join(" → ")}`}
      data-testid="bisection"
    >
      {ranges.map((r, i) => (
        <g key={i}>
          <rect x={0} y={i * rowH + 2} width={w} height={rowH - 6} fill="#eee" />
          <rect
            x={(Number(r.lo) / n) * w}
            y={i * rowH + 2}
            width={Math.max(4, (Number(r.hi - r.lo) / n) * w)}
            height={rowH - 6}
            fill="#b4460b"
          />
          <text
            x={6}
            y={i * rowH + rowH - 10}
            font-size="14"
            fill="#000"
            stroke="#fff"
            stroke-width="3"
            paint-order="stroke"
          >
            move {i}: disputed range [{r.lo.toString()}, {r.hi.toString()}) of {n}
          </text>
        </g>
      ))}
    </svg>
  );
};

/**
 * Training loss per optimizer step (the running mean example loss of the epoch so far, as the factory's
 * progress bar shows it); a dashed line marks each epoch's end, whose point is that epoch's loss in the
 * training record. The table lists every point with its exact value.
 */
export const LossChart = ({
  points,
  steps,
}: {
  points: ReadonlyArray<{ step: number; epoch: number; loss: number }>;
  steps: number;
}) => {
  if (points.length === 0) return <p class="muted">No step finished yet.</p>;
  const w = 600;
  const h = 160;
  const max = Math.max(...points.map((p) => p.loss));
  const min = Math.min(...points.map((p) => p.loss));
  const span = max - min || 1;
  const total = Math.max(steps, points[points.length - 1]!.step, 1);
  const x = (step: number) => (step / total) * w;
  const y = (loss: number) => 8 + ((max - loss) / span) * (h - 16);
  const epochEnds = points.filter((p, i) => points[i + 1]?.epoch !== p.epoch && i < points.length - 1);
  const last = points[points.length - 1]!;
  return (
    <figure class="chart" data-testid="loss-chart">
      <svg
        class="line"
        viewBox={`0 0 ${w} ${h}`}
        preserveAspectRatio="none"
        role="img"
        aria-label={`training loss over ${points.length} of ${total} steps: ${last.loss.toFixed(4)} at step ${last.step}`}
      >
        {epochEnds.map((p) => (
          <line
            key={p.step}
            x1={x(p.step)}
            y1={0}
            x2={x(p.step)}
            y2={h}
            stroke="#999"
            stroke-dasharray="4 4"
            vector-effect="non-scaling-stroke"
          />
        ))}
        <polyline
          fill="none"
          stroke="#b4460b"
          stroke-width="3"
          vector-effect="non-scaling-stroke"
          points={points.map((p) => `${x(p.step)},${y(p.loss)}`).join(" ")}
        />
      </svg>
      <figcaption>
        loss {last.loss.toFixed(4)} at step {last.step} of {total} (range {min.toFixed(4)}–{max.toFixed(4)})
      </figcaption>
      <details>
        <summary>Loss per step</summary>
        <div class="scroll">
          <table>
            <caption class="sr-only">Training loss per step</caption>
            <thead>
              <tr>
                <th scope="col">step</th>
                <th scope="col">epoch</th>
                <th scope="col">loss</th>
              </tr>
            </thead>
            <tbody>
              {points.map((p) => (
                <tr
                  key={p.step}
                  data-testid="loss-point"
                  data-step={p.step}
                  data-epoch={p.epoch}
                  data-loss={String(p.loss)}
                >
                  <td>{p.step}</td>
                  <td>{p.epoch + 1}</td>
                  <td class="num">{p.loss.toFixed(6)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </figure>
  );
};
