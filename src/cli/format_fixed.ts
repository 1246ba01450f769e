/**
 * C's `printf("%.Nf", x)` as glibc prints it, for the command line's messages; the formatter
 * itself lives in the session layer, which logs numbers the same way.
 *
 * @module
 */

export { formatFixed } from "../session/format_fixed.ts";
