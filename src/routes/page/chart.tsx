/** @jsxImportSource hono/jsx */
import type { ChartDay } from './page.data.ts';

const W = 640;
const H = 220;
const PAD = { left: 44, right: 44, top: 16, bottom: 32 };

/** Transfer volume (bars, left axis; the failed share, failed connections included, in red at the bottom) and success rate (line, right axis, 0-100 %) for the last days, inline SVG. */
export function WeekChart(props: { days: ChartDay[] }) {
  const days = props.days;
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const max = Math.max(1, ...days.map((d) => d.transfers));
  const step = days.length > 0 ? plotW / days.length : plotW;
  const barW = Math.max(4, step * 0.6);
  const x = (i: number) => PAD.left + step * i + step / 2;
  const yVol = (v: number) => PAD.top + plotH - (v / max) * plotH;
  const yRate = (r: number) => PAD.top + plotH - r * plotH;
  const points = days.flatMap((d, i) =>
    d.successRate === null ? [] : [`${x(i).toFixed(1)},${yRate(d.successRate).toFixed(1)}`],
  );
  const label = days
    .map(
      (d) =>
        `${d.date}: ${d.transfers} transfers, ${d.failed} failed, ${d.successRate === null ? 'no' : Math.round(d.successRate * 100) + '%'} success`,
    )
    .join('; ');
  return (
    <svg
      class="chart"
      viewBox={`0 0 ${W} ${H}`}
      width="100%"
      role="img"
      aria-label={`Transfers over 7 days. ${label}`}
      xmlns="http://www.w3.org/2000/svg"
    >
      <line x1={PAD.left} y1={PAD.top + plotH} x2={W - PAD.right} y2={PAD.top + plotH} stroke="#888" />
      <text x={4} y={PAD.top + 10} font-size="11" fill="#555">
        {max}
      </text>
      <text x={4} y={PAD.top + plotH} font-size="11" fill="#555">
        0
      </text>
      <text x={W - PAD.right + 4} y={PAD.top + 10} font-size="11" fill="#2e7d32">
        100%
      </text>
      <text x={W - PAD.right + 4} y={PAD.top + plotH} font-size="11" fill="#2e7d32">
        0%
      </text>
      {days.map((d, i) => (
        <g>
          <rect
            class="bar"
            x={(x(i) - barW / 2).toFixed(1)}
            y={yVol(d.transfers).toFixed(1)}
            width={barW.toFixed(1)}
            height={(PAD.top + plotH - yVol(d.transfers)).toFixed(1)}
            fill="#90caf9"
          >
            <title>{`${d.date}: ${d.transfers} transfers`}</title>
          </rect>
          {d.failed > 0 ? (
            <rect
              class="bar-failed"
              x={(x(i) - barW / 2).toFixed(1)}
              y={yVol(d.failed).toFixed(1)}
              width={barW.toFixed(1)}
              height={(PAD.top + plotH - yVol(d.failed)).toFixed(1)}
              fill="#e57373"
            >
              <title>{`${d.date}: ${d.failed} failed`}</title>
            </rect>
          ) : null}
          <text x={x(i).toFixed(1)} y={H - 10} font-size="11" text-anchor="middle" fill="#333">
            {d.date.slice(5)}
          </text>
        </g>
      ))}
      {points.length > 1 ? <polyline points={points.join(' ')} fill="none" stroke="#2e7d32" stroke-width="2" /> : null}
      {days.map((d, i) =>
        d.successRate === null ? null : (
          <circle cx={x(i).toFixed(1)} cy={yRate(d.successRate).toFixed(1)} r="3" fill="#2e7d32">
            <title>{`${d.date}: ${(d.successRate * 100).toFixed(1)}% success`}</title>
          </circle>
        ),
      )}
    </svg>
  );
}
