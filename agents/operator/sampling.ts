/**
 * Token sampling without sorting the vocabulary: greedy is an argmax; plain temperature sampling is one
 * pass over the probabilities; top-k and top-p (nucleus) select only the head of the distribution with a
 * bounded heap, O(V log k), growing k until the nucleus is covered (a 128k vocabulary's nucleus is
 * usually a few dozen tokens). With top-k or top-p the result is the same token, for the same random
 * draw, as sorting all probabilities in descending order (ties by lower token id) and cutting there;
 * without them the draw walks the vocabulary in id order (the same distribution, no selection at all).
 */

/** Scratch reused across calls: the serving loop samples one token at a time on one thread. */
let scratch = new Float64Array(0);

/** Indices of the `k` largest `p` (ties: lower index first), in that order. */
const topIndices = (p: Float64Array, n: number, k: number): Int32Array => {
  // a min-heap of the best k seen so far; its root is the worst of them
  const heap = new Int32Array(k);
  let size = 0;
  const worse = (a: number, b: number) => p[a]! < p[b]! || (p[a] === p[b] && a > b);
  const siftDown = (at: number) => {
    for (;;) {
      const l = 2 * at + 1;
      const r = l + 1;
      let m = at;
      if (l < size && worse(heap[l]!, heap[m]!)) m = l;
      if (r < size && worse(heap[r]!, heap[m]!)) m = r;
      if (m === at) return;
      const t = heap[at]!;
      heap[at] = heap[m]!;
      heap[m] = t;
      at = m;
    }
  };
  for (let i = 0; i < n; i++) {
    if (size < k) {
      let at = size++;
      heap[at] = i;
      while (at > 0) {
        const parent = (at - 1) >> 1;
        if (!worse(heap[at]!, heap[parent]!)) break;
        const t = heap[at]!;
        heap[at] = heap[parent]!;
        heap[parent] = t;
        at = parent;
      }
    } else if (worse(heap[0]!, i)) {
      heap[0] = i;
      siftDown(0);
    }
  }
  return heap.subarray(0, size).sort((a, b) => (p[b]! - p[a]! !== 0 ? p[b]! - p[a]! : a - b));
};

/**
 * Samples a token. `temperature` 0 is greedy; `topK` 0 (or ≥ vocabulary) keeps every token; `topP` 1
 * keeps the whole (top-k) mass. Top-p is applied to the top-k distribution, as vLLM does.
 */
export const sampleToken = (
  logits: Float32Array,
  temperature: number,
  topP: number,
  rand: () => number,
  topK = 0,
): number => {
  const V = logits.length;
  let best = 0;
  for (let i = 1; i < V; i++) if (logits[i]! > logits[best]!) best = i;
  if (temperature <= 0 || topK === 1) return best;
  const max = logits[best]!;
  if (scratch.length < V) scratch = new Float64Array(V);
  const p = scratch;
  let total = 0;
  for (let i = 0; i < V; i++) {
    const e = Math.exp((logits[i]! - max) / temperature);
    p[i] = e;
    total += e;
  }
  const k = topK > 0 ? Math.min(topK, V) : V;
  if (topP >= 1 && k === V) {
    let u = rand() * total;
    for (let i = 0; i < V; i++) {
      u -= p[i]!;
      if (u <= 0) return i;
    }
    return best;
  }
  let want = topK > 0 ? k : Math.min(k, 64);
  for (;;) {
    const head = topIndices(p, V, want);
    let base = total;
    if (topK > 0) {
      base = 0;
      for (const i of head) base += p[i]!;
    }
    let kept = 0;
    let cut = -1;
    for (let c = 0; c < head.length; c++) {
      kept += p[head[c]!]! / base;
      if (kept >= topP) {
        cut = c + 1;
        break;
      }
    }
    if (cut < 0 && want < k) {
      want = Math.min(k, want * 4);
      continue;
    }
    const nucleus = head.subarray(0, cut < 0 ? head.length : cut);
    let mass = 0;
    for (const i of nucleus) mass += p[i]!;
    let u = rand() * mass;
    for (const i of nucleus) {
      u -= p[i]!;
      if (u <= 0) return i;
    }
    return nucleus[nucleus.length - 1]!;
  }
};
