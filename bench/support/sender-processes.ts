/**
 * What the process benchmarks share: reading a process's CPU from /proc, waiting on its output, and driving the
 * sender processes (serve-sender.ts) that post the same stamped OTLP/protobuf bodies to whatever receives them.
 */
import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { SPANS_PER_REQUEST, stampedBody } from './stamped-bodies.ts';
import type { StampableBody } from './stamped-bodies.ts';

const senderPath = path.join(path.dirname(fileURLToPath(import.meta.url)), 'serve-sender.ts');

/** Clock ticks per second of /proc/PID/stat's times. */
export function clockTicksPerSecond(): number {
  return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
}

/** CPU seconds (user + system, all threads) a process has used so far, from /proc/PID/stat (clock ticks). */
export function processCpuSeconds(pid: number, ticksPerSecond: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces, so it ends at the last ')'): state is field 3,
  // utime field 14, stime field 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
}

/** The first stdout line of `child` that matches `pattern`, or a rejection when it exits first. */
export function lineOf(child: ChildProcess, pattern: RegExp, stream: 'stdout' | 'stderr' = 'stdout'): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child[stream] as NodeJS.ReadableStream });
    lines.on('line', (line) => {
      const match = pattern.exec(line);
      if (match !== null) {
        lines.close();
        resolve(match);
      }
    });
    child.once('exit', (code) => reject(new Error(`process exited (${code}) before printing ${pattern}`)));
  });
}

/** Resolves with the exit code once `child` has exited. */
export function exited(child: ChildProcess): Promise<number | null> {
  return child.exitCode !== null ? Promise.resolve(child.exitCode) : new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

/** One export of a stamped body, with the run id header; throws unless answered 200. */
export async function postBody(url: string, body: Uint8Array, runId: string): Promise<void> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-protobuf', 'x-test-run-id': runId }, body });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`export answered ${response.status}: ${text.slice(0, 200)}`);
}

/** How {@link sendAll} sends. */
export interface SendPlan {
  readonly bases: readonly StampableBody[];
  /** The bases as `serializeStampableBodies` wrote them, for the sender processes. */
  readonly basesFile: string;
  /** OTLP/HTTP traces URL (`.../v1/traces`). */
  readonly url: string;
  readonly runId: string;
  /** Bodies posted from this process first, untimed (the receivers get optimised). */
  readonly warmUpRequests: number;
  /** Every body, warm-up included. */
  readonly requests: number;
  readonly senders: number;
  readonly inFlightPerSender: number;
}

/**
 * Posts bodies 0..warmUpRequests-1 from this process, then the rest from `senders` child processes started at once,
 * and measures the CPU of `measuredPids` (the receiving processes) from the go to the last answer.
 */
export async function sendAll(plan: SendPlan, measuredPids: readonly number[], ticksPerSecond: number): Promise<{ readonly cpuSeconds: readonly number[]; readonly wallSeconds: number; readonly timedSpans: number }> {
  for (let i = 0; i < plan.warmUpRequests; i++) await postBody(plan.url, stampedBody(plan.bases, i), plan.runId);
  const timedRequests = plan.requests - plan.warmUpRequests;
  const senders: ChildProcess[] = [];
  try {
    for (let s = 0; s < plan.senders; s++) {
      const count = Math.floor(timedRequests / plan.senders) + (s < timedRequests % plan.senders ? 1 : 0);
      const args = [senderPath, plan.basesFile, plan.url, plan.runId, String(plan.warmUpRequests + s), String(count), String(plan.senders), String(plan.inFlightPerSender)];
      senders.push(spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'inherit'] }));
    }
    await Promise.all(senders.map((sender) => lineOf(sender, /^ready$/)));
    const cpuStart = measuredPids.map((pid) => processCpuSeconds(pid, ticksPerSecond));
    const wallStart = performance.now();
    for (const sender of senders) sender.stdin?.end('go\n');
    const codes = await Promise.all(senders.map(exited));
    const wallSeconds = (performance.now() - wallStart) / 1000;
    const cpuSeconds = measuredPids.map((pid, i) => processCpuSeconds(pid, ticksPerSecond) - (cpuStart[i] as number));
    if (codes.some((code) => code !== 0)) throw new Error(`a sender failed (exit codes ${codes.join(', ')})`);
    return { cpuSeconds, wallSeconds, timedSpans: timedRequests * SPANS_PER_REQUEST };
  } finally {
    for (const sender of senders) if (sender.exitCode === null) sender.kill();
  }
}
