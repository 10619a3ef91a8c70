import { describe, expect, inject, test } from 'vitest';
import { useSuiteCollector } from 'tracecheck/vitest';
import { checkout } from '../shared/checkout.ts';

const suite = useSuiteCollector();
const gatewayUrl = inject('gatewayUrl');
// TRACECHECK_EXAMPLE_FAIL=1 makes one expectation wrong, to show what a failure looks like.
const wrongOnPurpose = process.env['TRACECHECK_EXAMPLE_FAIL'] === '1';

describe.concurrent('checkout, two tests at once against the same services', () => {
  for (const [customer, other] of [['vitest-alice', 'vitest-bob'], ['vitest-bob', 'vitest-alice']] as const) {
    test(`${customer}'s checkout is traced through inventory, and only ${customer}'s`, async () => {
      const run = suite.run();
      expect(await checkout(gatewayUrl, run.headers(), customer)).toBe(200);
      await expect(run).toSatisfySpec({
        name: `${customer} checkout`,
        traces: { root: 'service = "tracecheck-test"' },
        expect: [
          { spans: 'name = "orders.place"', attributes: { 'order.customer': customer } },
          { spans: 'service = "inventory" && kind = server', status: wrongOnPurpose && customer === 'vitest-alice' ? 'error' : 'unset' },
          { connected: true },
        ],
      });
      await expect(run).not.toHaveSpan(`span.order.customer = "${other}"`);
    });
  }
});

// The trace's shape, recorded in __trace_snapshots__/ on the first run (or with -u) and compared after that.
test('a checkout has the recorded trace shape', async () => {
  const run = suite.run();
  expect(await checkout(gatewayUrl, run.headers(), 'vitest-carol')).toBe(200);
  await expect(run).toMatchTraceSnapshot();
});
