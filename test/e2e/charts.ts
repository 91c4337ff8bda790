/**
 * Chart assertions for the browser tests: a chart "renders with data" when uPlot has drawn it
 * (`data-ready`), it has points, and its canvas really holds pixels of the series' colour.
 */
import type { Locator } from "playwright-core";

/** Stroke colours of the dashboard palette (web/src/lib/chart-data.ts). */
export const TONE_RGB = {
  c1: [0xdc, 0x26, 0x26],
  c2: [0x25, 0x63, 0xeb],
  c3: [0x05, 0x96, 0x69],
  c4: [0x93, 0x33, 0xea],
  c5: [0xd9, 0x77, 0x06],
  c6: [0x08, 0x91, 0xb2],
} as const;

/** What a drawn chart reports. */
export interface DrawnChart {
  points: number;
  /** Canvas pixels within a small distance of the tone's colour. */
  tonePixels: number;
}

/**
 * Waits until the chart figure `figure` is drawn, then counts the canvas pixels of `tone`.
 * Lines are anti-aliased, so a pixel counts when each channel is within 40 of the colour.
 */
export async function drawnChart(
  figure: Locator,
  tone: keyof typeof TONE_RGB,
  timeoutMs = 60_000,
): Promise<DrawnChart> {
  await figure.locator("canvas").first().waitFor({ timeout: timeoutMs });
  await figure.and(figure.page().locator('[data-ready="true"]')).waitFor({ timeout: timeoutMs });
  const points = Number(await figure.getAttribute("data-points"));
  const rgb = TONE_RGB[tone];
  const tonePixels = await figure
    .locator("canvas")
    .first()
    .evaluate((el, [r, g, b]) => {
      const canvas = el as HTMLCanvasElement;
      const ctx2d = canvas.getContext("2d");
      if (!ctx2d) {
        return 0;
      }
      const { data } = ctx2d.getImageData(0, 0, canvas.width, canvas.height);
      let n = 0;
      for (let i = 0; i < data.length; i += 4) {
        const near =
          Math.abs((data[i] ?? 0) - r) < 40 &&
          Math.abs((data[i + 1] ?? 0) - g) < 40 &&
          Math.abs((data[i + 2] ?? 0) - b) < 40 &&
          (data[i + 3] ?? 0) > 128;
        if (near) {
          n++;
        }
      }
      return n;
    }, rgb);
  return { points, tonePixels };
}
