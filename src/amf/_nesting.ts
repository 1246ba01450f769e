/**
 * Nesting depth accounting shared by an AMF0 reader and the AMF3 reader it switches to, so that
 * one limit covers a value whichever format its levels are written in, references included.
 *
 * @module
 */

import { AmfError } from "./amf_error.ts";
import { AMF_MAX_DEPTH } from "./amf_limits.ts";

/**
 * Open containers and the deepest level reached. A container's height (its own level plus the
 * deepest level inside it) is recorded when it ends, so that a reference to it counts as the
 * levels it will take when the value is walked or written out again.
 */
export class Nesting {
  /** Containers open now. */
  depth = 0;
  /** Deepest level reached inside the innermost open container (or the value, at the top). */
  deepest = 0;

  /** Starts a new top-level value. */
  reset(): void {
    this.depth = 0;
    this.deepest = 0;
  }

  /**
   * Enters a container, or throws {@linkcode AmfError} beyond {@linkcode AMF_MAX_DEPTH} levels.
   * Returns what {@linkcode Nesting.leave} needs back.
   */
  enter(what: string, offset: number): number {
    if (this.depth >= AMF_MAX_DEPTH) throw tooDeep(what, offset);
    const saved = this.deepest;
    this.deepest = ++this.depth;
    return saved;
  }

  /** Leaves the container entered with `saved`; returns its height in levels. */
  leave(saved: number): number {
    const height = this.deepest - --this.depth;
    if (saved > this.deepest) this.deepest = saved;
    return height;
  }

  /** Accounts for a reference, here, to a value `height` levels high. */
  reference(height: number, what: string, offset: number): void {
    const reached = this.depth + height;
    if (reached > AMF_MAX_DEPTH) throw tooDeep(what, offset);
    if (reached > this.deepest) this.deepest = reached;
  }
}

function tooDeep(what: string, offset: number): AmfError {
  return new AmfError(
    `Cannot decode ${what} at offset ${offset}: nesting deeper than ${AMF_MAX_DEPTH} levels`,
  );
}

/** Key under which an AMF3 reader holds its nesting, so that an AMF0 reader can share its own. */
export const nesting: unique symbol = Symbol("nesting");

/** Key of the AMF3 reader method that reads a value inside an AMF0 value, at its depth. */
export const readNestedValue: unique symbol = Symbol("readNestedValue");
