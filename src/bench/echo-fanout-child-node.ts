import {
  exposedGc,
  measureFanout,
  measureRequestThroughput,
  withOneActor,
  type EchoAdapter,
  type FanoutChildRequest,
  type RequestsChildRequest,
} from './echo-method.js';

/*
 * Child-process entry of `measureFanoutInChild` and `measureRequestsInChild` (src/bench/echo-method.ts): started as
 * `node --expose-gc [--import tsx] echo-fanout-child-node.(ts|js) '<FanoutChildRequest JSON>'`
 * with an IPC channel. Imports the adapter, runs one warm-up cycle and one measured cycle of the
 * many-actors measurement, posts `{ figures }` or `{ error }` back and exits (some libraries leave
 * timers or handles behind).
 */

async function main(): Promise<void> {
  const request = JSON.parse(process.argv[2] ?? '') as FanoutChildRequest | RequestsChildRequest;
  const imported = (await import(request.adapter.module)) as Record<string, unknown>;
  const adapter = imported[request.adapter.exportName] as EchoAdapter | undefined;
  if (adapter === undefined || typeof adapter.open !== 'function') {
    throw new Error(
      `${request.adapter.module} exports no echo adapter named '${request.adapter.exportName}'`,
    );
  }
  if (request.mode === 'requests') {
    const rates: number[] = [];
    await withOneActor(adapter, request.requests, async (actor, target) => {
      for (let run = 0; run < request.warmupRuns + request.runs; run++) {
        const { msgsPerSecond } = await measureRequestThroughput(
          adapter.name,
          actor,
          target,
          request.requests,
        );
        if (run >= request.warmupRuns) rates.push(msgsPerSecond);
      }
    });
    rates.sort((a, b) => a - b);
    return sendAndExit({ figures: { msgsPerSecond: rates[Math.floor(rates.length / 2)] } });
  }
  const collect = exposedGc();
  const gcTwice = (): void => {
    collect();
    collect();
  };
  if (request.warmupActors > 0) {
    await measureFanout(adapter, { ...request.size, actors: request.warmupActors }, gcTwice);
  }
  return sendAndExit({ figures: await measureFanout(adapter, request.size, gcTwice) });
}

function sendAndExit(report: object): void {
  if (process.send === undefined) {
    process.stdout.write(`${JSON.stringify(report)}\n`);
    process.exit(0);
  }
  process.send(report, () => process.exit(0));
}

main().catch((error: unknown) =>
  sendAndExit({ error: error instanceof Error ? (error.stack ?? error.message) : String(error) }),
);
