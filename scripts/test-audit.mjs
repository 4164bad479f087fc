// A node:test reporter that writes one JSON line per finished test (name, file, nesting, skip/todo),
// so that scripts/run-tests.mjs can tell a run that tested something from one that only skipped,
// and find a test file that registered no test (Node 20 reports such a file as one passing test).
export default async function* audit(source) {
  for await (const ev of source) {
    if (ev.type !== 'test:pass' && ev.type !== 'test:fail') continue;
    const d = ev.data;
    yield JSON.stringify({ pass: ev.type === 'test:pass', name: d.name, file: d.file, nesting: d.nesting, skip: Boolean(d.skip), todo: Boolean(d.todo) }) +
      '\n';
  }
}
