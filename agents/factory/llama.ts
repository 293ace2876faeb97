/**
 * Forward and backward of a Llama-family decoder with LoRA side paths, in plain TypeScript (float64
 * arithmetic over the float32 base weights), for one token sequence at a time. Only the LoRA factors
 * are trainable; the backward pass returns the exact gradient of the sequence's weighted next-token
 * cross-entropy with respect to them. Why TypeScript and not ONNX gradient graphs: docs/model-factory.md.
 *
 * Each targeted projection computes, with PEFT's conventions (lora_A [r, in], lora_B [out, r], s = alpha/r):
 *
 *     y = x·W + s · (x·Aᵀ)·Bᵀ
 *
 * The parameter vector is flat: per target in the base model's graph order, A row-major then B row-major.
 * That order is also the gradient's and the index layers' order (one layer per target).
 */
import type { LlamaBase, Projection } from "./base.ts";

export interface LoraTargetSlot {
  readonly projection: Projection;
  readonly offsetA: number;
  readonly offsetB: number;
  /** rank · in + out · rank */
  readonly size: number;
}

export interface LoraLayout {
  readonly rank: number;
  readonly alpha: number;
  readonly scale: number;
  readonly modules: ReadonlyArray<string>;
  readonly targets: ReadonlyArray<LoraTargetSlot>;
  /** Total parameters. */
  readonly size: number;
}

export const loraLayout = (
  base: LlamaBase,
  modules: ReadonlyArray<string>,
  rank: number,
  alpha: number,
): LoraLayout => {
  if (!Number.isInteger(rank) || rank < 1) throw new RangeError(`rank must be a positive integer, got ${rank}`);
  const known = new Set(base.projections.map((p) => p.module));
  for (const m of modules) if (!known.has(m)) throw new RangeError(`target ${m} is not a projection of the base model`);
  const targets: LoraTargetSlot[] = [];
  let offset = 0;
  for (const p of base.projections) {
    if (!modules.includes(p.module)) continue;
    const aSize = rank * p.inFeatures;
    const bSize = p.outFeatures * rank;
    targets.push({ projection: p, offsetA: offset, offsetB: offset + aSize, size: aSize + bSize });
    offset += aSize + bSize;
  }
  if (targets.length === 0) throw new RangeError("no LoRA targets");
  return { rank, alpha, scale: alpha / rank, modules: [...modules], targets, size: offset };
};

/**
 * PEFT's initialisation: A ~ kaiming_uniform(a = √5) = U(−1/√in, 1/√in), B = 0, drawn in target order
 * from `rand`. Values are float32-representable (the adapter file is F32).
 */
export const initialLora = (layout: LoraLayout, rand: () => number): Float64Array => {
  const params = new Float64Array(layout.size);
  for (const t of layout.targets) {
    const bound = 1 / Math.sqrt(t.projection.inFeatures);
    for (let i = 0; i < t.offsetB - t.offsetA; i++) params[t.offsetA + i] = Math.fround((rand() * 2 - 1) * bound);
  }
  return params;
};

export interface SequenceResult {
  /** Σ_p w_p · CE(logits_p, tokens_{p+1}). */
  readonly loss: number;
  /** [T, vocab] when asked for. */
  readonly logits?: Float64Array;
  /** d loss / d params, when asked for. */
  readonly grad?: Float64Array;
}

interface LinearCache {
  readonly x: Float64Array;
  /** x·Aᵀ [T, r], for targets with LoRA. */
  readonly u: Float64Array | null;
}

const ropeTables = (T: number, hd: number, theta: number) => {
  const cos = new Float64Array(T * hd);
  const sin = new Float64Array(T * hd);
  for (let p = 0; p < T; p++) {
    for (let i = 0; i < hd / 2; i++) {
      const angle = p * theta ** ((-2 * i) / hd);
      cos[p * hd + i] = cos[p * hd + i + hd / 2] = Math.fround(Math.cos(angle));
      sin[p * hd + i] = sin[p * hd + i + hd / 2] = Math.fround(Math.sin(angle));
    }
  }
  return { cos, sin };
};

/**
 * One sequence forward (and backward when `grad` is asked): `tokens` [T], `weights` [T − 1] the weight of
 * predicting tokens[p + 1] from position p (training: 1/(T − 1) each; an answer: 1/|answer| on its tokens).
 */
export const runSequence = (
  base: LlamaBase,
  layout: LoraLayout,
  params: Float64Array,
  tokens: ArrayLike<number>,
  weights: ArrayLike<number>,
  want: { readonly logits?: boolean; readonly grad?: boolean } = {},
): SequenceResult => {
  const s = base.shape;
  const T = tokens.length;
  const H = s.hidden;
  const V = s.vocab;
  const hd = s.headDim;
  const nh = s.heads;
  const kvh = s.kvHeads;
  const groups = nh / kvh;
  const I = s.intermediate;
  const r = layout.rank;
  const sc = layout.scale;
  if (T < 2) throw new RangeError("a sequence needs at least 2 tokens");
  if (T > s.maxPositions) throw new RangeError(`sequence of ${T} tokens exceeds ${s.maxPositions} positions`);
  if (weights.length !== T - 1) throw new RangeError(`weights: ${weights.length} for ${T - 1} predictions`);
  if (params.length !== layout.size) throw new RangeError(`params: ${params.length}, layout needs ${layout.size}`);
  const slots = new Map(layout.targets.map((t) => [t.projection.key, t]));
  const { cos, sin } = ropeTables(T, hd, s.ropeTheta);

  const linear = (x: Float64Array, p: Projection): { y: Float64Array; cache: LinearCache } => {
    const inF = p.inFeatures;
    const outF = p.outFeatures;
    const y = new Float64Array(T * outF);
    const W = p.weight;
    for (let t = 0; t < T; t++) {
      const yo = t * outF;
      for (let i = 0; i < inF; i++) {
        const xv = x[t * inF + i]!;
        if (xv === 0) continue;
        const wo = i * outF;
        for (let o = 0; o < outF; o++) y[yo + o]! += xv * W[wo + o]!;
      }
    }
    const slot = slots.get(p.key);
    if (!slot) return { y, cache: { x, u: null } };
    const u = new Float64Array(T * r);
    for (let t = 0; t < T; t++) {
      for (let j = 0; j < r; j++) {
        let acc = 0;
        const ao = slot.offsetA + j * inF;
        for (let i = 0; i < inF; i++) acc += x[t * inF + i]! * params[ao + i]!;
        u[t * r + j] = acc;
      }
      for (let o = 0; o < outF; o++) {
        let acc = 0;
        const bo = slot.offsetB + o * r;
        for (let j = 0; j < r; j++) acc += u[t * r + j]! * params[bo + j]!;
        y[t * outF + o]! += sc * acc;
      }
    }
    return { y, cache: { x, u } };
  };

  const rmsNorm = (x: Float64Array, g: Float32Array) => {
    const y = new Float64Array(T * H);
    const rstd = new Float64Array(T);
    for (let t = 0; t < T; t++) {
      let ss = 0;
      for (let i = 0; i < H; i++) ss += x[t * H + i]! * x[t * H + i]!;
      const rs = 1 / Math.sqrt(ss / H + s.eps);
      rstd[t] = rs;
      for (let i = 0; i < H; i++) y[t * H + i] = x[t * H + i]! * rs * g[i]!;
    }
    return { y, rstd };
  };

  const rope = (x: Float64Array, heads: number) => {
    const out = new Float64Array(x.length);
    const half = hd / 2;
    for (let t = 0; t < T; t++) {
      for (let h = 0; h < heads; h++) {
        const b = (t * heads + h) * hd;
        for (let i = 0; i < hd; i++) {
          const rot = i < half ? -x[b + i + half]! : x[b + i - half]!;
          out[b + i] = x[b + i]! * cos[t * hd + i]! + rot * sin[t * hd + i]!;
        }
      }
    }
    return out;
  };

  interface LayerCache {
    h: Float64Array;
    rstd1: Float64Array;
    q: LinearCache;
    k: LinearCache;
    v: LinearCache;
    qr: Float64Array;
    kr: Float64Array;
    vv: Float64Array;
    probs: Float64Array; // [nh, T, T]
    o: LinearCache;
    h2: Float64Array;
    rstd2: Float64Array;
    gateIn: LinearCache;
    upIn: LinearCache;
    gate: Float64Array;
    up: Float64Array;
    down: LinearCache;
  }
  const caches: LayerCache[] = [];
  let h = new Float64Array(T * H);
  for (let t = 0; t < T; t++) {
    const id = tokens[t]!;
    if (!Number.isInteger(id) || id < 0 || id >= V) throw new RangeError(`token ${id} outside the vocabulary`);
    for (let i = 0; i < H; i++) h[t * H + i] = base.embed[id * H + i]!;
  }
  const scale = Math.fround(1 / Math.sqrt(hd));
  for (const layer of base.layers) {
    const n1 = rmsNorm(h, layer.inputNorm);
    const q = linear(n1.y, layer.proj.get("q_proj")!);
    const k = linear(n1.y, layer.proj.get("k_proj")!);
    const v = linear(n1.y, layer.proj.get("v_proj")!);
    const qr = rope(q.y, nh);
    const kr = rope(k.y, kvh);
    const probs = new Float64Array(nh * T * T);
    const ctx = new Float64Array(T * nh * hd);
    for (let hh = 0; hh < nh; hh++) {
      const kh = Math.floor(hh / groups);
      for (let i = 0; i < T; i++) {
        const row = (hh * T + i) * T;
        let max = -Infinity;
        for (let j = 0; j <= i; j++) {
          let dot = 0;
          for (let d = 0; d < hd; d++) dot += qr[(i * nh + hh) * hd + d]! * kr[(j * kvh + kh) * hd + d]!;
          probs[row + j] = dot * scale;
          if (dot * scale > max) max = dot * scale;
        }
        let sum = 0;
        for (let j = 0; j <= i; j++) {
          const e = Math.exp(probs[row + j]! - max);
          probs[row + j] = e;
          sum += e;
        }
        for (let j = 0; j <= i; j++) {
          const pj = probs[row + j]! / sum;
          probs[row + j] = pj;
          for (let d = 0; d < hd; d++) ctx[(i * nh + hh) * hd + d]! += pj * v.y[(j * kvh + kh) * hd + d]!;
        }
      }
    }
    const o = linear(ctx, layer.proj.get("o_proj")!);
    const hMid = new Float64Array(T * H);
    for (let i = 0; i < T * H; i++) hMid[i] = h[i]! + o.y[i]!;
    const n2 = rmsNorm(hMid, layer.postNorm);
    const gate = linear(n2.y, layer.proj.get("gate_proj")!);
    const up = linear(n2.y, layer.proj.get("up_proj")!);
    const act = new Float64Array(T * I);
    for (let i = 0; i < T * I; i++) {
      const g = gate.y[i]!;
      act[i] = (g / (1 + Math.exp(-g))) * up.y[i]!;
    }
    const down = linear(act, layer.proj.get("down_proj")!);
    const hOut = new Float64Array(T * H);
    for (let i = 0; i < T * H; i++) hOut[i] = hMid[i]! + down.y[i]!;
    caches.push({
      h,
      rstd1: n1.rstd,
      q: q.cache,
      k: k.cache,
      v: v.cache,
      qr,
      kr,
      vv: v.y,
      probs,
      o: o.cache,
      h2: hMid,
      rstd2: n2.rstd,
      gateIn: gate.cache,
      upIn: up.cache,
      gate: gate.y,
      up: up.y,
      down: down.cache,
    });
    h = hOut;
  }
  const nf = rmsNorm(h, base.finalNorm);
  const logits = new Float64Array(T * V);
  for (let t = 0; t < T; t++) {
    for (let i = 0; i < H; i++) {
      const xv = nf.y[t * H + i]!;
      for (let o = 0; o < V; o++) logits[t * V + o]! += xv * base.lmHead[i * V + o]!;
    }
  }
  let loss = 0;
  const dlogits = want.grad ? new Float64Array(T * V) : null;
  for (let p = 0; p < T - 1; p++) {
    const w = weights[p]!;
    if (w === 0) continue;
    let max = -Infinity;
    for (let o = 0; o < V; o++) max = Math.max(max, logits[p * V + o]!);
    let sum = 0;
    for (let o = 0; o < V; o++) sum += Math.exp(logits[p * V + o]! - max);
    const target = tokens[p + 1]!;
    loss += w * (Math.log(sum) + max - logits[p * V + target]!);
    if (dlogits) {
      for (let o = 0; o < V; o++) dlogits[p * V + o] = (w * Math.exp(logits[p * V + o]! - max)) / sum;
      dlogits[p * V + target]! -= w;
    }
  }
  if (!dlogits) return { loss, ...(want.logits ? { logits } : {}) };

  // ---- backward ----
  const grad = new Float64Array(layout.size);
  /** dx of a projection (accumulated into `dx`), and the LoRA factors' gradients. */
  const linearBack = (p: Projection, cache: LinearCache, dy: Float64Array, dx: Float64Array) => {
    const inF = p.inFeatures;
    const outF = p.outFeatures;
    const W = p.weight;
    for (let t = 0; t < T; t++) {
      for (let i = 0; i < inF; i++) {
        let acc = 0;
        const wo = i * outF;
        for (let o = 0; o < outF; o++) acc += dy[t * outF + o]! * W[wo + o]!;
        dx[t * inF + i]! += acc;
      }
    }
    const slot = slots.get(p.key);
    if (!slot || !cache.u) return;
    const u = cache.u;
    const du = new Float64Array(T * r);
    for (let t = 0; t < T; t++) {
      for (let o = 0; o < outF; o++) {
        const g = sc * dy[t * outF + o]!;
        if (g === 0) continue;
        const bo = slot.offsetB + o * r;
        for (let j = 0; j < r; j++) {
          grad[bo + j]! += g * u[t * r + j]!;
          du[t * r + j]! += g * params[bo + j]!;
        }
      }
    }
    for (let t = 0; t < T; t++) {
      for (let j = 0; j < r; j++) {
        const g = du[t * r + j]!;
        if (g === 0) continue;
        const ao = slot.offsetA + j * inF;
        for (let i = 0; i < inF; i++) {
          grad[ao + i]! += g * cache.x[t * inF + i]!;
          dx[t * inF + i]! += g * params[ao + i]!;
        }
      }
    }
  };
  /** dx += d rmsnorm(x)·g / dx given dy. */
  const rmsBack = (x: Float64Array, rstd: Float64Array, g: Float32Array, dy: Float64Array, dx: Float64Array) => {
    for (let t = 0; t < T; t++) {
      const rs = rstd[t]!;
      let dot = 0;
      for (let i = 0; i < H; i++) dot += g[i]! * dy[t * H + i]! * x[t * H + i]!;
      const c = (rs * rs * rs * dot) / H;
      for (let i = 0; i < H; i++) dx[t * H + i]! += rs * g[i]! * dy[t * H + i]! - c * x[t * H + i]!;
    }
  };
  /** The transpose of the RoPE rotation, accumulated into `dx`. */
  const ropeBack = (dy: Float64Array, heads: number, dx: Float64Array) => {
    const half = hd / 2;
    for (let t = 0; t < T; t++) {
      for (let hh = 0; hh < heads; hh++) {
        const b = (t * heads + hh) * hd;
        for (let i = 0; i < hd; i++) {
          const c = cos[t * hd + i]!;
          dx[b + i]! += dy[b + i]! * c;
          // out[i] has + x[i − half]·sin (i ≥ half) and − x[i + half]·sin (i < half)
          if (i < half) dx[b + i + half]! -= dy[b + i]! * sin[t * hd + i]!;
          else dx[b + i - half]! += dy[b + i]! * sin[t * hd + i]!;
        }
      }
    }
  };

  const dnf = new Float64Array(T * H);
  for (let t = 0; t < T; t++) {
    for (let i = 0; i < H; i++) {
      let acc = 0;
      for (let o = 0; o < V; o++) acc += dlogits[t * V + o]! * base.lmHead[i * V + o]!;
      dnf[t * H + i] = acc;
    }
  }
  let dh = new Float64Array(T * H);
  rmsBack(h, nf.rstd, base.finalNorm, dnf, dh);
  for (let l = base.layers.length - 1; l >= 0; l--) {
    const layer = base.layers[l]!;
    const c = caches[l]!;
    // MLP: hOut = hMid + down(silu(gate)·up)
    const dact = new Float64Array(T * I);
    linearBack(layer.proj.get("down_proj")!, c.down, dh, dact);
    const dgate = new Float64Array(T * I);
    const dup = new Float64Array(T * I);
    for (let i = 0; i < T * I; i++) {
      const g = c.gate[i]!;
      const sg = 1 / (1 + Math.exp(-g));
      dup[i] = dact[i]! * g * sg;
      dgate[i] = dact[i]! * c.up[i]! * sg * (1 + g * (1 - sg));
    }
    const dn2 = new Float64Array(T * H);
    linearBack(layer.proj.get("gate_proj")!, c.gateIn, dgate, dn2);
    linearBack(layer.proj.get("up_proj")!, c.upIn, dup, dn2);
    const dMid = Float64Array.from(dh);
    rmsBack(c.h2, c.rstd2, layer.postNorm, dn2, dMid);
    // attention: hMid = h + o(ctx)
    const dctx = new Float64Array(T * nh * hd);
    linearBack(layer.proj.get("o_proj")!, c.o, dMid, dctx);
    const dqr = new Float64Array(T * nh * hd);
    const dkr = new Float64Array(T * kvh * hd);
    const dv = new Float64Array(T * kvh * hd);
    const dp = new Float64Array(T);
    for (let hh = 0; hh < nh; hh++) {
      const kh = Math.floor(hh / groups);
      for (let i = 0; i < T; i++) {
        const row = (hh * T + i) * T;
        let sum = 0;
        for (let j = 0; j <= i; j++) {
          let acc = 0;
          for (let d = 0; d < hd; d++) acc += dctx[(i * nh + hh) * hd + d]! * c.vv[(j * kvh + kh) * hd + d]!;
          dp[j] = acc;
          sum += acc * c.probs[row + j]!;
          const pj = c.probs[row + j]!;
          for (let d = 0; d < hd; d++) dv[(j * kvh + kh) * hd + d]! += pj * dctx[(i * nh + hh) * hd + d]!;
        }
        for (let j = 0; j <= i; j++) {
          const ds = c.probs[row + j]! * (dp[j]! - sum) * scale;
          if (ds === 0) continue;
          for (let d = 0; d < hd; d++) {
            dqr[(i * nh + hh) * hd + d]! += ds * c.kr[(j * kvh + kh) * hd + d]!;
            dkr[(j * kvh + kh) * hd + d]! += ds * c.qr[(i * nh + hh) * hd + d]!;
          }
        }
      }
    }
    const dq = new Float64Array(T * nh * hd);
    const dk = new Float64Array(T * kvh * hd);
    ropeBack(dqr, nh, dq);
    ropeBack(dkr, kvh, dk);
    const dn1 = new Float64Array(T * H);
    linearBack(layer.proj.get("q_proj")!, c.q, dq, dn1);
    linearBack(layer.proj.get("k_proj")!, c.k, dk, dn1);
    linearBack(layer.proj.get("v_proj")!, c.v, dv, dn1);
    const dPrev = Float64Array.from(dMid);
    rmsBack(c.h, c.rstd1, layer.inputNorm, dn1, dPrev);
    dh = dPrev;
  }
  return { loss, grad, ...(want.logits ? { logits } : {}) };
};
