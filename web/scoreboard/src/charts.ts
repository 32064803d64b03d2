// The scoreboard's two charts, drawn with uPlot (its own lazy chunk): counts as bars, rates as lines, by month.
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import type { Row } from "./figures";

// AA-contrast colours of the kit (brand, link, good, warn), so each series reads on white.
const COLOURS = ["#7a1f1f", "#1d4f91", "#1f6b3a", "#7a4b00"];

function options(el: HTMLElement, labels: string[], names: string[], bars: boolean, percent: boolean): uPlot.Options {
  const width = Math.max(280, Math.min(el.clientWidth || 640, 900));
  return {
    width,
    height: 260,
    legend: { show: true, live: false },
    cursor: { show: false },
    // Months are the indices 0…n−1, each in the middle of its own slot (one month is still a visible bar).
    scales: {
      x: { time: false, range: () => [-0.5, labels.length - 0.5] },
      y: percent ? { range: [0, 100] } : { range: (_u, _min, max) => [0, Math.max(1, max)] },
    },
    axes: [
      { splits: () => labels.map((_, i) => i), values: (_u, splits) => splits.map((i) => labels[i] ?? ""), stroke: "#1b1b1b" },
      { stroke: "#1b1b1b", values: (_u, splits) => splits.map((v) => (percent ? `${v}%` : String(v))) },
    ],
    series: [
      {},
      ...names.map((label, i) => ({
        label,
        stroke: COLOURS[i % COLOURS.length],
        width: 2,
        fill: bars ? COLOURS[i % COLOURS.length] : undefined,
        paths: bars ? uPlot.paths.bars!({ size: [0.35, 40], align: i === 0 ? -1 : 1 }) : undefined,
        points: { show: !bars },
      })),
    ],
  };
}

/** Bars of the dossiers received and settled each month. */
export function drawCounts(el: HTMLElement, labels: string[], rows: Row[], names: [string, string]): uPlot {
  const x = rows.map((_, i) => i);
  const data: uPlot.AlignedData = [x, rows.map((r) => r.cut.received), rows.map((r) => r.cut.finished)];
  return new uPlot(options(el, labels, names, true, false), data, el);
}

/** Lines of the timely, online, online-payment and satisfaction rates each month, in percent. */
export function drawRates(el: HTMLElement, labels: string[], rows: Row[], names: [string, string, string, string]): uPlot {
  const pct = (v: number | null | undefined): number | null => (v === null || v === undefined ? null : Math.round(v * 1000) / 10);
  const data: uPlot.AlignedData = [
    rows.map((_, i) => i),
    rows.map((r) => pct(r.cut.timely_rate)),
    rows.map((r) => pct(r.cut.channels.online_share)),
    rows.map((r) => pct(r.cut.payments.online_share)),
    rows.map((r) => pct(r.cut.satisfaction_rate)),
  ];
  return new uPlot(options(el, labels, names, false, true), data, el);
}
