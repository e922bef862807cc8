import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { compileLike, likeMatch, type LikePattern } from '../../../src/format/filter/like.js';
import { likeRegExp, simpleLower } from './reference.js';

const enc = new TextEncoder();

function matches(pattern: string, text: string, insensitive = false): boolean {
  const p = compileLike(pattern, insensitive);
  assert.notEqual(typeof p, 'string');
  // Place the text inside a larger buffer to check the matcher stays within its slice.
  const bytes = enc.encode(`xx${text}yy`);
  return likeMatch(p as LikePattern, bytes, 2, bytes.length - 2);
}

describe('like patterns', () => {
  it('anchors at both ends; * and % match any run, _ one character', () => {
    assert.equal(matches('abc', 'abc'), true);
    assert.equal(matches('abc', 'abcd'), false);
    assert.equal(matches('abc', 'xabc'), false);
    assert.equal(matches('a*', 'a'), true);
    assert.equal(matches('*c', 'abc'), true);
    assert.equal(matches('a%c%e', 'abcde'), true);
    assert.equal(matches('a%c%e', 'abcdf'), false);
    assert.equal(matches('a*a', 'a'), false);
    assert.equal(matches('%%', ''), true);
    assert.equal(matches('', ''), true);
    assert.equal(matches('', 'a'), false);
    assert.equal(matches('_', '😀'), true);
    assert.equal(matches('__', '😀'), false);
    assert.equal(matches('%_', 'é'), true);
    assert.equal(matches('_%_', 'é'), false);
    assert.equal(matches('a_c', 'a😀c'), true);
  });

  it('a backslash makes the next character literal; a trailing one is an error', () => {
    assert.equal(matches('100\\%', '100%'), true);
    assert.equal(matches('100\\%', '1000'), false);
    assert.equal(matches('a\\*', 'a*'), true);
    assert.equal(matches('a\\*', 'ab'), false);
    assert.equal(matches('a\\_', 'a_'), true);
    assert.equal(matches('a\\_', 'ab'), false);
    assert.equal(matches('a\\\\b', 'a\\b'), true);
    assert.equal(typeof compileLike('abc\\', false), 'string');
  });

  it('ilike folds case with simple lowercase, beyond ASCII', () => {
    assert.equal(matches('ÉCOLE', 'école', true), true);
    assert.equal(matches('σ%', 'ΣΑ', true), true);
    assert.equal(matches('k', '\u212a', true), true); // KELVIN SIGN lowercases to k
    assert.equal(matches('straße', 'STRASSE', true), false); // no full case folding
    assert.equal(matches('ÉCOLE', 'école', false), false);
  });

  it('keeps the literal prefix for pruning (case-sensitive only)', () => {
    const p = compileLike('ab\\%c%d_', false) as LikePattern;
    assert.deepEqual(Buffer.from(p.prefix).toString(), 'ab%c');
    assert.equal((compileLike('ab%', true) as LikePattern).prefix.length, 0);
    assert.equal((compileLike('%ab', false) as LikePattern).prefix.length, 0);
  });

  it('agrees with a RegExp reference on random patterns and texts', () => {
    const chars = ['a', 'b', 'A', 'é', 'É', 'ß', '😀', '%', '_', '\\', '*', 'Σ', 'σ', 'ς', 'İ', 'i', '\u212a', 'k', '日'];
    const text = fc.array(fc.constantFrom(...chars), { maxLength: 8 }).map((a) => a.join(''));
    const token = fc.oneof(
      fc.constantFrom('%', '*', '_'),
      fc.constantFrom(...chars).map((c) => ('%*_\\'.includes(c) ? `\\${c}` : c)),
    );
    const pattern = fc.array(token, { maxLength: 6 }).map((a) => a.join(''));
    fc.assert(
      fc.property(pattern, text, fc.boolean(), (p, t, ci) => {
        const want = likeRegExp(p, ci).test(ci ? simpleLower(t) : t);
        assert.equal(matches(p, t, ci), want, `${ci ? 'ilike' : 'like'} ${JSON.stringify(p)} on ${JSON.stringify(t)}`);
      }),
      { numRuns: 2000 },
    );
  });

  it('matches texts built to fit the pattern', () => {
    // Replace each wildcard by random text: the result must match.
    const lit = fc.constantFrom('a', 'b', 'é', '😀', 'x');
    const part = fc.oneof(
      lit.map((c) => ({ p: c, t: fc.constant(c) })),
      fc.constant({ p: '%', t: fc.string({ maxLength: 3 }) }),
      fc.constant({ p: '_', t: lit }),
    );
    fc.assert(
      fc.property(
        fc.array(part, { maxLength: 6 }).chain((parts) =>
          fc.tuple(
            fc.constant(parts.map((x) => x.p).join('')),
            fc.tuple(...parts.map((x) => x.t)).map((ts) => ts.join('')),
          ),
        ),
        ([p, t]) => {
          assert.equal(matches(p, t), true, `${p} on ${JSON.stringify(t)}`);
        },
      ),
      { numRuns: 300 },
    );
  });
});
