/**
 * Command messages (RTMP spec section 7.1.1 and 7.2): an AMF0 command name, transaction id,
 * command object and arguments. Type 20 carries AMF0; type 17 (AMF3 command) is read the way
 * librtmp reads it: its first byte is skipped and the rest decoded as AMF0, where AMF3 values
 * appear behind the AVM+ switch marker.
 *
 * @module
 */

import { type AmfValue, encodeAmf0 } from "../amf/mod.ts";
import { decodeAmfBody, describeAmfValue } from "./_amf_body.ts";
import type { RtmpMessage } from "../chunk/rtmp_message.ts";
import { MessageError } from "./message_error.ts";
import type { MessageOptions } from "./message_options.ts";
import { CSID, MessageType } from "./message_type.ts";

/** A decoded (or to be encoded) command message. */
export interface CommandMessage {
  /** Command name: "connect", "_result", "onStatus", … */
  name: string;
  /** Transaction id; 0 for commands that expect no reply. */
  transactionId: number;
  /** Command object (an object for connect and replies, usually null otherwise). */
  commandObject: AmfValue;
  /** The values after the command object. */
  args: AmfValue[];
}

/**
 * Encodes a command as an AMF0 command message (type 20). Defaults: csid 3 (commands), message
 * stream 0, timestamp 0.
 *
 * @example
 * ```ts
 * import { encodeCommand } from "./command.ts";
 * const message = encodeCommand({ name: "createStream", transactionId: 2, commandObject: null, args: [] });
 * // payload: 02 000c "createStream" 00 4000000000000000 05
 * ```
 */
export function encodeCommand(command: CommandMessage, options: MessageOptions = {}): RtmpMessage {
  return {
    csid: options.csid ?? CSID.Command,
    typeId: MessageType.CommandAmf0,
    timestamp: options.timestamp ?? 0,
    messageStreamId: options.messageStreamId ?? 0,
    payload: encodeAmf0(
      command.name,
      command.transactionId,
      command.commandObject,
      ...command.args,
    ),
  };
}

/**
 * Decodes a command message of type 20 (AMF0) or 17 (AMF3 command: first byte skipped). A
 * missing transaction id reads as 0 and a missing command object as null, as in librtmp.
 *
 * @throws {MessageError} for another message type, a malformed AMF payload (the
 * {@linkcode AmfError} is the cause), a first value that is not a string, or a transaction id
 * that is not a number.
 */
export function decodeCommand(message: RtmpMessage): CommandMessage {
  const values = decodeAmfBody(
    message,
    "command",
    MessageType.CommandAmf0,
    MessageType.CommandAmf3,
  );
  const [name, transactionId = 0, commandObject = null] = values;
  if (typeof name !== "string") {
    throw new MessageError(
      `Cannot decode command: first value is ${describeAmfValue(name)}, not a string`,
    );
  }
  if (typeof transactionId !== "number") {
    throw new MessageError(
      `Cannot decode command "${name}": transaction id is ${
        describeAmfValue(transactionId)
      }, not a number`,
    );
  }
  return { name, transactionId, commandObject, args: values.slice(3) };
}
