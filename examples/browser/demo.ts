/**
 * The live demo page: the streaming anomaly detector and PageRank as ring kernels, on the CPU
 * (event loop), in Web Workers, or on the visitor's GPU through WebGPU; the switch relaunches the
 * same kernels elsewhere. Served by `npm run example:browser`.
 */
import {
  PageRankEdgeUpdate,
  PageRankGraph,
  PageRankQuery,
  RingKernelRuntime,
  anomalyDetector,
  anomalyMessages,
  browserEnvironment,
  pageRankKernel,
  randomGraph,
  syntheticSignal,
  webWorkerKernel,
  type AnomalyReport,
  type PageRankRanks,
} from '../../src/browser/index.js';
import { BATCH_SIZE, messages } from './worker-kernels.js';

type Mode = 'cpu' | 'worker' | 'webgpu';

const { Batch } = anomalyMessages(BATCH_SIZE);
const signal = syntheticSignal({ points: 250_000, seed: 7 });
const NODES = 5000;
const graph = randomGraph({ nodes: NODES, edges: 40_000, seed: 5 });
/** Points the chart shows. */
const VISIBLE = 3000;

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const buttons = Array.from(document.querySelectorAll<HTMLButtonElement>('.switch button'));

function show(id: string, value: number, text = Math.round(value).toLocaleString('en-US')): void {
  const element = $(id);
  element.dataset.value = String(value);
  element.textContent = text;
}

/** One run of the kernels in one mode; `stop()` ends it. */
class Session {
  readonly runtime = new RingKernelRuntime();
  readonly mode: Mode;
  #running = true;
  #position = 0;
  #points = 0;
  #anomalies = 0;
  #solves = 0;
  #edges = graph.sources.length;
  readonly #values = new Float32Array(VISIBLE);
  readonly #flags = new Uint8Array(VISIBLE);
  #recent: { time: number; points: number }[] = [];
  #rtt = 0;

  constructor(mode: Mode) {
    this.mode = mode;
  }

  async #launch(): Promise<void> {
    if (this.mode === 'worker') {
      const module = new URL('./worker-kernels.js', import.meta.url);
      const shared = {
        messages,
        workerEntry: new URL('./lib/ringkernel-worker.js', import.meta.url),
        ringBytes: 1 << 21,
      };
      await this.runtime.launch('anomaly', webWorkerKernel(module, shared));
      await this.runtime.launch('pagerank', webWorkerKernel(module, { ...shared, export: 'pagerank' }));
    } else {
      await this.runtime.launch('anomaly', anomalyDetector({ batchSize: BATCH_SIZE, backend: this.mode }));
      await this.runtime.launch('pagerank', pageRankKernel({ backend: this.mode }));
    }
  }

  async start(): Promise<void> {
    await this.#launch();
    await this.runtime.activate('anomaly');
    await this.runtime.activate('pagerank');
    await this.runtime.request(
      'pagerank',
      PageRankGraph.create({
        nodeCount: NODES,
        sources: Array.from(graph.sources),
        targets: Array.from(graph.targets),
      }),
      { timeout: 60_000 },
    );
    void this.#streamAnomalies();
    void this.#rankLoop();
  }

  async #streamAnomalies(): Promise<void> {
    let lastYield = performance.now();
    while (this.#running) {
      // Replies can arrive back to back: leave the page room to paint and take clicks.
      if (performance.now() - lastYield > 12) {
        await new Promise((resolve) => setTimeout(resolve, 0));
        lastYield = performance.now();
      }
      if (this.#position + BATCH_SIZE > signal.values.length) this.#position = 0;
      const values = signal.values.subarray(this.#position, this.#position + BATCH_SIZE);
      const started = performance.now();
      let report: AnomalyReport;
      try {
        report = await this.runtime.request<AnomalyReport>(
          'anomaly',
          Batch.create({ values, count: BATCH_SIZE }),
          {
            timeout: 60_000,
          },
        );
      } catch (error) {
        if (this.#running) fail(error);
        return;
      }
      this.#rtt = performance.now() - started;
      // Scroll the chart: drop the oldest batch, append this one with its flags.
      this.#values.copyWithin(0, BATCH_SIZE);
      this.#flags.copyWithin(0, BATCH_SIZE);
      this.#values.set(values, VISIBLE - BATCH_SIZE);
      for (let i = 0; i < BATCH_SIZE; i++)
        this.#flags[VISIBLE - BATCH_SIZE + i] = (report.flags[i >>> 5]! >>> (i & 31)) & 1;
      this.#position += BATCH_SIZE;
      this.#points += BATCH_SIZE;
      this.#anomalies += report.anomalies;
      this.#recent.push({ time: performance.now(), points: this.#points });
    }
  }

  async #rankLoop(): Promise<void> {
    let seed = 1;
    while (this.#running) {
      try {
        // A few new links towards a moving target keep the ranking alive.
        const target = (seed * 7919) % NODES;
        const sources = Array.from({ length: 40 }, (_, i) => (seed * 31 + i * 97) % NODES).filter(
          (s) => s !== target,
        );
        seed++;
        await this.runtime.request(
          'pagerank',
          PageRankEdgeUpdate.create({ addSources: sources, addTargets: sources.map(() => target) }),
          { timeout: 60_000 },
        );
        this.#edges += sources.length;
        const top = await this.runtime.request<PageRankRanks>('pagerank', PageRankQuery.create({ top: 10 }), {
          timeout: 60_000,
        });
        this.#solves++;
        $('ranks').innerHTML = Array.from(top.nodes)
          .map(
            (node, i) =>
              `<li>node ${node} <span style="color:var(--muted)">${top.ranks[i]!.toFixed(5)}</span></li>`,
          )
          .join('');
      } catch (error) {
        if (this.#running) fail(error);
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 400));
    }
  }

  /** Redraws the figures (called every animation frame). */
  render(): void {
    const now = performance.now();
    while (this.#recent.length > 1 && now - this.#recent[0]!.time > 2000) this.#recent.shift();
    const first = this.#recent[0];
    const last = this.#recent[this.#recent.length - 1];
    const rate =
      first !== undefined && last !== undefined && last.time > first.time
        ? ((last.points - first.points) / (last.time - first.time)) * 1000
        : 0;
    show('throughput', rate);
    show('points', this.#points);
    show('anomalies', this.#anomalies);
    show('solves', this.#solves);
    $('edges').textContent = this.#edges.toLocaleString('en-US');
    $('rtt').textContent = this.#rtt === 0 ? '–' : this.#rtt.toFixed(2);
    drawChart(this.#values, this.#flags);
  }

  /** Refreshes the telemetry table. */
  telemetry(): void {
    const rows = this.runtime.kernelIds.map((id) => {
      const t = this.runtime.getTelemetry(id);
      const where = this.mode === 'worker' ? 'Web Worker (CPU)' : (t.device?.backend ?? this.mode);
      const cells = [
        id,
        t.state,
        where,
        t.messagesProcessed.toLocaleString('en-US'),
        t.throughputPerSecond.toFixed(1),
        (t.latency.p50 / 1000).toFixed(0),
        (t.latency.p99 / 1000).toFixed(0),
        String(t.device?.batches ?? '–'),
        t.transport === undefined
          ? 'in page'
          : t.transport.kind === 'sharedMemory'
            ? 'SharedArrayBuffer rings'
            : 'postMessage (not isolated)',
      ];
      return `<tr data-kernel="${id}">${cells.map((cell, i) => (i === 0 ? `<td>${cell}</td>` : `<td>${cell}</td>`)).join('')}</tr>`;
    });
    $('telemetry').innerHTML = rows.join('');
  }

  async stop(): Promise<void> {
    this.#running = false;
    await this.runtime.terminateAll({ timeout: 2000 });
  }
}

function drawChart(values: Float32Array, flags: Uint8Array): void {
  const canvas = $<HTMLCanvasElement>('chart');
  const context = canvas.getContext('2d')!;
  const { width, height } = canvas;
  context.clearRect(0, 0, width, height);
  let low = Infinity;
  let high = -Infinity;
  for (const value of values) {
    if (value < low) low = value;
    if (value > high) high = value;
  }
  if (!(high > low)) return;
  const y = (value: number) => height - 8 - ((value - low) / (high - low)) * (height - 16);
  const x = (index: number) => (index / (values.length - 1)) * width;
  context.strokeStyle = '#4fb3ff';
  context.lineWidth = 1;
  context.beginPath();
  for (let i = 0; i < values.length; i++) {
    if (i === 0) context.moveTo(x(i), y(values[i]!));
    else context.lineTo(x(i), y(values[i]!));
  }
  context.stroke();
  context.fillStyle = '#ff5c5c';
  for (let i = 0; i < values.length; i++) {
    if (flags[i] === 1) {
      context.beginPath();
      context.arc(x(i), y(values[i]!), 4, 0, 2 * Math.PI);
      context.fill();
    }
  }
}

function fail(error: unknown): void {
  const status = $('status');
  status.className = 'error';
  status.textContent = `error: ${error instanceof Error ? error.message : String(error)}`;
}

let session: Session | undefined;

async function switchTo(mode: Mode): Promise<void> {
  for (const button of buttons) button.setAttribute('aria-pressed', String(button.dataset.mode === mode));
  $('status').className = '';
  $('status').textContent = `starting on ${mode}…`;
  await session?.stop();
  session = new Session(mode);
  try {
    await session.start();
    $('status').textContent =
      `running on ${mode === 'worker' ? 'Web Workers' : mode === 'webgpu' ? 'WebGPU' : 'the CPU (event loop)'}`;
    document.body.dataset.mode = mode;
  } catch (error) {
    fail(error);
  }
}

async function main(): Promise<void> {
  const env = await browserEnvironment();
  const gpu = env.accelerators.find((device) => device.backend === 'webgpu');
  $('env').textContent = [
    gpu?.available === true
      ? `GPU: ${gpu.name}${gpu.software === true ? ' (software)' : ''}`
      : `no WebGPU: ${gpu?.reason ?? 'unknown'}`,
    env.crossOriginIsolated ? 'cross-origin isolated' : `not isolated: Web Workers use postMessage`,
  ].join(' · ');
  for (const button of buttons) {
    const mode = button.dataset.mode as Mode;
    if (mode === 'webgpu' && gpu?.available !== true) button.disabled = true;
    button.addEventListener('click', () => void switchTo(mode));
  }
  const asked = new URLSearchParams(location.search).get('backend') as Mode | null;
  await switchTo(asked ?? (gpu?.available === true ? 'webgpu' : 'cpu'));
  const frame = () => {
    session?.render();
    requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
  setInterval(() => session?.telemetry(), 500);
}

void main();
