import { describe, expect, it } from 'vitest';
import {
  describeCount,
  findReferences,
  formatDurationNanos,
  interpolate,
  parseCount,
  parseDuration,
} from '../../src/language/values.ts';
import { parseSelector } from '../../src/language/selector-parser.ts';

describe('parseDuration', () => {
  it.each([
    [250, 250_000_000n],
    [0.5, 500_000n],
    [0, 0n],
    ['300ms', 300_000_000n],
    ['300 ms', 300_000_000n],
    ['1.5s', 1_500_000_000n],
    ['0.1s', 100_000_000n],
    ['.5ms', 500_000n],
    ['85us', 85_000n],
    ['85µs', 85_000n],
    ['10ns', 10n],
    ['2m', 120_000_000_000n],
    ['1.5h', 5_400_000_000_000n],
  ] as const)('%s is %s ns', (source, nanos) => {
    expect(parseDuration(source)).toEqual({ ok: true, value: nanos });
  });

  it('knows exactly the units selector literals know, so `duration > 1h` and `max: 1h` both work', () => {
    for (const unit of ['ns', 'us', 'µs', 'ms', 's', 'm', 'h']) {
      expect(parseDuration(`2${unit}`).ok, unit).toBe(true);
      expect(parseSelector(`duration > 2${unit}`).ok, unit).toBe(true);
    }
    expect(parseDuration('2d').ok).toBe(false);
    expect(parseSelector('duration > 2d').ok).toBe(false);
  });

  it('names the unit it does not know and the ones it does', () => {
    const result = parseDuration('300 msec');
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toContain('unknown duration unit "msec"');
    if (!result.ok) expect(result.error).toContain('use ns, us, ms, s, m or h');
  });

  it.each([['300'], ['-1s'], ['fast'], ['1.5ns'], [-3], [Number.NaN]])('refuses %s', (source) => {
    expect(parseDuration(source).ok).toBe(false);
  });

  it('asks for a unit rather than guessing one', () => {
    expect(parseDuration('300')).toEqual({ ok: false, error: expect.stringContaining('write "300ms"') });
  });
});

describe('formatDurationNanos', () => {
  it.each([
    [412_000_000n, '412ms'],
    [1_200_000_000n, '1.2s'],
    [85_000n, '85us'],
    [1_040_000n, '1.04ms'],
    [730n, '730ns'],
    [0n, '0ns'],
    [90_000_000_000n, '90s'],
    [150_000_000_000n, '2.5m'],
    [-5_000_000n, '-5ms'],
  ] as const)('%s ns is %s', (nanos, text) => {
    expect(formatDurationNanos(nanos)).toBe(text);
  });
});

describe('parseCount and describeCount', () => {
  it.each([
    [1, { min: 1, max: 1 }, 'exactly 1'],
    ['none', { min: 0, max: 0 }, 'none'],
    [0, { min: 0, max: 0 }, 'none'],
    [{ min: 1 }, { min: 1, max: Infinity }, 'at least 1'],
    [{ max: 3 }, { min: 0, max: 3 }, 'at most 3'],
    [{ min: 2, max: 5 }, { min: 2, max: 5 }, 'between 2 and 5'],
    [{ exactly: 4 }, { min: 4, max: 4 }, 'exactly 4'],
  ] as const)('%j', (source, range, words) => {
    const result = parseCount(source);
    expect(result).toEqual({ ok: true, value: range });
    if (result.ok) expect(describeCount(result.value)).toBe(words);
  });

  it('adds a noun with plurals', () => {
    expect(describeCount({ min: 1, max: Infinity }, 'span')).toBe('at least 1 span');
    expect(describeCount({ min: 2, max: 2 }, 'span')).toBe('exactly 2 spans');
    expect(describeCount({ min: 0, max: 0 }, 'span')).toBe('no spans');
  });

  it.each([
    [-1, 'count must be a non-negative whole number, got -1'],
    [1.5, 'count must be a non-negative whole number, got 1.5'],
    [{ min: 3, max: 1 }, 'count min 3 is greater than max 1'],
    [{ exactly: 1, min: 1 }, 'count takes either "exactly" or "min"/"max", not both'],
    [{}, 'count needs "exactly", "min" or "max"'],
    [{ min: 'one' }, 'count min must be a non-negative whole number, got a string ("one")'],
  ] as const)('refuses %j', (source, message) => {
    expect(parseCount(source as never)).toEqual({ ok: false, error: message });
  });
});

describe('interpolate', () => {
  it('substitutes env and vars, and $${ escapes', () => {
    const result = interpolate('svc=${env:SVC} id=${var:orderId} n=${var:n} lit=$${env:X}', {
      env: { SVC: 'orders' },
      vars: new Map<string, string | number>([['orderId', 'o-17'], ['n', 3]]),
    });
    expect(result).toEqual({ ok: true, value: 'svc=orders id=o-17 n=3 lit=${env:X}' });
  });

  it('lists every unknown name', () => {
    const result = interpolate('${env:A} ${var:b} ${env:C} ${oops}', { env: {}, vars: {} });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.unknown.map((r) => `${r.kind}:${r.name}@${r.offset}`)).toEqual(['env:A@0', 'var:b@9', 'env:C@18']);
    expect(result.error.malformed).toEqual([{ text: '${oops}', offset: 27, length: 7 }]);
    expect(result.error.message).toContain('environment variables not set: A, C');
    expect(result.error.message).toContain('unknown variable: b');
  });

  it('does not read inherited properties as variables', () => {
    expect(interpolate('${var:toString}', { env: {}, vars: {} }).ok).toBe(false);
  });

  it('findReferences reports offsets', () => {
    expect(findReferences('a ${var:x} $${var:y}').references).toEqual([{ kind: 'var', name: 'x', offset: 2, length: 8 }]);
  });
});
