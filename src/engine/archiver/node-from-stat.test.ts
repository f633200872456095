import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { LifeboatError } from '../../core/index.js';
import { withTempDir } from '../../../test/helpers/tmp.js';
import { OwnerNames, lstatFields, newStatFields, nodeFromStat } from './node-from-stat.js';

test('extended attributes are read into the node; a failure to read them is reported, not dropped', async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, 'with-xattr');
    writeFileSync(path, 'x');
    execFileSync('setfattr', ['-n', 'user.lifeboat', '-v', 'kept', path]);
    const owners = new OwnerNames();
    const errors: Error[] = [];
    const st = lstatFields(Buffer.from(path), newStatFields());
    const node = nodeFromStat(Buffer.from('with-xattr'), Buffer.from(path), st, 'file', owners, (err) => errors.push(err));
    assert.deepEqual(
      node.extendedAttributes?.map((a) => [a.name, a.value.toString()]),
      [['user.lifeboat', 'kept']],
    );
    assert.equal(errors.length, 0);

    // the file goes away between its lstat and the attribute read: a real llistxattr failure
    rmSync(path);
    const again = nodeFromStat(Buffer.from('with-xattr'), Buffer.from(path), st, 'file', owners, (err) => errors.push(err));
    assert.equal(again.extendedAttributes, undefined);
    assert.equal(errors.length, 1);
    assert.ok(errors[0] instanceof LifeboatError);
    assert.equal(errors[0].code, 'E_IO');
    assert.match(errors[0].message, /^extended attributes not saved: ENOENT.*llistxattr/);
    assert.ok(errors[0].message.includes(path));
  });
});
