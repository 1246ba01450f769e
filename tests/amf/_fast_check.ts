/**
 * fast-check for the AMF property tests, pinned in one place. Source files must stay free of
 * npm packages, and remote runs see no import map, so the full specifier is used here.
 *
 * @module
 */

// deno-lint-ignore no-import-prefix
import fc from "npm:fast-check@4.10.2";

export default fc;
