import { readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import type { Span, Trace } from '../model/index.ts';
import { decodeExportRequestJson, decodeExportRequestProtobuf, type DecodeResult } from '../otlp/index.ts';
import { err, ok, type Result } from '../result.ts';
import { SpanStore } from '../store/index.ts';
import type { RunSource, SettleOutcome } from '../store/index.ts';

/** What saved OTLP files held, sorted into runs by the store. */
export interface SavedSpans {
  /** Spans rejected by the decoders (partial success), as `file:line: N spans rejected: why` lines. */
  readonly warnings: readonly string[];
  readonly spanCount: number;
  readonly store: SpanStore;
}

/** Untagged spans from files are gathered under this run id. */
export const SAVED_RUN_ID = 'saved';

/** One export read from a file: its spans, and the run id its request carried (`runId` of a saved line). */
interface SavedExport {
  readonly spans: readonly Span[];
  readonly runId: string | undefined;
}

/**
 * The `runId` that `tracecheck serve --save` writes first on a line (`{"runId":"demo-1","resourceSpans":...}`),
 * read without parsing the line twice. Lines written before run ids were saved have none.
 */
const SAVED_RUN_ID_PREFIX = /^\{"runId":("(?:[^"\\]|\\.)*"),/;

function runIdOfSavedLine(line: string): string | undefined {
  const match = SAVED_RUN_ID_PREFIX.exec(line);
  if (match === null) return undefined;
  const id: unknown = JSON.parse(match[1] as string);
  return typeof id === 'string' && id !== '' ? id : undefined;
}

/**
 * Reads saved OTLP trace exports into a {@link SpanStore}: JSON lines (one ExportTraceServiceRequest a line, as
 * `tracecheck serve --save` writes, each with the run id its request carried), whole OTLP/JSON documents, or
 * protobuf files (`.pb`, `.bin`: one serialized ExportTraceServiceRequest); any of them may be gzipped. Spans are
 * correlated into runs as live ones were, export by export in file order: by their `test.run.id` tags, and by
 * the run id saved with their line; untagged ones go to the run {@link SAVED_RUN_ID}.
 *
 * Every unreadable file or undecodable line is reported (`file:line: message`) and the whole load fails: judging
 * half of a run would give a verdict about traces that were not all there. One exception: a last line that does
 * not end with a newline and does not decode was cut by a crash while it was written (the sidecar acknowledged
 * none of its spans), so it is skipped with a warning.
 */
export async function loadSavedSpans(files: readonly string[]): Promise<Result<SavedSpans, string[]>> {
  const problems: string[] = [];
  const warnings: string[] = [];
  const store = new SpanStore({ maxSpans: Number.MAX_SAFE_INTEGER, maxUnclaimedSpans: 0 });
  const exports: SavedExport[] = [];
  const take = (decoded: DecodeResult, where: string, runId: string | undefined): void => {
    if (!decoded.ok) {
      problems.push(`${where}: ${decoded.error.message}`);
      return;
    }
    if (decoded.value.rejectedSpans > 0) {
      warnings.push(`${where}: ${decoded.value.rejectedSpans} spans rejected: ${decoded.value.rejectionMessage}`);
    }
    exports.push({ spans: decoded.value.spans, runId });
  };
  for (const file of files) {
    let bytes: Uint8Array;
    try {
      bytes = await readFile(file);
      // gzip magic number (RFC 1952): 1f 8b.
      if (bytes[0] === 0x1f && bytes[1] === 0x8b) bytes = gunzipSync(bytes);
    } catch (error) {
      problems.push(`${file}: cannot read: ${(error as Error).message}`);
      continue;
    }
    if (/\.(pb|bin)(\.gz)?$/i.test(file)) {
      take(decodeExportRequestProtobuf(bytes), file, undefined);
      continue;
    }
    const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
    const lines = text.split('\n');
    const firstIndex = lines.findIndex((l) => l.trim() !== '');
    if (firstIndex === -1) continue;
    // The line the file ends in, when no newline ends it: where a crash cuts a line being appended.
    const unterminatedIndex = text.endsWith('\n') ? -1 : lines.length - 1;
    // A pretty-printed document opens with a line that is not JSON alone and not a compact object (`{` alone).
    const first = lines[firstIndex] as string;
    const jsonLines = isCompleteJson(first) || first.trimStart().startsWith('{"');
    if (!jsonLines) {
      // A multi-line (pretty-printed) OTLP/JSON document.
      take(decodeExportRequestJson(text), file, undefined);
      continue;
    }
    lines.forEach((line, i) => {
      if (line.trim() === '') return;
      const decoded = decodeExportRequestJson(line);
      if (!decoded.ok && i === unterminatedIndex) {
        warnings.push(`${file}:${i + 1}: skipped a torn last line (${line.length} characters, no newline: cut while it was written, e.g. by a crash; its export was never acknowledged)`);
        return;
      }
      take(decoded, `${file}:${i + 1}`, runIdOfSavedLine(line));
    });
  }
  if (problems.length > 0) return err(problems);
  // Untagged spans of the files belong to one implicit run, as spans of one `tracecheck run` would.
  let spanCount = 0;
  for (const { spans, runId } of exports) {
    store.ingest(spans, { transport: 'file', runId: runId ?? SAVED_RUN_ID });
    spanCount += spans.length;
  }
  return ok({ warnings, spanCount, store });
}

/**
 * A run whose spans are all there: `settled()` answers at once. Saved traces get no more spans, so waiting for
 * quiet would only add the quiet period to every check.
 */
export function settledRunOf(id: string, traces: () => readonly Trace[]): RunSource {
  return {
    id,
    traces,
    onChange: () => () => {},
    settled: async (): Promise<SettleOutcome> => {
      const all = traces();
      return {
        settled: true,
        reason: 'quiet',
        spanCount: all.reduce((n, t) => n + t.spans.length, 0),
        traceCount: all.length,
        orphanCount: all.reduce((n, t) => n + t.orphans.length, 0),
        waitedMillis: 0,
      };
    },
  };
}

function isCompleteJson(line: string): boolean {
  try {
    JSON.parse(line);
    return true;
  } catch {
    return false;
  }
}
