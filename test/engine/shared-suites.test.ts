import { describe } from 'vitest';
import { IMPLEMENTATIONS } from './suites/implementations.ts';
import { runContainsTextSuite } from './suites/contains-text.suite.ts';
import { runKindsSuite } from './suites/evaluate-kinds.suite.ts';
import { runMatchersSuite } from './suites/evaluate-matchers.suite.ts';
import { runSpansSuite } from './suites/evaluate-spans.suite.ts';
import { runOrderPrecisionSuite } from './suites/order-precision.suite.ts';
import { runRegexFlagsSuite } from './suites/regex-flags.suite.ts';
import { runSelectorSuite } from './suites/selectors.suite.ts';
import { runShapeSuite } from './suites/shape.suite.ts';
import { runVarsAsValuesSuite } from './suites/vars-as-values.suite.ts';

/*
 * Every selector and expectation test, run against the reference implementation alone, against each accelerator
 * on top of it, and against all of them together (see suites/implementations.ts).
 */
for (const impl of IMPLEMENTATIONS) {
  describe(impl.name, () => {
    runSelectorSuite(impl);
    runKindsSuite(impl);
    runMatchersSuite(impl);
    runSpansSuite(impl);
    runVarsAsValuesSuite(impl);
    runRegexFlagsSuite(impl);
    runOrderPrecisionSuite(impl);
    runContainsTextSuite(impl);
    runShapeSuite(impl);
  });
}
