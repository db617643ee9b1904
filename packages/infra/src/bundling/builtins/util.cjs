// `node:util` for Lambda bundles, without an ES import: see BUILTINS_BY_REQUIRE in ../lambda-bundle.ts.
module.exports = process.getBuiltinModule("node:util");
