import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LifeboatError } from '../../core/index.js';
import { PathFilter } from './path-filter.js';
import { assertValidPattern, patternSyntaxError } from './pattern-syntax.js';

test('valid globs pass: classes, negated classes, ranges, escapes, **', () => {
  for (const p of ['*.tmp', '/etc/**', 'cache/*', 'file[0-9].log', '[!a]*', '[^a-c]', '\\[literal\\]', '[\\]]', '[a\\-z]', 'a?b', '**/x', ']', 'a]b', '-']) {
    assert.equal(patternSyntaxError(p), undefined, p);
  }
});

test('issue 20 defect 9: invalid globs are named errors, as Go filepath.Match (restic) finds them', () => {
  for (const p of ['[', 'a[', '[]', '[]a]', '[a-]', '[-a]', '[^]', '[a', 'x\\', '[\\', 'dir/[z-']) {
    assert.notEqual(patternSyntaxError(p), undefined, p);
    assert.throws(
      () => assertValidPattern(p, '--include'),
      (err: unknown) => {
        assert.ok(err instanceof LifeboatError);
        assert.equal(err.code, 'E_USAGE');
        assert.ok(err.message.startsWith(`--include: invalid pattern ${JSON.stringify(p)}: `), err.message);
        return true;
      },
    );
  }
  assert.throws(() => new PathFilter(['*.ok'], ['['], { names: ['--exclude', '--iexclude'] }), /^LifeboatError: --iexclude: invalid pattern "\["|--iexclude: invalid pattern "\["/);
});
