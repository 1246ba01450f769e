/**
 * Data messages (RTMP spec section 7.1.2): a name such as "onMetaData" or "@setDataFrame"
 * followed by AMF0 values. Type 18 carries AMF0; type 15 (AMF3 data) has a leading byte that is
 * skipped before decoding the rest as AMF0.
 *
 * @module
 */

import type { AmfValue } from "../amf/mod.ts";
import { encodeAmf0 } from "../amf/mod.ts";
import type { RtmpMessage } from "../chunk/rtmp_message.ts";
import { decodeAmfBody, describeAmfValue } from "./_amf_body.ts";
import { MessageError } from "./message_error.ts";
import type { MessageOptions } from "./message_options.ts";
import { CSID, MessageType } from "./message_type.ts";

/** A decoded data message. */
export interface DataMessage {
  /** The handler name: "onMetaData", "@setDataFrame", "onCuePoint", … */
  name: string;
  /** The values after the name. */
  values: AmfValue[];
}

/**
 * Encodes an AMF0 data message (type 18). Defaults: csid 4 (where librtmp sends media and
 * metadata when publishing), message stream 0, timestamp 0.
 *
 * @example
 * ```ts
 * import { encodeData } from "./data_message.ts";
 * const message = encodeData("onMetaData", [{ duration: 10 }], { messageStreamId: 1 });
 * ```
 */
export function encodeData(
  name: string,
  values: readonly AmfValue[],
  options: MessageOptions = {},
): RtmpMessage {
  return {
    csid: options.csid ?? CSID.Media,
    typeId: MessageType.DataAmf0,
    timestamp: options.timestamp ?? 0,
    messageStreamId: options.messageStreamId ?? 0,
    payload: encodeAmf0(name, ...values),
  };
}

/**
 * Decodes a data message of type 18 (AMF0) or 15 (AMF3 data: first byte skipped).
 *
 * @throws {MessageError} for another message type, a malformed AMF payload (the AmfError is the
 * cause) or a first value that is not a string.
 */
export function decodeData(message: RtmpMessage): DataMessage {
  const values = decodeAmfBody(message, "data message", MessageType.DataAmf0, MessageType.DataAmf3);
  const name = values[0];
  if (typeof name !== "string") {
    throw new MessageError(
      `Cannot decode data message: first value is ${describeAmfValue(name)}, not a string`,
    );
  }
  return { name, values: values.slice(1) };
}
