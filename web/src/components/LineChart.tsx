import type { CurvePoint } from "../api/models";
import { linePath, linearScale, niceTicks, scoreDomain } from "../lib/chart";

interface Props {
  points: readonly CurvePoint[];
  width?: number;
  height?: number;
}

/** The model's CV score over the number of labels. */
export function LineChart({ points, width = 280, height = 150 }: Props) {
  if (points.length === 0) {
    return <p class="muted">No model trained yet: the chart starts with the first one.</p>;
  }
  const margin = { top: 8, right: 10, bottom: 24, left: 38 };
  const xs = points.map((p) => p.nLabels);
  const ys = points.map((p) => p.cvScore);
  const xMin = Math.min(...xs);
  const xMax = Math.max(...xs);
  const [y0, y1] = scoreDomain(ys);
  const x = linearScale([xMin, xMax], [margin.left, width - margin.right]);
  const y = linearScale([y0, y1], [height - margin.bottom, margin.top]);
  const path = linePath(points.map((p) => ({ x: x(p.nLabels), y: y(p.cvScore) })));
  const last = points[points.length - 1];
  return (
    <svg
      class="chart"
      viewBox={`0 0 ${width} ${height}`}
      role="img"
      aria-label={`CV score ${last.cvScore.toFixed(3)} at ${last.nLabels} labels`}
    >
      {niceTicks(y0, y1, 4).map((t) => (
        <g key={`y${t}`}>
          <line x1={margin.left} x2={width - margin.right} y1={y(t)} y2={y(t)} class="grid" />
          <text x={margin.left - 4} y={y(t) + 3} text-anchor="end">
            {t.toFixed(2)}
          </text>
        </g>
      ))}
      {niceTicks(xMin, xMax, 4).map((t) => (
        <text key={`x${t}`} x={x(t)} y={height - 8} text-anchor="middle">
          {t}
        </text>
      ))}
      <path d={path} class="line" />
      {points.map((p) => (
        <circle key={p.nLabels} cx={x(p.nLabels)} cy={y(p.cvScore)} r={2.5} class="dot">
          <title>{`${p.nLabels} labels: ${p.cvScore.toFixed(3)}`}</title>
        </circle>
      ))}
    </svg>
  );
}
