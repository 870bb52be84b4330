import { test } from 'node:test';
import assert from 'node:assert/strict';
import { splitCommand } from './command.js';

test('splitCommand splits words like sh, without expanding anything', () => {
  assert.deepEqual(splitCommand('node server.js'), ['node', 'server.js']);
  assert.deepEqual(splitCommand('  node   "my app.js"  --x \'a b\' '), ['node', 'my app.js', '--x', 'a b']);
  assert.deepEqual(splitCommand('echo "say \\"hi\\"" \'it\'\\\'\'s\''), ['echo', 'say "hi"', "it's"]);
  assert.deepEqual(splitCommand('a\\ b c'), ['a b', 'c']);
  assert.deepEqual(splitCommand('run "$HOME" \'$PATH|x\''), ['run', '$HOME', '$PATH|x']);
  assert.deepEqual(splitCommand('x "a\\nb"'), ['x', 'a\\nb']);
  assert.deepEqual(splitCommand('x ""'), ['x', '']);
  assert.deepEqual(splitCommand('a\\|b'), ['a|b']);
});

test('splitCommand rejects unquoted shell operators', () => {
  for (const op of ['|', '&', ';', '<', '>', '(', ')', '$', '`']) {
    assert.throws(() => splitCommand(`node app.js ${op} x`), (err: Error) => {
      assert.match(err.message, new RegExp(`unquoted "\\${op}"`));
      assert.match(err.message, /use an argv array or quote it/);
      return true;
    });
  }
  assert.throws(() => splitCommand('node --port=$PORT'), /unquoted "\$"/);
});

test('splitCommand rejects unclosed quotes, a trailing backslash and empty commands', () => {
  assert.throws(() => splitCommand('node "app.js'), /unclosed " quote/);
  assert.throws(() => splitCommand("node 'app.js"), /unclosed ' quote/);
  assert.throws(() => splitCommand('node \\'), /lone backslash/);
  assert.throws(() => splitCommand('   '), /command is empty/);
});
