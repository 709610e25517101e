// Issue 9, items 7–8: every comparison of a value with a target, a tolerance or a dead band is
// exact (DOMAIN.md rules 4–5), never in binary floating point.
import fc from 'fast-check';
import { colourFor, percentExact, trendFor } from '../../server/services/numbers';

describe('colour compares with the target and the tolerance exactly (item 7)', () => {
  it('60 % against target 64,9 with tolerance 4,9 is yellow: 60 ≥ 64,9 − 4,9 (in floating point 64.9 − 4.9 = 60.00000000000001)', () => {
    expect(64.9 - 4.9).not.toBe(60); // the trap
    expect(colourFor({ displayed: 60, target: 64.9, tolerance: 4.9, direction: 'higher' })).toBe('yellow');
    expect(colourFor({ displayed: 59, target: 64.9, tolerance: 4.9, direction: 'higher' })).toBe('red');
  });

  it('mirrors for lower is better: 0,3 + 0,6 is exactly 0,9 (in floating point 0.30000000000000004 + 0.6 > 0.9)', () => {
    expect(colourFor({ displayed: 1, target: 0.3, tolerance: 0.7, direction: 'lower' })).toBe('yellow');
    expect(colourFor({ displayed: 5, target: 4.1, tolerance: 0.9, direction: 'lower' })).toBe('yellow'); // 4.1 + 0.9 = 4.999999999999999
    expect(colourFor({ displayed: 6, target: 4.1, tolerance: 0.9, direction: 'lower' })).toBe('red');
  });

  it('agrees with integer arithmetic on tenths for every target and tolerance with one decimal', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 100 }),
        fc.integer({ min: 0, max: 1000 }),
        fc.integer({ min: 0, max: 200 }),
        fc.constantFrom<'higher' | 'lower'>('higher', 'lower'),
        (displayed, targetTenths, toleranceTenths, direction) => {
          const v = displayed * 10; // the whole percent shown, in tenths
          const expected =
            direction === 'higher'
              ? v >= targetTenths
                ? 'green'
                : v >= targetTenths - toleranceTenths
                  ? 'yellow'
                  : 'red'
              : v <= targetTenths
                ? 'green'
                : v <= targetTenths + toleranceTenths
                  ? 'yellow'
                  : 'red';
          const got = colourFor({ displayed, target: targetTenths / 10, tolerance: toleranceTenths / 10, direction });
          expect(got).toBe(expected);
        },
      ),
      { numRuns: 5000 },
    );
  });
});

describe('a change of exactly 0 is always "oförändrat" (item 8)', () => {
  it('with deadBand 0 an unchanged value is unchanged, in both directions', () => {
    for (const direction of ['higher', 'lower'] as const) {
      expect(trendFor({ current: 57.14, previous: 57.14, deadBand: 0, direction }).trend).toBe('unchanged');
      expect(trendFor({ current: 0, previous: 0, deadBand: 0, direction }).trend).toBe('unchanged');
      // the same share from other counts: 8/14 and 4/7 are the same number
      expect(trendFor({ current: percentExact(8, 14), previous: percentExact(4, 7), deadBand: 0, direction }).trend).toBe('unchanged');
    }
  });

  it('with deadBand 0 any real change has an arrow, and the dead band is compared exactly', () => {
    expect(trendFor({ current: 57.2, previous: 57.1, deadBand: 0, direction: 'higher' }).trend).toBe('improved');
    expect(trendFor({ current: 57.1, previous: 57.2, deadBand: 0, direction: 'higher' }).trend).toBe('worsened');
    // |0,3 − 0,1| = 0,2 is not below a dead band of 0,2 (in floating point 0.3 − 0.1 = 0.19999999999999998)
    expect(trendFor({ current: 0.3, previous: 0.1, deadBand: 0.2, direction: 'higher' }).trend).toBe('improved');
    expect(trendFor({ current: 0.3, previous: 0.1, deadBand: 0.21, direction: 'higher' }).trend).toBe('unchanged');
  });
});
