#!/usr/bin/env node
// Stand-in app that fails at startup, like an app whose database is down: two lines on
// stderr, exit 1 at once. Tests use it to exercise crash loops and restart back-off.
console.error(`fatal: cannot connect to database at postgres://127.0.0.1:5432/${process.env.APP_NAME ?? 'standin'}`);
console.error('fatal: giving up after 1 attempt (connection refused)');
process.exit(1);
