import { writeSpecFile } from '../../language/index.ts';
import type { ShapeRecording } from './record-shape.ts';

/**
 * Writes a recording as a spec file whose comments say what was recorded and what was left out (ids,
 * timestamps, durations, volatile attribute values), so that the file can be edited like any other spec.
 *
 * @param source - What was recorded, for the header, e.g. `` `npm test` `` or `traces.json`.
 * @example
 * ```ts
 * await writeFile('specs/shape.yaml', formatSnapshot(recordShapes(traces), 'traces.json'));
 * ```
 */
export function formatSnapshot(recording: ShapeRecording, source: string): string {
  const n = recording.shapes.length;
  const header = [
    `Recorded by tracecheck from ${source}: ${recording.traceCount} trace${recording.traceCount === 1 ? '' : 's'}, ${n} distinct shape${n === 1 ? '' : 's'}.`,
    'Each spec below checks one trace shape: the tree of spans (service, name, kind, status), how many identical',
    'siblings there were (count), and the stable semantic-convention attributes (http.request.method, http.route,',
    'http.response.status_code, db.system, messaging.*, rpc.*).',
    'Left out: trace and span ids, timestamps, durations, and volatile values (peer addresses and ports, full URLs',
    'with ids in them, message ids and offsets).',
    ...(recording.droppedAttributeKeys.length === 0 ? [] : wrap(`Attributes left out: ${recording.droppedAttributeKeys.join(', ')}.`)),
    ...(recording.incompleteTraceCount === 0 ? [] : [`Left out ${recording.incompleteTraceCount} trace${recording.incompleteTraceCount === 1 ? '' : 's'} that were not one tree (several roots, or spans whose parent never arrived).`]),
    'Siblings are listed in causal order (one after another in time); concurrent siblings in canonical order.',
    '"mode: exact" checks that order; write "mode: any-order" to ignore it, or "mode: subset" to allow extra spans.',
    'This is a plain spec file: edit it like any other (docs/snapshots.md).',
  ];
  const specs = recording.shapes.map((shape) => ({
    definition: shape.definition,
    comment: [`Seen in ${shape.traceCount} trace${shape.traceCount === 1 ? '' : 's'}.`, ...(shape.note === undefined ? [] : [shape.note])],
  }));
  return writeSpecFile(specs, header);
}

/** Splits a long comment at spaces into lines of at most `widthChars`, continuation lines indented. */
function wrap(text: string, widthChars = 110): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line !== '' && line.length + 1 + word.length > widthChars) {
      lines.push(line);
      line = `  ${word}`;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  if (line !== '') lines.push(line);
  return lines;
}
