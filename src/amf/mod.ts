/**
 * AMF0 and AMF3 codecs: the value model ({@linkcode AmfValue}), encoders, decoders and the
 * {@linkcode AmfError} they throw. Pure code, importing nothing else of rtmpkit.
 *
 * Follows the AMF0 and AMF3 specifications and librtmp's `amf.c` where rtmpdump's bytes depend
 * on it (strings switch to long strings at 65536 UTF-8 bytes, ECMA arrays carry their property
 * count, references are never written). Where librtmp gives up, this layer goes on: AMF0
 * references and typed objects decode, the AVM+ switch decodes any AMF3 value, and AMF3 is
 * complete (reference tables, arrays, byte arrays, vectors, dictionaries) with an encoder.
 * Decoders are bounded on hostile input: lengths are checked before allocating, nesting stops at
 * {@linkcode AMF_MAX_DEPTH} (one budget for AMF0 and AMF3, references counted in full), and
 * references may not form cycles or expand a message by more than
 * {@linkcode AMF_MAX_REFERENCE_EXPANSION} bytes. Whatever decodes can be encoded again in the same
 * format: names whose invalid UTF-8 would outgrow their length field are rejected.
 *
 * Objects decode to {@linkcode AmfObject} (an ordered `Map`) because property order matters on
 * the wire; encoders also accept plain objects.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { AmfObject, decodeAmf0, encodeAmf0 } from "./mod.ts";
 *
 * const body = encodeAmf0("connect", 1, { app: "live", fpad: false, capabilities: 15 });
 * const [command, transactionId, commandObject] = decodeAmf0(body);
 * assert.equal(command, "connect");
 * assert.equal(transactionId, 1);
 * assert(commandObject instanceof AmfObject);
 * assert.equal(commandObject.get("app"), "live");
 * assert.deepEqual([...commandObject.keys()], ["app", "fpad", "capabilities"]);
 * ```
 *
 * @module
 */

export * from "./types.ts";
export * from "./amf_error.ts";
export * from "./amf_limits.ts";
export * from "./amf0_marker.ts";
export * from "./amf3_marker.ts";
export * from "./u29.ts";
export * from "./amf0_writer.ts";
export * from "./amf0_reader.ts";
export * from "./amf3_writer.ts";
export * from "./amf3_reader.ts";
