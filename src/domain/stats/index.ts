/**
 * Pure statistics used by canary analysis: the standard normal distribution and two one-sided
 * hypothesis tests (two-proportion z-test, Mann–Whitney U).
 */
export type { MannWhitneyResult, TwoProportionResult } from "./hypothesis";
export { mannWhitneyU, midRanks, twoProportionZTest } from "./hypothesis";
export { normalCdf, normalPdf, normalSf } from "./normal";
