/**
 * splitmix32: the one seeded generator of the gradient engine (sampling, initialisation and the
 * projection's signs). Word n of seed s: z = s + n·0x9e3779b9 (mod 2^32), then
 * z ^= z >>> 16; z *= 0x85ebca6b; z ^= z >>> 13; z *= 0xc2b2ae35; z ^= z >>> 16 (32-bit arithmetic).
 */
export const splitmix32 = (seed: number) => {
  let s = seed >>> 0;
  return (): number => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
};

/** Uniform floats in [0, 1) from splitmix32 words. */
export const prng = (seed: number): (() => number) => {
  const next = splitmix32(seed);
  return () => next() / 4294967296;
};
