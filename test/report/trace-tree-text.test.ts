import { describe, expect, it } from 'vitest';
import type { TraceTree, TraceTreeNode } from '../../src/engine/results.ts';
import { renderTraceTree } from '../../src/report/index.ts';
import { checkoutTree, rootSpan, span } from './sample-results.ts';

describe('renderTraceTree', () => {
  it('draws service, name, kind, duration and status a span a line, without colour', () => {
    const text = renderTraceTree(checkoutTree);
    const lines = text.split('\n');
    expect(lines[0]).toBe('trace 4bf92f3577b34da6a3ce929d0e0e4736 · 3 spans');
    expect(lines[1]).toBe('    frontend · GET /checkout  server  182ms  unset');
    expect(lines[2]).toBe('    └─ frontend · POST  client  120ms  unset');
    expect(lines[3]).toMatch(/^✗ {6}└─ orders · POST \/orders {2}server {2}118ms {2}error: db down/);
    expect(text).not.toContain('\u001b');
  });

  it('marks the offending span with its note and its clock-skew adjustment', () => {
    const marked = renderTraceTree(checkoutTree).split('\n').filter((l) => l.startsWith('✗'));
    expect(marked).toHaveLength(1);
    expect(marked[0]).toContain('← status = error');
    expect(marked[0]).toContain('clock skew adjusted +3.2ms');
  });

  it('flags orphans with the parent that never arrived and uses ├─ for all but the last child', () => {
    const child = (id: string, name: string): TraceTreeNode => ({
      span: span({ spanId: id, name, parentSpanId: rootSpan.spanId, kind: 'internal' }),
      marked: false,
      children: [],
    });
    const tree: TraceTree = {
      traceId: rootSpan.traceId,
      roots: [
        { span: rootSpan, marked: false, children: [child('a'.repeat(16), 'first'), child('b'.repeat(16), 'second')] },
        {
          span: span({ spanId: 'c'.repeat(16), parentSpanId: 'd'.repeat(16), name: 'late', service: 'billing' }),
          marked: false,
          orphan: true,
          children: [],
        },
      ],
    };
    const text = renderTraceTree(tree, { indent: '> ' });
    expect(text).toContain('trace 4bf92f3577b34da6a3ce929d0e0e4736 · 4 spans · 2 roots');
    expect(text).toContain('├─ frontend · first');
    expect(text).toContain('└─ frontend · second');
    expect(text).toContain(`billing · late  server  182ms  unset  (orphan: parent ${'d'.repeat(16)} never received)`);
    for (const line of text.split('\n')) expect(line.startsWith('> ')).toBe(true);
  });

  it('folds subtrees without offending spans in a large trace and keeps the offending span visible', () => {
    const children: TraceTreeNode[] = [];
    for (let i = 0; i < 200; i++) {
      children.push({
        span: span({ spanId: i.toString(16).padStart(16, '0'), name: `step ${i}`, kind: 'internal' }),
        marked: i === 150,
        note: i === 150 ? 'too slow' : undefined,
        children: [],
      });
    }
    const tree: TraceTree = { traceId: rootSpan.traceId, roots: [{ span: rootSpan, marked: false, children }] };
    const lines = renderTraceTree(tree, { maxSpans: 20 }).split('\n');
    expect(lines.length).toBeLessThan(30);
    expect(lines[0]).toContain('201 spans');
    expect(lines.some((l) => l.startsWith('✗') && l.includes('step 150') && l.includes('← too slow'))).toBe(true);
    const folded = lines.filter((l) => l.includes('not drawn'));
    const foldedCount = folded.reduce((n, l) => n + Number(/… (\d+) more span/.exec(l)?.[1]), 0);
    const drawnSteps = lines.filter((l) => l.includes('step ')).length;
    expect(drawnSteps + foldedCount).toBe(200);
    expect(lines.at(-1)).toContain('└─');
  });
});
