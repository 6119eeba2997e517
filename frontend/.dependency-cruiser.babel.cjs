// How dependency-cruiser reads the app's TypeScript (.dependency-cruiser.cjs). TypeScript 7 has
// no compiler API it can parse with, so Babel strips the types first. Babel would drop
// `import type` lines with the types, and with them arrows the layer rules must see (a type is a
// dependency too), so the plugin below turns every import and re-export into a value one first.
const asValues = {
  ImportDeclaration(path) {
    path.node.importKind = 'value';
    for (const specifier of path.node.specifiers) specifier.importKind = 'value';
  },
  ExportNamedDeclaration(path) {
    if (path.node.source === null) return;
    path.node.exportKind = 'value';
    for (const specifier of path.node.specifiers) specifier.exportKind = 'value';
  },
  ExportAllDeclaration(path) {
    path.node.exportKind = 'value';
  },
};

// Runs on entering the program, before the TypeScript preset removes anything.
const keepTypeImports = () => ({ visitor: { Program: (path) => path.traverse(asValues) } });

module.exports = {
  presets: [[require.resolve('@babel/preset-typescript'), { onlyRemoveTypeImports: true }]],
  plugins: [keepTypeImports],
};
