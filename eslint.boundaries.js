// @ts-check
/**
 * The import boundaries of the tree, as lint rules: product code (functions/, shared/) never imports the offline
 * platform, and no platform package but the dev package imports product code. Kept apart from eslint.config.js so
 * that a test can lint fixtures against exactly these rules.
 */
const productFiles = ['functions/**/*.ts', 'shared/**/*.ts'];
const platformFiles = ['local/**/*.ts'];
const devPackageFiles = ['local/dev/**/*.ts'];

const platformImports = {
  regex: '^(@mds/|(\\.\\./)+local(/|$))',
  message: 'Product code never imports the offline platform (local/): production has no such packages.',
};
const productImports = {
  regex: '^((\\.\\./)+(shared|functions)(/|$)|@mds/dev$)',
  message:
    'Platform packages never import product code (shared/, functions/); only the dev package (local/dev) knows both.',
};

module.exports = {
  platformImports,
  productImports,
  configs: [
    { files: productFiles, rules: { 'no-restricted-imports': ['error', { patterns: [platformImports] }] } },
    {
      files: platformFiles,
      ignores: devPackageFiles,
      rules: { 'no-restricted-imports': ['error', { patterns: [productImports] }] },
    },
  ],
};
