// js-yaml 4 ships no types; this is the one function the workflow lint uses.
declare module "js-yaml" {
  export function load(text: string, options?: { filename?: string }): unknown;
}
