// The server is issue 3 and not built yet. Say so plainly instead of pretending to start.
console.error('coverwatch-server is not built yet (issue 3). Today you can use the CLI offline:');
console.error('  npm run build && npx coverwatch report path/to/lcov.info');
process.exit(1);
