/**
 * Many distinct OTLP/protobuf export bodies from a few real-SDK ones, without re-encoding: every trace and span id
 * (parent references and links included) is found in the base bodies once, and copy `n` of a base body has the
 * first four bytes of each of them XORed with `n + 1`. Equal ids stay equal, so parents still find their children,
 * and every copy holds new traces, so a store fed thousands of copies keeps every span. Stamping a copy is a copy
 * of the body plus a few thousand byte writes; the bodies themselves stay what the SDK's serializer wrote.
 */
import { otlpProtoRoot } from '../../src/otlp/index.ts';
import { SPANS_PER_REQUEST, makeBenchPayloads } from './payloads.ts';

/** A base body and where its ids are. */
export interface StampableBody {
  readonly bytes: Uint8Array;
  /** Offsets of the first byte of every id occurrence in `bytes`. */
  readonly idOffsets: Int32Array;
}

interface DecodedIds {
  resourceSpans: { scopeSpans: { spans: { traceId: Uint8Array; spanId: Uint8Array; parentSpanId?: Uint8Array }[] }[] }[];
}

/** Every offset at which one of `ids` occurs in `bytes` (ids are random, so an occurrence is the id itself). */
function idOffsetsOf(bytes: Uint8Array, ids: readonly Uint8Array[]): Int32Array {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const offsets = new Set<number>();
  for (const id of ids) {
    for (let at = buffer.indexOf(id); at !== -1; at = buffer.indexOf(id, at + 1)) offsets.add(at);
  }
  return Int32Array.from([...offsets].sort((a, b) => a - b));
}

/** Makes stampable bodies from `count` real-SDK requests of {@link SPANS_PER_REQUEST} spans. */
export async function makeStampableBodies(count: number): Promise<readonly StampableBody[]> {
  const requestType = otlpProtoRoot().lookupType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest');
  const { protobuf } = await makeBenchPayloads(count);
  return protobuf.map((bytes) => {
    const request = requestType.toObject(requestType.decode(bytes)) as DecodedIds;
    const ids: Uint8Array[] = [];
    for (const rs of request.resourceSpans) {
      for (const ss of rs.scopeSpans) {
        for (const span of ss.spans) {
          ids.push(span.traceId, span.spanId);
          if (span.parentSpanId !== undefined && span.parentSpanId.length > 0) ids.push(span.parentSpanId);
        }
      }
    }
    return { bytes, idOffsets: idOffsetsOf(bytes, ids) };
  });
}

/** Body number `index` (0-based) of the stream: base body `index % bases.length`, stamped with `index / bases.length`. */
export function stampedBody(bases: readonly StampableBody[], index: number): Uint8Array {
  const base = bases[index % bases.length] as StampableBody;
  const stamp = Math.floor(index / bases.length) + 1;
  const out = new Uint8Array(base.bytes);
  for (const at of base.idOffsets) {
    out[at] = (out[at] as number) ^ (stamp & 0xff);
    out[at + 1] = (out[at + 1] as number) ^ ((stamp >>> 8) & 0xff);
    out[at + 2] = (out[at + 2] as number) ^ ((stamp >>> 16) & 0xff);
    out[at + 3] = (out[at + 3] as number) ^ ((stamp >>> 24) & 0xff);
  }
  return out;
}

/** Base requests the stamped stream cycles through; the senders and the in-process baseline make the same ones. */
export const BASE_BODIES = 4;
export { SPANS_PER_REQUEST };

/** The bodies as JSON, for another process (see {@link parseStampableBodies}). */
export function serializeStampableBodies(bodies: readonly StampableBody[]): string {
  return JSON.stringify(bodies.map((b) => ({ bytes: Buffer.from(b.bytes).toString('base64'), idOffsets: [...b.idOffsets] })));
}

/** Bodies written by {@link serializeStampableBodies}. */
export function parseStampableBodies(text: string): readonly StampableBody[] {
  const items = JSON.parse(text) as { bytes: string; idOffsets: number[] }[];
  return items.map((item) => ({ bytes: new Uint8Array(Buffer.from(item.bytes, 'base64')), idOffsets: Int32Array.from(item.idOffsets) }));
}
