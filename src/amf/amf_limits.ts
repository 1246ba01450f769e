/**
 * Limits that keep the AMF decoders bounded on hostile input.
 *
 * @module
 */

/**
 * Deepest nesting of containers (objects, arrays, typed objects, ECMA arrays, vectors,
 * dictionaries) that the decoders accept and the encoders produce; dates, XML and byte arrays are
 * not levels. A decoder counts the levels a value will take when written out again: AMF0 and
 * AMF3 levels together across the AVM+ switch, and a reference as the levels of the value it
 * points to. Deeper input is an {@linkcode AmfError} when decoding and a `RangeError` when
 * encoding (which also catches cyclic values).
 */
export const AMF_MAX_DEPTH = 256;

/**
 * How many bytes references may add to a message, measured as the size of the decoded value
 * written out again without references minus the size of the input. Repeated references to
 * large values ("billion laughs") are an {@linkcode AmfError} beyond this, so anything that walks
 * or re-encodes a decoded value stays bounded.
 */
export const AMF_MAX_REFERENCE_EXPANSION = 16 * 1024 * 1024;
