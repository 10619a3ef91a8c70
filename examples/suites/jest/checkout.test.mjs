/* global fetch */
import { describe, expect, test } from '@jest/globals';
import { useSuiteCollector } from 'tracecheck/jest';

const suite = useSuiteCollector();
const gatewayUrl = process.env.EXAMPLE_GATEWAY_URL;
// TRACECHECK_EXAMPLE_FAIL=1 makes one expectation wrong, to show what a failure looks like.
const wrongOnPurpose = process.env.TRACECHECK_EXAMPLE_FAIL === '1';

/** One checkout through the gateway, marked as the run's by run.headers() (the test process has no SDK). */
async function checkout(headers, customer) {
  const response = await fetch(`${gatewayUrl}/checkout`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ customer, items: [{ sku: 'SKU-RED-MUG', quantity: 1 }] }),
  });
  await response.arrayBuffer();
  return response.status;
}

describe('checkout, two tests at once against the same services', () => {
  for (const [customer, other] of [['jest-alice', 'jest-bob'], ['jest-bob', 'jest-alice']]) {
    test.concurrent(`${customer}'s checkout is traced through inventory, and only ${customer}'s`, async () => {
      const run = suite.run();
      expect(await checkout(run.headers(), customer)).toBe(200);
      await expect(run).toSatisfySpec({
        name: `${customer} checkout`,
        traces: { root: 'service = "tracecheck-test"' },
        expect: [
          { spans: 'name = "orders.place"', attributes: { 'order.customer': customer } },
          { spans: 'service = "inventory" && kind = server', status: wrongOnPurpose && customer === 'jest-alice' ? 'error' : 'unset' },
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
  expect(await checkout(run.headers(), 'jest-carol')).toBe(200);
  await expect(run).toMatchTraceSnapshot();
});
