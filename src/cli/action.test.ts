/**
 * The one action wrapper: every command of the program is registered through it, and it maps
 * what an action throws to the exit codes of the contract (docs/cli.md) without a stack trace.
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, test } from 'node:test';
import { Command, type CommandUnknownOpts } from '@commander-js/extra-typings';
import { LifeboatError, LockedError } from '../core/index.js';
import { actionRunner, isWrappedAction } from './action.js';
import { EXIT } from './exit-codes.js';
import type { Io } from './io.js';
import { buildProgram } from './main.js';

class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void): void {
    this.text += chunk.toString();
    cb();
  }
}

function captureIo(): Io & { stdout: Capture; stderr: Capture } {
  return { stdout: new Capture(), stderr: new Capture(), isTty: false, env: {} };
}

describe('action wrapper', () => {
  test('every command of the program has its action wrapped by the one runner', () => {
    const actions = new Map<object, unknown>();
    const proto = Command.prototype as unknown as { action: (fn: unknown) => unknown };
    const original = proto.action;
    proto.action = function (this: object, fn: unknown) {
      actions.set(this, fn);
      return original.call(this, fn);
    };
    let program: CommandUnknownOpts;
    try {
      program = buildProgram(captureIo(), new AbortController().signal, () => undefined);
    } finally {
      proto.action = original;
    }
    const problems: string[] = [];
    let leaves = 0;
    const walk = (c: CommandUnknownOpts, path: string): void => {
      for (const sub of c.commands) {
        const name = `${path}${sub.name()}`;
        const fn = actions.get(sub);
        if (sub.commands.length === 0 && sub.name() !== 'help') {
          leaves++;
          if (fn === undefined) problems.push(`${name}: no action`);
        }
        if (fn !== undefined && !isWrappedAction(fn)) problems.push(`${name}: action not made by actionRunner`);
        walk(sub, `${name} `);
      }
    };
    walk(program, '');
    assert.ok(leaves > 40, `the walk reached the commands (${leaves})`);
    assert.deepEqual(problems, []);
  });

  test('errors become the documented exit codes, printed with their hint and no stack', async () => {
    const cases: [unknown, number][] = [
      [new LifeboatError('E_WRONG_PASSWORD', 'wrong password', { hint: 'check -p' }), EXIT.wrongPassword],
      [new LifeboatError('E_REPO_NOT_FOUND', 'no repository'), EXIT.repositoryNotFound],
      [new LockedError('repository is locked by pid 1'), EXIT.locked],
      [new LifeboatError('E_USAGE', 'bad flag'), EXIT.error],
      [new Error('plain'), EXIT.error],
    ];
    for (const [err, expected] of cases) {
      const io = captureIo();
      let code = -1;
      const run = actionRunner(io, new AbortController().signal, (c) => (code = c));
      const program = new Command('t').exitOverride();
      program.command('x').action(run(async () => Promise.reject(err)));
      await program.parseAsync(['x'], { from: 'user' });
      assert.equal(code, expected, String(err));
      assert.match(io.stderr.text, /^lifeboat: /);
      assert.doesNotMatch(io.stderr.text, /\n\s+at /, 'no stack trace');
      if (err instanceof LifeboatError && err.hint) assert.match(io.stderr.text, /hint: check -p/);
    }
  });

  test('the exit code an action sets is kept; an interrupted run exits 130', async () => {
    const io = captureIo();
    const codes: number[] = [];
    const controller = new AbortController();
    const run = actionRunner(io, controller.signal, (c) => codes.push(c));
    const program = new Command('t').exitOverride();
    program.command('plan').action(run(async (ctx) => void (ctx.exitCode = EXIT.planHasWork)));
    program.command('long').action(
      run(async () => {
        controller.abort(new LifeboatError('E_ABORTED', 'interrupted'));
        throw new Error('a read failed because of the abort');
      }),
    );
    await program.parseAsync(['plan'], { from: 'user' });
    await program.parseAsync(['long'], { from: 'user' });
    assert.deepEqual(codes, [EXIT.planHasWork, EXIT.interrupted]);
    assert.match(io.stderr.text, /lifeboat: interrupted/);
  });
});
