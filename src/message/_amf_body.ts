/**
 * AMF0 body decoding shared by the command and data message decoders.
 *
 * @module
 */

import { AmfError, type AmfValue, decodeAmf0 } from "../amf/mod.ts";
import type { RtmpMessage } from "../chunk/rtmp_message.ts";
import { MessageError } from "./message_error.ts";

/**
 * Decodes the AMF0 values of a command or data message whose type is `amf0Type`, or `amf3Type`
 * with its leading byte skipped. Shared by the command and data message decoders.
 */
export function decodeAmfBody(
  message: RtmpMessage,
  what: string,
  amf0Type: number,
  amf3Type: number,
): AmfValue[] {
  let body = message.payload;
  if (message.typeId === amf3Type) {
    if (body.length === 0) {
      throw new MessageError(`Cannot decode ${what}: AMF3 ${what} payload is empty`);
    }
    body = body.subarray(1);
  } else if (message.typeId !== amf0Type) {
    throw new MessageError(
      `Cannot decode ${what}: message type ${message.typeId} is not ${amf0Type} or ${amf3Type}`,
    );
  }
  let values: AmfValue[];
  try {
    values = decodeAmf0(body);
  } catch (error) {
    if (error instanceof AmfError) {
      throw new MessageError(`Cannot decode ${what}: malformed AMF0 (${error.message})`, {
        cause: error,
      });
    }
    throw error;
  }
  if (values.length === 0) throw new MessageError(`Cannot decode ${what}: payload is empty`);
  return values;
}

/** Names the kind of an AMF value for error messages ("a string", "null", "an array"). */
export function describeAmfValue(value: AmfValue): string {
  if (value === null) return "null";
  if (value === undefined) return "undefined";
  if (Array.isArray(value)) return "an array";
  const kind = typeof value === "object" ? value.constructor?.name ?? "object" : typeof value;
  return `${/^[aeiou]/i.test(kind) ? "an" : "a"} ${kind}`;
}
