import type { ProblemCollector, SpecPath } from './problem-collector.ts';
import { SHAPE_MODES, SHAPE_NODE_KEYS, SPAN_KIND_NAMES, STATUS_NAMES } from './description.ts';
import type { CountSource } from './types.ts';
import { describeValueType, parseCount } from './values.ts';

type Obj = Readonly<Record<string, unknown>>;

/** The checks of the spec validator that a shape's walk uses (validate.ts passes itself). */
export interface ShapeValidatorChecks {
  readonly c: ProblemCollector;
  keys(obj: Obj, path: SpecPath, allowed: readonly string[], where: string): void;
  mapping(value: unknown, path: SpecPath, what: string, example: string): value is Obj;
  list(value: unknown, path: SpecPath, what: string, example: string): value is readonly unknown[];
  oneOf(value: unknown, path: SpecPath, what: string, allowed: readonly string[]): void;
  count(value: unknown, path: SpecPath): void;
}

const NODE_EXAMPLE = 'e.g. "shape: { service: gateway, name: GET /checkout, kind: server, children: [...] }"';

/** Checks a `shape:` expectation: its `mode` and its tree, node by node (keys from SHAPE_NODE_KEYS). */
export function validateShape(v: ShapeValidatorChecks, expectation: Obj, path: SpecPath): void {
  if (expectation['mode'] !== undefined) v.oneOf(expectation['mode'], [...path, 'mode'], 'shape mode', SHAPE_MODES);
  shapeNode(v, expectation['shape'], [...path, 'shape']);
}

function shapeNode(v: ShapeValidatorChecks, node: unknown, path: SpecPath): void {
  if (!v.mapping(node, path, 'a shape node', NODE_EXAMPLE)) return;
  v.keys(node, path, SHAPE_NODE_KEYS.keys, 'in a shape node');
  const name = node['name'];
  if (name === undefined) v.c.report(path, 'the shape node has no "name"', 'add "name: <span name>"');
  else if (typeof name !== 'string') v.c.report([...path, 'name'], `a span name must be a string, got ${describeValueType(name)}`);
  if (node['service'] !== undefined && typeof node['service'] !== 'string') {
    v.c.report([...path, 'service'], `"service" must be a string, got ${describeValueType(node['service'])}`);
  }
  if (node['kind'] !== undefined) v.oneOf(node['kind'], [...path, 'kind'], 'span kind', SPAN_KIND_NAMES);
  if (node['status'] !== undefined) v.oneOf(node['status'], [...path, 'status'], 'status', STATUS_NAMES);
  const count = node['count'];
  if (count !== undefined) {
    const before = v.c.problems.length;
    v.count(count, [...path, 'count']);
    const range = v.c.problems.length === before ? parseCount(count as CountSource) : undefined;
    if (range?.ok === true && range.value.max === 0) v.c.report([...path, 'count'], 'a shape node\'s count must allow at least 1 span', 'the count is how many identical sibling spans the node stands for; to allow none, leave the node out and use mode: subset');
  }
  const attributes = node['attributes'];
  if (attributes !== undefined && v.mapping(attributes, [...path, 'attributes'], '"attributes"', 'e.g. "attributes: { http.route: /checkout }"')) {
    for (const [key, value] of Object.entries(attributes)) {
      if (value !== null && typeof value === 'object') {
        v.c.report([...path, 'attributes', key], `a shape attribute must be a string, number, boolean or null, got ${describeValueType(value)}`, 'shapes compare attribute values for equality; use a "spans" expectation for conditions');
      }
    }
  }
  const children = node['children'];
  if (children !== undefined && v.list(children, [...path, 'children'], '"children"', 'write each child span as a "- " item')) {
    children.forEach((child, i) => shapeNode(v, child, [...path, 'children', i]));
  }
}
