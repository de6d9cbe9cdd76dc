import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface Series {
  label: string;
  /** One value per time, null where there is none. */
  values: (number | null)[];
}

/** Colour-blind-safe and at least 3:1 against white (Okabe–Ito, darkened where needed). */
const palette = ['#0072b2', '#d55e00', '#009e73', '#cc79a7', '#8a6d00', '#56b4e9', '#000000'];

/**
 * A time-series line chart with uPlot (canvas, ~50 KB), with the same numbers as a table beside it for screen
 * readers and keyboard users: the canvas is decoration, the table is the content.
 */
export function TimeChart(props: {
  title: string;
  times: number[];
  series: Series[];
  unit: string;
  width?: number;
}) {
  const host = useRef<HTMLDivElement>(null);
  // Redrawn when the numbers change, not on every render of the page around it.
  const data = JSON.stringify([props.times, props.series, props.unit, props.width]);
  useEffect(() => {
    if (!host.current) return;
    const plot = new uPlot(
      {
        width: props.width ?? Math.min(host.current.clientWidth || 600, 900),
        height: 240,
        scales: { x: { time: true }, y: { range: [0, 100] } },
        axes: [{}, { label: props.unit }],
        series: [
          {},
          ...props.series.map((series, index) => ({
            label: series.label,
            stroke: palette[index % palette.length] as string,
            width: 2,
            points: { show: true },
          })),
        ],
      },
      [props.times.map((t) => t / 1000), ...props.series.map((series) => series.values)] as uPlot.AlignedData,
      host.current,
    );
    return () => plot.destroy();
  }, [data]);
  return (
    <figure class="chart">
      <figcaption>{props.title}</figcaption>
      <div ref={host} aria-hidden="true" />
      <details>
        <summary>The numbers as a table</summary>
        <table>
          <thead>
            <tr>
              <th scope="col">Time</th>
              {props.series.map((series) => (
                <th scope="col" key={series.label}>
                  {series.label}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {props.times.map((t, row) => (
              <tr key={t}>
                <th scope="row">{new Date(t).toLocaleString()}</th>
                {props.series.map((series) => (
                  <td key={series.label}>{series.values[row] ?? '—'}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}

/** Counts as horizontal bars (HTML, so every number is text): ring distribution, devices by step. */
export function Bars(props: { title: string; items: { label: string; count: number }[] }) {
  const max = Math.max(1, ...props.items.map((item) => item.count));
  return (
    <figure class="bars">
      <figcaption>{props.title}</figcaption>
      {props.items.length === 0 && <p>None.</p>}
      <dl>
        {props.items.map((item) => (
          <div key={item.label} class="bar-row">
            <dt>{item.label}</dt>
            <dd>
              <span class="bar" style={{ width: `${(item.count / max) * 100}%` }} />
              <span class="bar-value">{item.count}</span>
            </dd>
          </div>
        ))}
      </dl>
    </figure>
  );
}
