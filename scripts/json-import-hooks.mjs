// Node 20 refuses `import x from './file.json'` without an import attribute, which
// @actions/workflow-parser's action schema uses (newer Node accepts it). This hook loads such
// imports as JSON modules.
export async function load(url, context, nextLoad) {
  if (url.endsWith('.json')) return nextLoad(url, { ...context, importAttributes: { type: 'json' } });
  return nextLoad(url, context);
}
