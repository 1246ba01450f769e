/**
 * Accounting for how far references expand a message, shared by an AMF0 reader and the AMF3
 * reader it switches to.
 *
 * @module
 */

import { AmfError } from "./amf_error.ts";
import { AMF_MAX_REFERENCE_EXPANSION } from "./amf_limits.ts";

/** Bytes added by references so far in one message, checked against the limit. */
export class ReferenceBudget {
  /** Bytes added so far. */
  used = 0;

  /** Adds the expansion of one reference (negative values count as zero). */
  add(bytes: number, what: string, offset: number): void {
    if (bytes <= 0) return;
    this.used += bytes;
    if (this.used > AMF_MAX_REFERENCE_EXPANSION) {
      throw new AmfError(
        `Cannot decode ${what} at offset ${offset}: references expand the message by more than ${AMF_MAX_REFERENCE_EXPANSION} bytes`,
      );
    }
  }
}

/** Key under which an AMF3 reader holds its budget, so that an AMF0 reader can share its own. */
export const referenceBudget: unique symbol = Symbol("referenceBudget");

/** Marks a reference-table entry whose value is still being decoded. */
export const IN_PROGRESS = -1;
