// Inline SVG charts for the leaderboard, drawn with createElementNS (no library).
//
// Colours come from CSS custom properties where a class can carry them (text, grid,
// points), and from two small palettes (light and dark) where a value picks the colour
// (heatmap cells); the text on a cell is dark or light by the cell's luminance, so every
// label stays readable in both themes.

import { svgEl } from "./dom.js";
import { fmt } from "./page.js";

function root(width, height, labelledBy, description) {
  const svg = svgEl("svg", {
    viewBox: `0 0 ${width} ${height}`, width, height, role: "img",
    "aria-labelledby": labelledBy, preserveAspectRatio: "xMinYMin meet",
  });
  svg.append(svgEl("desc", {}, description));
  return svg;
}

/** Rough text width in px at 12px system-ui; enough to lay out labels. */
const textWidth = (s) => String(s).length * 7 + 4;

/** About ``count`` round tick values covering [lo, hi]. */
export function niceTicks(lo, hi, count = 5) {
  const span = hi - lo || 1;
  const raw = span / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => span / s <= count) || 10 * mag;
  const ticks = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + 1e-9; t += step) ticks.push(+t.toFixed(6));
  return ticks;
}

/** Dot-and-whisker chart: each model's rating with its 95% interval. */
export function ratingsChart(models, { labelledBy, width = 780 }) {
  const rowH = 28;
  const left = Math.min(240, Math.max(90, ...models.map((m) => textWidth(m.model)))) + 12;
  const right = 48;
  const top = 8;
  const height = top + models.length * rowH + 30;
  const values = models.flatMap((m) => [m.ci_low, m.ci_high, m.rating]).filter((v) => v !== null);
  let lo = Math.min(...values);
  let hi = Math.max(...values);
  const pad = (hi - lo) * 0.06 || 25;
  lo -= pad;
  hi += pad;
  const x = (v) => left + ((v - lo) / (hi - lo)) * (width - left - right);
  const svg = root(width, height, labelledBy,
    "Each row is a model: the dot is its rating, the bar its 95% confidence interval.");
  const axisY = top + models.length * rowH + 4;
  for (const t of niceTicks(lo, hi, width < 560 ? 4 : 6)) {
    svg.append(svgEl("line", { class: "grid", x1: x(t), x2: x(t), y1: top, y2: axisY }));
    svg.append(svgEl("text", { class: "axis-label", x: x(t), y: axisY + 16, "text-anchor": "middle" },
      String(Math.round(t))));
  }
  models.forEach((m, i) => {
    const y = top + i * rowH + rowH / 2;
    const g = svgEl("g", { class: "rating-row" });
    g.append(svgEl("title", {}, `${m.model}: ${fmt(m.rating)} (95% CI ${fmt(m.ci_low)} to ${fmt(m.ci_high)})`));
    g.append(svgEl("text", { x: left - 10, y: y + 4, "text-anchor": "end" }, m.model));
    if (m.ci_low !== null && m.ci_high !== null) {
      g.append(svgEl("line", { class: "ci-line", x1: x(m.ci_low), x2: x(m.ci_high), y1: y, y2: y }));
    }
    if (m.rating !== null) {
      g.append(svgEl("circle", { class: "point", cx: x(m.rating), cy: y, r: 5 }));
      g.append(svgEl("text", { class: "axis-label", x: width - right + 8, y: y + 4 }, fmt(m.rating)));
    }
    svg.append(g);
  });
  return svg;
}

// --- heatmaps --------------------------------------------------------------------------

const PALETTES = {
  light: { low: [202, 62, 49], mid: [246, 246, 246], high: [37, 111, 186], zero: [238, 243, 250], max: [29, 78, 160] },
  dark: { low: [224, 96, 80], mid: [44, 49, 58], high: [96, 150, 235], zero: [34, 41, 53], max: [126, 162, 255] },
};

const mix = (a, b, t) => a.map((v, i) => Math.round(v + (b[i] - v) * t));
const rgb = (c) => `rgb(${c[0]}, ${c[1]}, ${c[2]})`;
const luminance = ([r, g, b]) => (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255;

/** Diverging colour for a win rate in [0, 1]: red below one half, blue above. */
export function winRateColor(v, dark) {
  const p = dark ? PALETTES.dark : PALETTES.light;
  return v < 0.5 ? mix(p.mid, p.low, (0.5 - v) * 2) : mix(p.mid, p.high, (v - 0.5) * 2);
}

/** Sequential colour for a count, relative to the largest count. */
export function countColor(n, max, dark) {
  const p = dark ? PALETTES.dark : PALETTES.light;
  return mix(p.zero, p.max, max > 0 ? Math.sqrt(n / max) : 0);
}

/**
 * A square heatmap of ``matrix`` (rows and columns are ``names``).
 * ``cell(value, i, j)`` → {color: [r,g,b] | null, text, title}.
 */
export function heatmap(names, matrix, { labelledBy, description, cell }) {
  const n = names.length;
  const size = Math.max(22, Math.min(52, Math.floor(480 / Math.max(n, 1))));
  const labelW = Math.min(200, Math.max(...names.map(textWidth))) + 8;
  const topH = Math.round(labelW * 0.72) + 8;
  const width = labelW + n * size + topH;
  const height = topH + n * size + 8;
  const svg = root(width, height, labelledBy, description);
  names.forEach((name, j) => {
    const cx = labelW + j * size + size / 2;
    svg.append(svgEl("text", {
      x: cx, y: topH - 6, transform: `rotate(-45 ${cx} ${topH - 6})`, class: "col-label",
    }, name));
  });
  names.forEach((name, i) => {
    const y = topH + i * size;
    svg.append(svgEl("text", { x: labelW - 6, y: y + size / 2 + 4, "text-anchor": "end" }, name));
    for (let j = 0; j < n; j++) {
      const value = matrix[i] ? matrix[i][j] : null;
      const c = cell(value, i, j);
      const g = svgEl("g");
      const attrs = { x: labelW + j * size + 1, y: y + 1, width: size - 2, height: size - 2, rx: 3 };
      if (c.color) attrs.fill = rgb(c.color);
      else attrs.class = i === j ? "cell-diag" : "cell-empty";
      g.append(svgEl("rect", attrs));
      if (c.text && size >= 26) {
        const dark = c.color ? luminance(c.color) > 0.55 : null;
        g.append(svgEl("text", {
          x: labelW + j * size + size / 2, y: y + size / 2 + 4, "text-anchor": "middle",
          class: dark === null ? "axis-label" : dark ? "cell-text-dark" : "cell-text-light",
          "font-size": size >= 40 ? 12 : 10,
        }, c.text));
      }
      if (c.title) g.append(svgEl("title", {}, c.title));
      svg.append(g);
    }
  });
  return svg;
}

// --- the board over time -------------------------------------------------------------------

/** How many models the history chart draws at most (more lines than this are unreadable). */
export const HISTORY_SERIES = 8;

const DAY_MS = 86_400_000;
const shortDate = (ms) => new Date(ms).toLocaleDateString("en", { month: "short", day: "numeric", timeZone: "UTC" });

/**
 * Each model's rating over time with its 95% band: ``series`` is the API's ``models``
 * ([{model, points: [{taken_at, rating, ci_low, ci_high, votes, rank}]}]), drawn in order
 * with the colour classes ``series-0`` … ``series-7``. A model missing from a snapshot
 * (not listed that day) breaks its line there; ``snapshots`` gives the order of snapshots.
 */
export function historyChart(series, snapshots, { labelledBy, width = 780 }) {
  const height = width < 560 ? 240 : 300;
  const left = 44;
  const right = 12;
  const top = 10;
  const bottom = 26;
  const shown = series.slice(0, HISTORY_SERIES);
  const index = new Map(snapshots.map((s, i) => [s.taken_at, i]));
  const times = snapshots.map((s) => Date.parse(s.taken_at));
  let t0 = Math.min(...times);
  let t1 = Math.max(...times);
  const oneDay = t1 - t0 < DAY_MS; // one snapshot, or a few in one day: a day's width
  if (oneDay) {
    const mid = (t0 + t1) / 2;
    t0 = mid - DAY_MS / 2;
    t1 = mid + DAY_MS / 2;
  }
  // Side by side when they share a moment: lone points' whiskers would hide each other.
  const dodge = (i) => (times.length === 1 ? (i - (Math.min(series.length, HISTORY_SERIES) - 1) / 2) * 14 : 0);
  const values = shown.flatMap((s) => s.points.flatMap((p) => [p.ci_low, p.ci_high, p.rating]))
    .filter((v) => v !== null && v !== undefined);
  let lo = Math.min(...values);
  let hi = Math.max(...values);
  const pad = (hi - lo) * 0.06 || 25;
  lo -= pad;
  hi += pad;
  const x = (ms) => left + ((ms - t0) / (t1 - t0)) * (width - left - right);
  const y = (v) => top + (1 - (v - lo) / (hi - lo)) * (height - top - bottom);
  const svg = root(width, height, labelledBy,
    "Each line is a model's rating at each snapshot of the board; the shaded band around it is its 95% confidence interval.");
  for (const t of niceTicks(lo, hi, width < 560 ? 4 : 6)) {
    svg.append(svgEl("line", { class: "grid", x1: left, x2: width - right, y1: y(t), y2: y(t) }));
    svg.append(svgEl("text", { class: "axis-label", x: left - 6, y: y(t) + 4, "text-anchor": "end" },
      String(Math.round(t))));
  }
  if (oneDay) {
    const mid = (t0 + t1) / 2;
    svg.append(svgEl("text", { class: "axis-label", x: x(mid), y: height - 8, "text-anchor": "middle" },
      shortDate(Math.min(...times))));
  } else {
    const ticks = Math.max(2, Math.min(width < 560 ? 3 : 6, Math.round((t1 - t0) / DAY_MS) + 1));
    for (let k = 0; k < ticks; k++) {
      const ms = t0 + ((t1 - t0) * k) / (ticks - 1);
      const anchor = k === 0 ? "start" : k === ticks - 1 ? "end" : "middle";
      svg.append(svgEl("text", { class: "axis-label", x: x(ms), y: height - 8, "text-anchor": anchor },
        shortDate(ms)));
    }
  }
  const dotR = (width - left - right) / Math.max(1, snapshots.length) < 14 ? 2.25 : 3.5; // dense: smaller
  shown.forEach((s, i) => {
    const g = svgEl("g", { class: `history-series series-${i}` });
    // Runs of consecutive snapshots in which the model was listed with a rating.
    const runs = [];
    let run = [];
    let last = -2;
    for (const p of s.points) {
      const at = index.get(p.taken_at) ?? -2;
      if (p.rating === null || p.rating === undefined || at !== last + 1) {
        if (run.length) runs.push(run);
        run = [];
      }
      if (p.rating !== null && p.rating !== undefined) run.push(p);
      last = at;
    }
    if (run.length) runs.push(run);
    const alone = new Set(runs.filter((r) => r.length === 1).map((r) => r[0]));
    for (const r of runs) {
      const banded = r.filter((p) => p.ci_low !== null && p.ci_high !== null);
      if (banded.length > 1) {
        const upper = banded.map((p) => `${x(Date.parse(p.taken_at))},${y(p.ci_high)}`);
        const lower = banded.map((p) => `${x(Date.parse(p.taken_at))},${y(p.ci_low)}`).reverse();
        g.append(svgEl("polygon", { class: "band", points: [...upper, ...lower].join(" ") }));
      }
      if (r.length > 1) {
        g.append(svgEl("polyline", {
          class: "line", points: r.map((p) => `${x(Date.parse(p.taken_at))},${y(p.rating)}`).join(" "),
        }));
      }
    }
    for (const p of s.points) {
      if (p.rating === null || p.rating === undefined) continue;
      const cx = x(Date.parse(p.taken_at)) + dodge(i);
      const dot = svgEl("g", { class: "history-point" });
      dot.append(svgEl("title", {}, `${s.model}, ${shortDate(Date.parse(p.taken_at))}: ${fmt(p.rating)} `
        + `(95% CI ${fmt(p.ci_low)} to ${fmt(p.ci_high)}), rank ${p.rank}, ${p.votes} votes`));
      if (alone.has(p) && p.ci_low !== null && p.ci_high !== null) { // no band: a whisker
        dot.append(svgEl("line", { class: "whisker", x1: cx, x2: cx, y1: y(p.ci_low), y2: y(p.ci_high) }));
      }
      dot.append(svgEl("circle", { class: "dot", cx, cy: y(p.rating), r: dotR }));
      g.append(dot);
    }
    svg.append(g);
  });
  return svg;
}
