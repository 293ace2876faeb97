/**
 * IEEE 754 half precision (binary16) ↔ float32, for fp16 exports: their weights, KV cache and logits
 * travel as raw 16-bit patterns (onnxruntime-node hands float16 tensors over as Uint16Array).
 */

export const f16ToF32 = (h: number): number => {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * 2 ** -14 * (frac / 1024);
  if (exp === 0x1f) return frac ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * 2 ** (exp - 15) * (1 + frac / 1024);
};

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** Rounds a number to the nearest binary16 (ties to even), as numpy's astype(float16) does. */
export const f32ToF16 = (value: number): number => {
  f32[0] = value;
  const x = u32[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0); // Inf / NaN
  let e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00; // overflow to Inf
  if (e <= 0) {
    if (e < -10) return sign; // underflow to ±0
    mant |= 0x800000; // subnormal: shift the implicit bit in
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    const rest = mant & ((1 << shift) - 1);
    let m = mant >>> shift;
    if (rest > half || (rest === half && m & 1)) m++;
    return sign | m;
  }
  let m = mant >>> 13;
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && m & 1)) {
    m++;
    if (m === 0x400) {
      m = 0;
      e++;
      if (e >= 0x1f) return sign | 0x7c00;
    }
  }
  return sign | (e << 10) | m;
};

/** Widens a float16 tensor's data (Uint16Array bit patterns, or a Float16Array where the runtime has one). */
export const widenHalf = (data: ArrayLike<number>, bits: boolean): Float32Array => {
  const out = new Float32Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = bits ? f16ToF32(data[i]!) : data[i]!;
  return out;
};
