import { sigmoid } from "../deterministic/model.ts";

/** One training example: feature values in a fixed order, a target in [0, 1] (soft labels allowed) and a weight. */
export interface Example {
  x: number[];
  y: number;
  w: number;
}

/**
 * L2-regularised logistic regression fitted by Newton's method (iteratively reweighted least
 * squares). Exact and deterministic: the same examples give the same weights on every machine,
 * with no learning rate or random start to tune. The bias (feature 0) is not regularised.
 */
export function fitLogistic(examples: Example[], options: { l2: number; iterations?: number } = { l2: 1 }): number[] {
  const d = examples[0]?.x.length ?? 0;
  let w = new Array<number>(d).fill(0);
  for (let iter = 0; iter < (options.iterations ?? 50); iter++) {
    const gradient = new Array<number>(d).fill(0);
    const hessian = Array.from({ length: d }, () => new Array<number>(d).fill(0));
    for (const { x, y, w: weight } of examples) {
      const p = sigmoid(dot(w, x));
      const r = weight * (y - p);
      const s = weight * Math.max(p * (1 - p), 1e-9);
      for (let i = 0; i < d; i++) {
        gradient[i]! += r * x[i]!;
        if (x[i] === 0) continue;
        const row = hessian[i]!;
        for (let j = 0; j <= i; j++) row[j]! += s * x[i]! * x[j]!;
      }
    }
    for (let i = 0; i < d; i++) {
      for (let j = 0; j < i; j++) hessian[j]![i] = hessian[i]![j]!;
      if (i > 0) {
        gradient[i]! -= options.l2 * w[i]!;
        hessian[i]![i]! += options.l2;
      } else hessian[i]![i]! += 1e-6;
    }
    const step = solve(hessian, gradient);
    w = w.map((v, i) => v + step[i]!);
    if (Math.max(...step.map(Math.abs)) < 1e-7) break;
  }
  return w;
}

export function dot(a: number[], b: number[]): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/** Solves A x = b for a symmetric positive definite A (Gaussian elimination with partial pivoting). */
function solve(a: number[][], b: number[]): number[] {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i]!]);
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(m[r]![col]!) > Math.abs(m[pivot]![col]!)) pivot = r;
    [m[col], m[pivot]] = [m[pivot]!, m[col]!];
    const p = m[col]![col]!;
    if (Math.abs(p) < 1e-12) continue;
    for (let r = col + 1; r < n; r++) {
      const f = m[r]![col]! / p;
      if (f === 0) continue;
      for (let c = col; c <= n; c++) m[r]![c]! -= f * m[col]![c]!;
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let s = m[r]![n]!;
    for (let c = r + 1; c < n; c++) s -= m[r]![c]! * x[c]!;
    x[r] = Math.abs(m[r]![r]!) < 1e-12 ? 0 : s / m[r]![r]!;
  }
  return x;
}
