// The durable save file behind `tracecheck serve --save`: one OTLP/JSON line per export, appended in order, and an
// export is acknowledged only once its line is written (and, with `fsync`, on disk). Measured before this file
// (issue 12): a write stream answered 200 before writing, so `kill -9` after 60 acknowledged exports left 1,000 of
// 60,000 spans; `/dev/full` still answered 200; a stalled file buffered 264 MB.
import { readdirSync } from 'node:fs';
import { open, rename } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import type { Span } from '../model/index.ts';
import { encodeSpansAsOtlpJson } from '../otlp/index.ts';
import { err, ok, type Result } from '../result.ts';
import type { IngestContext } from '../store/index.ts';

/** Options of {@link openSaveFile}. */
export interface SaveFileOptions {
  /** The file appended to. Created when missing; an existing file is appended to, never truncated. */
  readonly path: string;
  /**
   * Flush each batch of lines to the disk (`fdatasync`) before acknowledging it: a power failure then loses no
   * acknowledged export. Without it, an acknowledged line is in the operating system's cache: it survives the
   * process being killed (`kill -9`, a crash) but not the machine losing power. Default false.
   */
  readonly fsync?: boolean;
  /**
   * Rotate before the file would grow past this many bytes: `FILE` is renamed `FILE.1` (then `FILE.2`, ...: the
   * number only grows, so the highest is the newest rotated file) and a fresh `FILE` is started. A single line
   * larger than this gets a file of its own. Default: never rotate.
   */
  readonly maxFileBytes?: number;
  /**
   * Bytes of lines waiting to be written (and being written) beyond which further exports are refused (the
   * receiver answers 503 / UNAVAILABLE, so the exporter retries): a stalled disk cannot make the process buffer
   * without end. One line is always taken when nothing waits, however large. Default 16 MiB.
   */
  readonly maxPendingBytes?: number;
}

/** Default {@link SaveFileOptions.maxPendingBytes}: 16 MiB. */
export const DEFAULT_MAX_PENDING_SAVE_BYTES = 16 * 1024 * 1024;
/** The `Retry-After` for an export refused because lines are waiting to be written: they should drain soon. */
export const SAVE_BUSY_RETRY_SECONDS = 1;
/** The `Retry-After` for an export whose write failed (a full disk, an I/O error): a person may need to act. */
export const SAVE_FAILED_RETRY_SECONDS = 5;

/** Why a line was not saved: `busy` (too much waiting to be written) or `failed` (the write itself failed). */
export interface SaveRefusal {
  readonly kind: 'busy' | 'failed';
  readonly message: string;
  readonly retryAfterSeconds: number;
}

/** Counts of a save file's life, for the stop summary. */
export interface SaveFileStats {
  readonly savedLines: number;
  readonly savedBytes: number;
  /** Lines whose write failed (each answered 503). */
  readonly failedLines: number;
  /** Lines refused because {@link SaveFileOptions.maxPendingBytes} were waiting. */
  readonly busyLines: number;
  readonly rotations: number;
  /** Bytes of lines taken and not yet written (and synced): the disk's backlog. */
  readonly pendingBytes: number;
  /** The last write error, if any. */
  readonly lastError: string | undefined;
}

/** An open save file. */
export interface SaveFile {
  readonly path: string;
  /**
   * Appends one line (a newline is added). Resolves once it is written (and synced, with `fsync`), or with why
   * not: then nothing of it is in the file. Lines of concurrent calls are written together (one write, one sync).
   */
  append(line: string): Promise<Result<void, SaveRefusal>>;
  stats(): SaveFileStats;
  /** Waits for the lines already taken to be written, then closes the file. */
  close(): Promise<void>;
}

interface PendingLine {
  readonly bytes: Buffer;
  readonly settle: (result: Result<void, SaveRefusal>) => void;
}

/**
 * The line `tracecheck serve --save` writes for one export: an OTLP/JSON `ExportTraceServiceRequest`, preceded by
 * `runId` when the request carried one (`x-test-run-id` header or gRPC metadata), so `tracecheck check --run`
 * finds the run offline. OTLP/JSON readers ignore the unknown field.
 *
 * @example
 * ```ts
 * saveLineOf(spans, { transport: 'http', runId: 'demo-1' }); // '{"runId":"demo-1","resourceSpans":[...]}'
 * ```
 */
export function saveLineOf(spans: readonly Span[], context: IngestContext): string {
  const request = encodeSpansAsOtlpJson(spans);
  return JSON.stringify(context.runId === undefined ? request : { runId: context.runId, ...request });
}

/**
 * The next rotation number for `path`: one more than the highest `path.N` beside it, so rotated files are never
 * renamed again and a restarted sidecar continues the sequence.
 */
function nextRotationNumber(path: string): number {
  const prefix = `${basename(path)}.`;
  let highest = 0;
  for (const name of readdirSync(dirname(path))) {
    if (!name.startsWith(prefix)) continue;
    const suffix = name.slice(prefix.length);
    if (/^\d+$/.test(suffix)) highest = Math.max(highest, Number(suffix));
  }
  return highest + 1;
}

function messageOf(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}

/**
 * Opens `options.path` for appending (a bad path is an error now, before anything listens) and returns a
 * {@link SaveFile} that group-commits: lines appended while a write is in flight are written next, in one
 * `writev` (and one `fdatasync` with `fsync`), and each caller hears back once its own line is down. A failed
 * write is undone (the file is truncated back to its size before it), so a half-written batch never leaves a
 * torn line in the middle of the file; the next write tries again.
 *
 * @example
 * ```ts
 * const opened = await openSaveFile({ path: 'traces.jsonl', fsync: true, maxFileBytes: 100 * 1024 * 1024 });
 * if (!opened.ok) throw new Error(opened.error);
 * const saved = await opened.value.append(saveLineOf(spans, { transport: 'http', runId: 'demo-1' }));
 * if (!saved.ok) console.warn(saved.error.message); // answer 503: nothing was kept
 * await opened.value.close();
 * ```
 */
export async function openSaveFile(options: SaveFileOptions): Promise<Result<SaveFile, string>> {
  const { path } = options;
  const maxPendingBytes = options.maxPendingBytes ?? DEFAULT_MAX_PENDING_SAVE_BYTES;
  const maxFileBytes = options.maxFileBytes ?? Number.POSITIVE_INFINITY;
  let handle: FileHandle;
  let sizeBytes: number;
  try {
    handle = await open(path, 'a');
    sizeBytes = (await handle.stat()).size;
  } catch (cause) {
    return err(`${JSON.stringify(path)}: cannot open for appending: ${messageOf(cause)}`);
  }

  const queue: PendingLine[] = [];
  let pendingBytes = 0;
  let writing: Promise<void> | undefined;
  let closed = false;
  const counts = { savedLines: 0, savedBytes: 0, failedLines: 0, busyLines: 0, rotations: 0, lastError: undefined as string | undefined };

  const rotate = async (): Promise<void> => {
    await handle.close();
    try {
      await rename(path, `${path}.${nextRotationNumber(path)}`);
      counts.rotations++;
    } finally {
      // Reopened even when the rename failed, so the next batch has a file to write to.
      handle = await open(path, 'a');
      sizeBytes = (await handle.stat()).size;
    }
    if (options.fsync === true) await syncDirectory(dirname(path));
  };

  const writeBatch = async (batch: readonly PendingLine[]): Promise<void> => {
    const buffers = batch.map((line) => line.bytes);
    const batchBytes = buffers.reduce((n, b) => n + b.byteLength, 0);
    let sizeBefore = sizeBytes;
    try {
      if (sizeBytes > 0 && sizeBytes + batchBytes > maxFileBytes) await rotate();
      sizeBefore = sizeBytes;
      let written = 0;
      // writev may write less than asked (a signal, a nearly full disk): continue from where it stopped.
      while (written < batchBytes) {
        const rest = written === 0 ? buffers : remainingBuffers(buffers, written);
        const { bytesWritten } = await handle.writev(rest);
        if (bytesWritten === 0) throw new Error('the file took no more bytes');
        written += bytesWritten;
        sizeBytes = sizeBefore + written;
      }
      if (options.fsync === true) await handle.datasync();
      counts.savedLines += batch.length;
      counts.savedBytes += batchBytes;
      for (const line of batch) line.settle(ok(undefined));
    } catch (cause) {
      const message = messageOf(cause);
      counts.failedLines += batch.length;
      counts.lastError = message;
      // Undo a partial write, so the next line does not follow half a line. (Devices such as /dev/full cannot be
      // truncated; nothing was written to them.)
      if (sizeBytes !== sizeBefore) {
        await handle.truncate(sizeBefore).catch(() => {});
        sizeBytes = sizeBefore;
      }
      const refusal: SaveRefusal = { kind: 'failed', message: `writing ${path} failed: ${message}`, retryAfterSeconds: SAVE_FAILED_RETRY_SECONDS };
      for (const line of batch) line.settle(err(refusal));
    } finally {
      pendingBytes -= batchBytes;
    }
  };

  const drain = async (): Promise<void> => {
    while (queue.length > 0) await writeBatch(queue.splice(0));
    writing = undefined;
  };

  return ok({
    path,
    append(line) {
      if (closed) return Promise.resolve(err({ kind: 'failed', message: `${path} is closed`, retryAfterSeconds: SAVE_FAILED_RETRY_SECONDS }));
      const bytes = Buffer.from(`${line}\n`, 'utf8');
      if (pendingBytes > 0 && pendingBytes + bytes.byteLength > maxPendingBytes) {
        counts.busyLines++;
        return Promise.resolve(
          err({
            kind: 'busy',
            message: `${pendingBytes} bytes are waiting to be written to ${path} (limit ${maxPendingBytes}): the disk is slow or stalled; retry`,
            retryAfterSeconds: SAVE_BUSY_RETRY_SECONDS,
          }),
        );
      }
      pendingBytes += bytes.byteLength;
      return new Promise((settle) => {
        queue.push({ bytes, settle });
        writing ??= drain();
      });
    },
    stats: () => ({ ...counts, pendingBytes }),
    async close() {
      closed = true;
      await writing;
      await handle.close();
    },
  });
}

/** The buffers left after the first `skipBytes` bytes of `buffers` were written. */
function remainingBuffers(buffers: readonly Buffer[], skipBytes: number): Buffer[] {
  const rest: Buffer[] = [];
  let skip = skipBytes;
  for (const buffer of buffers) {
    if (skip >= buffer.byteLength) {
      skip -= buffer.byteLength;
      continue;
    }
    rest.push(skip === 0 ? buffer : buffer.subarray(skip));
    skip = 0;
  }
  return rest;
}

/** fsync of a directory, so a rename in it survives a power failure (POSIX leaves that to the directory). */
async function syncDirectory(directory: string): Promise<void> {
  const dir = await open(directory, 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}
