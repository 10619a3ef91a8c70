// Over 400 lines on purpose: one walk over a spec document, a method per object of the spec language in the order
// they nest (file, spec, traces, each expectation kind, matchers), each reporting every problem with where it is
// and how to fix it. Split up, the walk would no longer read top to bottom. The keys come from description.ts.
import type { SpecProblem } from '../errors.ts';
import { err, ok, type Result } from '../result.ts';
import { captureFieldProblem } from './capture-fields.ts';
import { validateShape } from './validate-shape.ts';
import { didYouMean } from './did-you-mean.ts';
import { ProblemCollector, type Locate, type SpecPath } from './problem-collector.ts';
import {
  ATTRIBUTE_TYPE_NAMES,
  BUDGET_KEYS,
  BUDGET_LIMIT_KEYS,
  BUDGET_OVER,
  COUNT_KEYS,
  DISTINCT_KEYS,
  DURATION_MATCHER_KEYS,
  EDITOR_KEYS,
  EVENT_MATCHER_KEYS,
  EXPECTATION_COMMON_KEYS,
  EXPECTATION_KIND_KEYS,
  EXPECTATION_KINDS,
  EXPECTATION_SCOPES,
  EXPECTATION_SEVERITIES,
  JSONPATH_RESULT_KEYS,
  LINK_MATCHER_KEYS,
  ORDER_KEYS,
  ORDER_RELATIONS,
  PROPAGATES_KEYS,
  QUANTIFIERS,
  RULE_OVERRIDE_KEYS,
  RULE_SEVERITIES,
  SPEC_FILE_KEYS,
  SPEC_KEYS,
  STATUS_MATCHER_KEYS,
  STATUS_NAMES,
  TRACE_SELECTION_KEYS,
  VALUE_MATCHER_KEYS,
} from './description.ts';
import { RULE_PACKS, rulePack } from './rule-packs/index.ts';
import type { SpecDefinition, SpecScalar } from './types.ts';
import { checkJsonPath, checkReferences, checkRegex, checkSelector, type VariableScope } from './validate-text.ts';
import { describeValueType, findReferences, parseCount, parseDuration } from './values.ts';

/** Options of {@link validateSpecObject}. */
export interface ValidateOptions {
  /** Where `${env:NAME}` is looked up; default `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /**
   * What an unset `${env:NAME}` is: `error` (the default: a spec must never silently check an empty value), or
   * `warning`, for checking specs where the tests' variables are not set (a pre-commit hook, an editor).
   */
  readonly unsetEnv?: 'error' | 'warning';
  /** Receives each warning (with file:line:col), whether or not the file has problems. */
  readonly onWarning?: (warning: SpecProblem) => void;
}

type Obj = Readonly<Record<string, unknown>>;

/** Words people write for a key, mapped to the key they mean; typos of these are recognised too. */
const KEY_ALIASES: Readonly<Record<string, string>> = {
  selector: 'spans', select: 'spans', span: 'spans', match: 'spans', where: 'spans',
  errors: 'noErrors', noError: 'noErrors', no_errors: 'noErrors',
  steps: 'sequence', latency: 'budget', deadline: 'budget', connect: 'connected', propagation: 'propagates',
  expects: 'expect', expectations: 'expect', assert: 'expect', checks: 'expect',
  title: 'name', attrs: 'attributes', attribute: 'attributes', event: 'events', link: 'links',
  regex: 'matches', pattern: 'matches', eq: 'equals', equal: 'equals', ne: 'notEquals', exist: 'exists',
  path: 'jsonpath', jsonPath: 'jsonpath', minimum: 'min', maximum: 'max', p90: 'p95', before: 'first', after: 'then',
};
const VALUE_ALIASES: Readonly<Record<string, string>> = {
  integer: 'int', int64: 'int', boolean: 'bool', float: 'double', number: 'double', str: 'string', map: 'kvlist',
  object: 'kvlist', list: 'array', warning: 'warn', warnings: 'warn', failed: 'error', failure: 'error', fail: 'error', success: 'ok', unknown: 'unset',
  unordered: 'any-order', partial: 'subset', strict: 'exact',
};

function isObj(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isScalar(value: unknown): value is SpecScalar {
  return value === null || ['string', 'number', 'boolean'].includes(typeof value);
}

function quoteList(words: readonly string[]): string {
  return words.map((w) => `"${w}"`).join(', ');
}

/** Validates plain spec values and collects every problem. One instance validates one file (or one object). */
class SpecValidator {
  readonly c: ProblemCollector;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly unsetEnv: 'error' | 'warning';

  constructor(c: ProblemCollector, env: Readonly<Record<string, string | undefined>>, unsetEnv: 'error' | 'warning') {
    this.c = c;
    this.env = env;
    this.unsetEnv = unsetEnv;
  }

  /** Reports keys not in `allowed`, with a did-you-mean; `elsewhere` explains keys valid in another kind. */
  keys(obj: Obj, path: SpecPath, allowed: readonly string[], where: string, elsewhere?: (key: string) => string | undefined): void {
    for (const key of Object.keys(obj)) {
      if (allowed.includes(key)) continue;
      const misplaced = elsewhere?.(key);
      if (misplaced !== undefined) {
        this.c.report([...path, key], `key "${key}" does not apply ${where}`, misplaced, { key: true });
        continue;
      }
      const near = didYouMean(key, allowed, KEY_ALIASES);
      this.c.report(
        [...path, key],
        `unknown key "${key}" ${where}`,
        near === undefined ? `valid keys here: ${quoteList(allowed)}` : `did you mean "${near}"?`,
        { key: true },
      );
    }
  }

  mapping(value: unknown, path: SpecPath, what: string, example: string): value is Obj {
    if (isObj(value)) return true;
    this.c.report(path, `${what} must be a mapping, got ${describeValueType(value)}`, example);
    return false;
  }

  list(value: unknown, path: SpecPath, what: string, example: string): value is readonly unknown[] {
    if (Array.isArray(value)) return true;
    this.c.report(path, `${what} must be a list, got ${describeValueType(value)}`, example);
    return false;
  }

  text(value: unknown, path: SpecPath, what: string, scope: VariableScope): void {
    if (typeof value !== 'string') {
      this.c.report(path, `${what} must be a string, got ${describeValueType(value)}`);
      return;
    }
    checkReferences(this.c, value, path, scope);
  }

  boolean(value: unknown, path: SpecPath, what: string): void {
    if (typeof value !== 'boolean') this.c.report(path, `${what} must be true or false, got ${describeValueType(value)}`);
  }

  oneOf(value: unknown, path: SpecPath, what: string, allowed: readonly string[]): void {
    if (typeof value === 'string' && allowed.includes(value)) return;
    const near = typeof value === 'string' ? didYouMean(value, allowed, VALUE_ALIASES) : undefined;
    const shown = typeof value === 'string' ? `"${value}"` : describeValueType(value);
    this.c.report(path, `unknown ${what} ${shown}`, near === undefined ? `use one of ${quoteList(allowed)}` : `did you mean "${near}"? Valid: ${quoteList(allowed)}`);
  }

  duration(value: unknown, path: SpecPath, what: string): void {
    if (typeof value !== 'number' && typeof value !== 'string') {
      this.c.report(path, `${what} must be a duration such as "300ms" or a number of milliseconds, got ${describeValueType(value)}`);
      return;
    }
    const parsed = parseDuration(value);
    if (!parsed.ok) this.c.report(path, `${what}: ${parsed.error}`);
  }

  count(value: unknown, path: SpecPath): void {
    if (isObj(value)) {
      this.keys(value, path, COUNT_KEYS.keys, 'in a count');
      for (const key of COUNT_KEYS.keys) {
        const v = value[key];
        if (v !== undefined && !(typeof v === 'number' && Number.isInteger(v) && v >= 0)) {
          this.c.report([...path, key], `count ${key} must be a non-negative whole number, got ${typeof v === 'number' ? String(v) : describeValueType(v)}`);
          return;
        }
      }
    } else if (typeof value === 'string' && value !== 'none') {
      this.c.report(path, `count "${value}" is not a count`, 'write a number, "none", or { min: 1, max: 3 }');
      return;
    }
    const parsed = parseCount(value as never);
    if (!parsed.ok) this.c.report(path, parsed.error, 'a count is a number (exactly), "none", or { min, max } / { exactly }');
  }

  // ---- the file and its specs ----

  document(value: unknown, path: SpecPath): { value: unknown; path: SpecPath }[] {
    if (Array.isArray(value)) return value.map((spec, i) => ({ value: spec, path: [...path, i] }));
    if (!isObj(value)) {
      this.c.report(path, `a spec file must hold a mapping (one spec, or "specs: [...]") or a list of specs, got ${describeValueType(value)}`, 'start the file with "name:" and "expect:", or with "specs:"');
      return [];
    }
    if (value['specs'] === undefined) {
      // `spec:` or `spcs:` with no name or expect beside it is a misspelt `specs:`, not a spec missing its name.
      const misspelt = Object.keys(value).find((k) => k !== 'specs' && didYouMean(k, ['specs']) !== undefined);
      if (misspelt !== undefined && !('name' in value) && !('expect' in value)) {
        this.c.report([...path, misspelt], `unknown key "${misspelt}" at the top of a spec file`, 'did you mean "specs"?', { key: true });
        return [];
      }
      return [{ value, path }];
    }
    this.keys(value, path, [...SPEC_FILE_KEYS.keys, ...EDITOR_KEYS], 'beside "specs" (a file with "specs:" holds only the list)');
    const specs = value['specs'];
    if (!this.list(specs, [...path, 'specs'], '"specs"', 'write "specs:" followed by "- name: ..." items')) return [];
    return specs.map((spec, i) => ({ value: spec, path: [...path, 'specs', i] }));
  }

  spec(value: unknown, path: SpecPath): SpecDefinition | undefined {
    if (!this.mapping(value, path, 'a spec', 'a spec has "name:" and "expect:"')) return undefined;
    this.keys(value, path, [...SPEC_KEYS.keys, ...EDITOR_KEYS], 'in a spec');
    const before = this.c.problems.length;
    const name = value['name'];
    if (name === undefined) this.c.report(path, 'the spec has no "name"', 'add "name: <what this spec checks>"; names identify results');
    else if (typeof name !== 'string' || name.trim() === '') this.c.report([...path, 'name'], `the spec name must be a non-empty string, got ${describeValueType(name)}`);
    const vars = new Map<string, SpecScalar>();
    // Variables whose value needs an unset environment variable (only when that is a warning): unknown like captures.
    const unknownVars = new Set<string>();
    const staticScope: VariableScope = { env: this.env, unsetEnv: this.unsetEnv, vars, captured: unknownVars };
    if (value['description'] !== undefined) this.text(value['description'], [...path, 'description'], '"description"', staticScope);
    if (value['vars'] !== undefined && this.mapping(value['vars'], [...path, 'vars'], '"vars"', 'e.g. "vars: { sku: ABC-1 }"')) {
      for (const [key, v] of Object.entries(value['vars'])) {
        const at = [...path, 'vars', key];
        if (!isScalar(v)) {
          this.c.report(at, `variable "${key}" must be a string, number, boolean or null, got ${describeValueType(v)}`);
          continue;
        }
        if (typeof v === 'string') {
          checkReferences(this.c, v, at, { env: this.env, unsetEnv: this.unsetEnv, vars: new Map(), captured: new Set() });
          if (findReferences(v).references.some((r) => r.kind === 'env' && this.env[r.name] === undefined)) {
            unknownVars.add(key);
            continue;
          }
        }
        vars.set(key, v);
      }
    }
    if (value['timeout'] !== undefined) this.duration(value['timeout'], [...path, 'timeout'], 'timeout');
    const traces = value['traces'];
    if (traces !== undefined && this.mapping(traces, [...path, 'traces'], '"traces"', 'e.g. "traces: { root: \'name = \\"POST /checkout\\"\' }"')) {
      this.keys(traces, [...path, 'traces'], TRACE_SELECTION_KEYS.keys, 'in "traces"');
      for (const key of ['root', 'where']) {
        if (traces[key] !== undefined) checkSelector(this.c, traces[key], [...path, 'traces', key], staticScope);
      }
      if (traces['count'] !== undefined) this.count(traces['count'], [...path, 'traces', 'count']);
    }
    const packs = this.rulePacks(value, path);
    const expectPath = [...path, 'expect'];
    const expectations = value['expect'];
    if (expectations === undefined && packs) {
      // A spec of rule packs only: `extends` brings its expectations.
    } else if (expectations === undefined) {
      this.c.report(path, `the spec${typeof name === 'string' ? ` "${name}"` : ''} has no "expect"`, 'add "expect:" with a list of expectations, e.g. "- spans: \'{ kind = server }\'"');
    } else if (this.list(expectations, expectPath, '"expect"', 'write each expectation as a "- " item under "expect:"')) {
      if (expectations.length === 0 && !packs) this.c.report(expectPath, '"expect" is empty: the spec would check nothing', 'add at least one expectation');
      const captured = new Set<string>();
      expectations.forEach((item, i) => {
        this.expectation(item, [...expectPath, i], { env: this.env, unsetEnv: this.unsetEnv, vars, captured: new Set([...unknownVars, ...captured]) }, captured);
      });
    }
    if (this.c.problems.length > before) return undefined;
    const { $schema: _schema, ...definition } = value;
    return definition as unknown as SpecDefinition;
  }

  /**
   * `extends` (rule packs by name) and `rules` (overrides of their rules, each with a reason). Returns whether the
   * spec extends at least one pack.
   */
  rulePacks(value: Obj, path: SpecPath): boolean {
    const names = value['extends'];
    const ids = new Set<string>();
    const known = RULE_PACKS.map((p) => p.name);
    let extended = false;
    if (names !== undefined && this.list(names, [...path, 'extends'], '"extends"', `e.g. "extends: [${known[0] ?? ''}]"`)) {
      names.forEach((name, i) => {
        const at = [...path, 'extends', i];
        const pack = typeof name === 'string' ? rulePack(name) : undefined;
        if (pack === undefined) {
          const written = typeof name === 'string' ? `"${name}"` : describeValueType(name);
          const near = typeof name === 'string' ? (rulePack(`tracecheck:${name}`)?.name ?? didYouMean(name, known)) : undefined;
          this.c.report(at, `unknown rule pack ${written}`, near === undefined ? `known packs: ${quoteList(known)}` : `did you mean "${near}"?`);
          return;
        }
        extended = true;
        for (const rule of pack.rules) ids.add(rule.id);
      });
    }
    const rules = value['rules'];
    if (rules === undefined || !this.mapping(rules, [...path, 'rules'], '"rules"', 'e.g. "rules: { hygiene/no-orphans: { severity: warn, reason: ... } }"')) return extended;
    if (names === undefined) this.c.report([...path, 'rules'], '"rules" overrides rules of the packs in "extends", and the spec extends none', 'add "extends: [...]", or remove "rules"', { key: true });
    for (const [id, override] of Object.entries(rules)) {
      const at = [...path, 'rules', id];
      if (names !== undefined && !ids.has(id)) {
        const near = didYouMean(id, [...ids]);
        this.c.report(at, `no extended pack has a rule "${id}"`, near === undefined ? 'rule ids are listed in docs/instrumentation-rules.md' : `did you mean "${near}"?`, { key: true });
      }
      if (!this.mapping(override, at, `the override of "${id}"`, 'e.g. "{ severity: warn, reason: legacy service, fixed in JIRA-12 }"')) continue;
      this.keys(override, at, RULE_OVERRIDE_KEYS.keys, 'in a rule override');
      if (override['severity'] === undefined) this.c.report(at, `the override of "${id}" has no "severity"`, `add "severity:" with one of ${quoteList(RULE_SEVERITIES)}`);
      else this.oneOf(override['severity'], [...at, 'severity'], 'rule severity', RULE_SEVERITIES);
      const reason = override['reason'];
      if (typeof reason !== 'string' || reason.trim() === '') {
        this.c.report(reason === undefined ? at : [...at, 'reason'], `the override of "${id}" needs a "reason"`, 'say why the rule is lowered or off, so the next reader knows whether it still holds');
      }
    }
    return extended;
  }

  // ---- expectations ----

  expectation(value: unknown, path: SpecPath, scope: VariableScope, captured: Set<string>): void {
    if (!this.mapping(value, path, 'an expectation', `an expectation has one of ${quoteList(EXPECTATION_KINDS)}`)) return;
    const kinds = EXPECTATION_KINDS.filter((k) => value[k] !== undefined);
    if (kinds.length > 1) {
      this.c.report([...path, kinds[1] ?? ''], `an expectation has both "${kinds[0] ?? ''}" and "${kinds[1] ?? ''}"`, 'each expectation checks one thing: split it into two "- " items', { key: true });
      return;
    }
    const kind = kinds[0];
    if (kind === undefined) {
      const allowed: readonly string[] = [...EXPECTATION_COMMON_KEYS, ...EXPECTATION_KINDS];
      const suggestsKind = Object.keys(value).some((k) => !allowed.includes(k) && didYouMean(k, EXPECTATION_KINDS, KEY_ALIASES) !== undefined);
      this.keys(value, path, allowed, 'in an expectation', (key) => {
        const owner = Object.entries(EXPECTATION_KIND_KEYS).find(([, keys]) => (keys as readonly string[]).includes(key))?.[0];
        return owner === undefined ? undefined : `"${key}" belongs to a "${owner}" expectation, which needs "${owner}:" too`;
      });
      if (!suggestsKind) this.c.report(path, 'the expectation has no kind', `add one of ${quoteList(EXPECTATION_KINDS)}`);
      return;
    }
    const allowed = [...EXPECTATION_COMMON_KEYS, kind, ...EXPECTATION_KIND_KEYS[kind]];
    this.keys(value, path, allowed, `to a "${kind}" expectation`, (key) => {
      const owner = Object.entries(EXPECTATION_KIND_KEYS).find(([, keys]) => (keys as readonly string[]).includes(key))?.[0];
      return owner === undefined ? undefined : `"${key}" belongs with "${owner}"`;
    });
    if (value['name'] !== undefined) this.text(value['name'], [...path, 'name'], 'the expectation name', scope);
    if (value['scope'] !== undefined) this.oneOf(value['scope'], [...path, 'scope'], 'scope', EXPECTATION_SCOPES);
    if (value['severity'] !== undefined) this.oneOf(value['severity'], [...path, 'severity'], 'severity', EXPECTATION_SEVERITIES);
    const at = (key: string): SpecPath => [...path, key];
    const body = value[kind];
    switch (kind) {
      case 'spans':
        this.spansExpectation(value, path, scope, captured);
        break;
      case 'order':
        if (this.mapping(body, at('order'), '"order"', 'e.g. "order: { first: \'{ service = a }\', then: \'{ service = b }\' }"')) {
          this.keys(body, at('order'), ORDER_KEYS.keys, 'in "order"');
          for (const key of ORDER_KEYS.required) {
            if (body[key] === undefined) this.c.report(at('order'), `"order" is missing "${key}"`, 'order needs "first:" and "then:" selectors');
            else checkSelector(this.c, body[key], [...at('order'), key], scope);
          }
          if (body['relation'] !== undefined) this.oneOf(body['relation'], [...at('order'), 'relation'], 'relation', ORDER_RELATIONS);
        }
        break;
      case 'sequence':
        if (this.list(body, at('sequence'), '"sequence"', 'a list of selectors, one per step')) {
          if (body.length < 2) this.c.report(at('sequence'), `a sequence needs at least 2 steps, got ${body.length}`, body.length === 1 ? 'for one step use a "spans" expectation' : 'list the steps as selectors');
          body.forEach((step, i) => checkSelector(this.c, step, [...at('sequence'), i], scope));
        }
        if (value['relation'] !== undefined) this.oneOf(value['relation'], at('relation'), 'relation', ORDER_RELATIONS);
        break;
      case 'budget':
        this.budget(body, at('budget'), scope);
        break;
      case 'noErrors':
        if (body !== true) {
          if (body === false) this.c.report(at('noErrors'), '"noErrors: false" checks nothing', 'write "noErrors: true" (every span) or a selector, or remove the expectation');
          else checkSelector(this.c, body, at('noErrors'), scope);
        }
        if (value['exceptions'] !== undefined) this.boolean(value['exceptions'], at('exceptions'), '"exceptions"');
        break;
      case 'connected':
      case 'complete':
        if (body !== true) this.c.report(at(kind), `"${kind}" must be true, got ${describeValueType(body)}`, `write "${kind}: true"`);
        break;
      case 'propagates':
        if (this.mapping(body, at('propagates'), '"propagates"', 'e.g. "propagates: { from: \'{ service = a }\', to: \'{ service = b }\' }"')) {
          this.keys(body, at('propagates'), PROPAGATES_KEYS.keys, 'in "propagates"');
          for (const key of PROPAGATES_KEYS.required) {
            if (body[key] === undefined) this.c.report(at('propagates'), `"propagates" is missing "${key}"`, 'propagates needs "from:" and "to:" selectors');
            else checkSelector(this.c, body[key], [...at('propagates'), key], scope);
          }
        }
        break;
      case 'shape':
        validateShape(this, value, path);
        break;
    }
  }

  spansExpectation(value: Obj, path: SpecPath, scope: VariableScope, captured: Set<string>): void {
    const at = (key: string): SpecPath => [...path, key];
    checkSelector(this.c, value['spans'], at('spans'), scope);
    if (value['count'] !== undefined) this.count(value['count'], at('count'));
    if (value['quantifier'] !== undefined) this.oneOf(value['quantifier'], at('quantifier'), 'quantifier', QUANTIFIERS);
    if (value['attributes'] !== undefined) this.attributes(value['attributes'], at('attributes'), scope);
    if (value['duration'] !== undefined) this.durationMatcher(value['duration'], at('duration'));
    if (value['withinRun'] !== undefined) this.duration(value['withinRun'], at('withinRun'), 'withinRun');
    if (value['status'] !== undefined) this.status(value['status'], at('status'));
    const events = value['events'];
    if (events !== undefined && this.list(events, at('events'), '"events"', 'e.g. "events: [{ name: exception, absent: true }]"')) {
      events.forEach((event, i) => {
        const p = [...at('events'), i];
        if (!this.mapping(event, p, 'an event condition', 'e.g. "{ name: exception, absent: true }"')) return;
        this.keys(event, p, EVENT_MATCHER_KEYS.keys, 'in an event condition');
        if (event['name'] === undefined) this.c.report(p, 'the event condition has no "name"', 'add "name: <event name>", e.g. "name: exception"');
        else this.text(event['name'], [...p, 'name'], 'the event name', scope);
        if (event['attributes'] !== undefined) this.attributes(event['attributes'], [...p, 'attributes'], scope);
        if (event['absent'] !== undefined) this.boolean(event['absent'], [...p, 'absent'], '"absent"');
        if (event['count'] !== undefined) this.count(event['count'], [...p, 'count']);
        if (event['absent'] === true && event['count'] !== undefined) this.c.report([...p, 'count'], '"absent: true" and "count" contradict each other', 'use "absent: true" or "count: none", not both');
      });
    }
    const links = value['links'];
    if (links !== undefined && this.list(links, at('links'), '"links"', 'e.g. "links: [{ to: \'{ service = producer }\' }]"')) {
      links.forEach((link, i) => {
        const p = [...at('links'), i];
        if (!this.mapping(link, p, 'a link condition', 'e.g. "{ to: \'{ kind = producer }\' }"')) return;
        this.keys(link, p, LINK_MATCHER_KEYS.keys, 'in a link condition');
        if (link['to'] === undefined) this.c.report(p, 'the link condition has no "to"', 'add "to:" with a selector for the linked span');
        else checkSelector(this.c, link['to'], [...p, 'to'], scope);
        if (link['attributes'] !== undefined) this.attributes(link['attributes'], [...p, 'attributes'], scope);
      });
    }
    const distinct = value['distinct'];
    if (distinct !== undefined && this.mapping(distinct, at('distinct'), '"distinct"', 'e.g. "distinct: { of: name, count: { max: 100 } }"')) {
      this.keys(distinct, at('distinct'), DISTINCT_KEYS.keys, 'in "distinct"');
      const of = distinct['of'];
      if (typeof of !== 'string' || of.trim() === '') this.c.report([...at('distinct'), 'of'], `"distinct" needs "of": the field whose values are counted, got ${describeValueType(of)}`, 'e.g. "of: name", "of: service" or "of: span.http.route"');
      else {
        const problem = captureFieldProblem(of);
        if (problem !== undefined) this.c.report([...at('distinct'), 'of'], problem.message, problem.hint);
      }
      if (distinct['count'] === undefined) this.c.report(at('distinct'), '"distinct" needs "count": how many different values are allowed', 'e.g. "count: { max: 100 }"');
      else this.count(distinct['count'], [...at('distinct'), 'count']);
    }
    const capture = value['capture'];
    if (capture !== undefined && this.mapping(capture, at('capture'), '"capture"', 'e.g. "capture: { orderId: span.order.id }"')) {
      for (const [name, field] of Object.entries(capture)) {
        const p = [...at('capture'), name];
        if (!/^[A-Za-z_][A-Za-z0-9_.-]*$/u.test(name)) this.c.report(p, `capture name "${name}" cannot be used as \${var:${name}}`, 'use letters, digits, "_", "." and "-", starting with a letter', { key: true });
        if (typeof field !== 'string' || field.trim() === '') this.c.report(p, `capture "${name}" must name a field, got ${describeValueType(field)}`, 'e.g. "span.order.id", "traceId", "name" or "service"');
        else {
          const problem = captureFieldProblem(field);
          if (problem !== undefined) this.c.report(p, problem.message, problem.hint);
        }
        captured.add(name);
      }
    }
  }

  budget(body: unknown, path: SpecPath, scope: VariableScope): void {
    if (!this.mapping(body, path, '"budget"', 'e.g. "budget: { spans: \'{ service = orders }\', p95: 300ms }"')) return;
    this.keys(body, path, BUDGET_KEYS.keys, 'in "budget"');
    if (body['over'] !== undefined) this.oneOf(body['over'], [...path, 'over'], 'budget "over"', BUDGET_OVER);
    if (body['spans'] !== undefined) {
      if (body['over'] === 'traces') this.c.report([...path, 'spans'], '"spans" does not apply to a budget over traces', 'remove "spans", or use "over: spans" to budget each matched span', { key: true });
      else checkSelector(this.c, body['spans'], [...path, 'spans'], scope);
    }
    const limits = BUDGET_LIMIT_KEYS.filter((k) => body[k] !== undefined);
    if (limits.length === 0) this.c.report(path, 'the budget has no limit', `add "max", "p50", "p95" or "p99", e.g. "p95: 300ms"`);
    for (const key of limits) this.duration(body[key], [...path, key], `budget ${key}`);
  }

  durationMatcher(value: unknown, path: SpecPath): void {
    if (!isObj(value)) {
      this.duration(value, path, 'duration');
      return;
    }
    this.keys(value, path, DURATION_MATCHER_KEYS.keys, 'in a duration condition');
    const present = DURATION_MATCHER_KEYS.keys.filter((k) => value[k] !== undefined);
    if (present.length === 0) this.c.report(path, 'the duration condition is empty', 'e.g. "duration: { lt: 300ms }", or "duration: 300ms" for at most');
    for (const key of present) this.duration(value[key], [...path, key], `duration ${key}`);
  }

  status(value: unknown, path: SpecPath): void {
    if (isObj(value)) {
      this.keys(value, path, STATUS_MATCHER_KEYS.keys, 'in a status condition');
      if (value['not'] === undefined) this.c.report(path, 'the status condition has no "not"', 'write a status name, or "{ not: error }"');
      else this.oneOf(value['not'], [...path, 'not'], 'status', STATUS_NAMES);
      return;
    }
    this.oneOf(value, path, 'status', STATUS_NAMES);
  }

  attributes(value: unknown, path: SpecPath, scope: VariableScope): void {
    if (!this.mapping(value, path, '"attributes"', 'e.g. "attributes: { http.response.status_code: 200 }"')) return;
    for (const [key, matcher] of Object.entries(value)) this.valueMatcher(matcher, [...path, key], scope);
  }

  valueMatcher(value: unknown, path: SpecPath, scope: VariableScope): void {
    if (typeof value === 'string') {
      checkReferences(this.c, value, path, scope);
      return;
    }
    if (isScalar(value)) return;
    if (Array.isArray(value)) {
      value.forEach((item, i) => {
        if (!isScalar(item)) this.c.report([...path, i], `a list of values may hold only strings, numbers, booleans and null, got ${describeValueType(item)}`, 'for conditions use a mapping such as "{ matches: ... }"');
      });
      return;
    }
    const m = value as Obj;
    this.keys(m, path, VALUE_MATCHER_KEYS.keys, 'in a value condition');
    const at = (key: string): SpecPath => [...path, key];
    if (Object.keys(m).length === 0) this.c.report(path, 'the value condition is empty', 'write a value to compare with, or a condition such as "{ exists: true }"');
    for (const key of ['lt', 'lte', 'gt', 'gte']) {
      const v = m[key];
      if (v !== undefined && typeof v !== 'number' && typeof v !== 'string') this.c.report(at(key), `"${key}" must be a number or a string, got ${describeValueType(v)}`);
    }
    for (const key of ['matches', 'notMatches']) if (m[key] !== undefined) checkRegex(this.c, m[key], at(key), scope);
    for (const key of ['in', 'notIn']) {
      const v = m[key];
      if (v === undefined) continue;
      if (!this.list(v, at(key), `"${key}"`, `e.g. "${key}: [200, 201]"`)) continue;
      v.forEach((item, i) => {
        if (!isScalar(item)) this.c.report([...at(key), i], `"${key}" may hold only strings, numbers, booleans and null, got ${describeValueType(item)}`);
      });
    }
    if (m['contains'] !== undefined && !isScalar(m['contains'])) this.c.report(at('contains'), `"contains" must be a string, number, boolean or null, got ${describeValueType(m['contains'])}`);
    if (m['exists'] !== undefined) this.boolean(m['exists'], at('exists'), '"exists"');
    if (m['type'] !== undefined) this.oneOf(m['type'], at('type'), 'attribute type', ATTRIBUTE_TYPE_NAMES);
    if (m['jsonpath'] !== undefined) checkJsonPath(this.c, m['jsonpath'], at('jsonpath'), scope);
    for (const key of ['value', 'every', 'some']) if (m[key] !== undefined) this.valueMatcher(m[key], at(key), scope);
    const onResults = JSONPATH_RESULT_KEYS.filter((k) => m[k] !== undefined);
    if (m['jsonpath'] === undefined && onResults.length > 0) {
      this.c.report(at(onResults[0] ?? ''), `"${onResults[0] ?? ''}" applies to the results of a "jsonpath"`, 'add "jsonpath: $..." to say which part of the value it checks', { key: true });
    }
    if (m['count'] !== undefined) this.count(m['count'], at('count'));
    for (const key of ['equals', 'notEquals']) {
      const v = m[key];
      if (typeof v === 'string') checkReferences(this.c, v, at(key), scope);
    }
  }
}

/** One document's value and where to find its parts; {@link validateSpecDocuments} takes several. */
export interface SpecDocument {
  readonly value: unknown;
  readonly locate?: Locate;
}

/**
 * Validates the documents of one spec file together (so duplicate spec names across `---` documents are found).
 * Returns each valid spec with its document index and path, or every problem found.
 */
export function validateSpecDocuments(
  documents: readonly SpecDocument[],
  file: string,
  options: ValidateOptions = {},
): Result<{ definition: SpecDefinition; document: number; path: SpecPath }[], SpecProblem[]> {
  const problems: SpecProblem[] = [];
  const specs: { definition: SpecDefinition; document: number; path: SpecPath }[] = [];
  const firstByName = new Map<string, { line: number }>();
  documents.forEach((document, index) => {
    const c = new ProblemCollector(document.locate, file);
    const v = new SpecValidator(c, options.env ?? process.env, options.unsetEnv ?? 'error');
    for (const item of v.document(document.value, [])) {
      const definition = v.spec(item.value, item.path);
      const name = isObj(item.value) ? item.value['name'] : undefined;
      if (typeof name === 'string') {
        const first = firstByName.get(name);
        if (first === undefined) firstByName.set(name, { line: document.locate?.([...item.path, 'name'])?.line ?? 0 });
        else c.report([...item.path, 'name'], `duplicate spec name "${name}"${first.line > 0 ? ` (first used on line ${first.line})` : ''}`, 'spec names identify results: make each unique');
      }
      if (definition !== undefined) specs.push({ definition, document: index, path: item.path });
    }
    problems.push(...c.problems);
    for (const warning of c.warnings) options.onWarning?.(warning);
  });
  return problems.length > 0 ? err(problems) : ok(specs);
}

/**
 * Validates a spec value (one spec, `{ specs: [...] }`, or a list of specs) and returns its specs, or every
 * problem found, each with file:line:col when `locate` can place it (objects from code have no positions and
 * name the path instead, e.g. `at expect[1].budget: ...`). Files and `run.expect({...})` objects go through
 * this same validator.
 *
 * @param locate finds where a path was written (the loader passes one backed by the YAML syntax tree)
 * @param file the name problems carry; default `<inline spec>`
 *
 * @example
 * ```ts
 * const result = validateSpecObject({ name: 'orders', expect: [{ slector: '{ service = "orders" }' }] });
 * if (!result.ok) console.log(result.error.map(formatSpecProblem).join('\n'));
 * // <inline spec>:0:0 at expect[0].slector: unknown key "slector" in an expectation (did you mean "spans"?)
 * ```
 */
export function validateSpecObject(
  value: unknown,
  locate?: Locate,
  file = '<inline spec>',
  options: ValidateOptions = {},
): Result<SpecDefinition[], SpecProblem[]> {
  const result = validateSpecDocuments([{ value, ...(locate === undefined ? {} : { locate }) }], file, options);
  return result.ok ? ok(result.value.map((s) => s.definition)) : result;
}
